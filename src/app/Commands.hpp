#pragma once

#include <string>

#include "app/Config.hpp"

namespace rtcgate::app {

// The subcommands of the rtcgate binary; each returns the process exit status.
int runCommand(const Config& config, const std::string& configPath = {});    // rtcgate run
int relayCommand(const Config& config, const std::string& configPath = {});  // rtcgate relay
int userAddCommand(const Config& config, const std::string& address, const std::string& password);
int userDelCommand(const Config& config, const std::string& address);
int userListCommand(const Config& config);

}  // namespace rtcgate::app
