#pragma once

#include <string>
#include <vector>

#include "app/Config.hpp"

namespace rtcgate::app {

// The files holding secrets of `config` that group or others may read, one line each
// ("http.token_file: /etc/rtcgate/token is readable by group or others (mode 0644); chmod 600
// it"): the `*_file` keys, private keys, the store, the data directory, and the configuration
// file itself when it holds a secret inline. Warnings, not errors: the operator made these files.
std::vector<std::string> exposedSecretFiles(const Config& config, const std::string& configPath);

}  // namespace rtcgate::app
