#pragma once

#include <memory>
#include <string>

#include "app/Config.hpp"
#include "store/Store.hpp"

namespace rtcgate::app {

// Opens the store the configuration names (creating the data directory for SQLite). On failure
// returns nullptr and sets error to one line naming the store and the reason.
std::unique_ptr<store::Store> openStore(const Config& config, std::string& error);

}  // namespace rtcgate::app
