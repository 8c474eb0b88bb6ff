#pragma once

#include <memory>
#include <string>

#include "app/Config.hpp"
#include "base/Timers.hpp"
#include "store/ResilientStore.hpp"
#include "store/Store.hpp"

namespace rtcgate::app {

// Opens the store the configuration names (creating the data directory for SQLite). On failure
// returns nullptr and sets error to one line naming the store and the reason. For the CLI.
std::unique_ptr<store::Store> openStore(const Config& config, std::string& error);

// The gateway's store: the same, behind a ResilientStore that queues what fails and reopens a
// removed file, and with a short lock wait, since it runs on the signalling loop.
std::unique_ptr<store::ResilientStore> openGatewayStore(const Config& config, Timers& timers,
                                                        std::string& error);

}  // namespace rtcgate::app
