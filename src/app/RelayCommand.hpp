#pragma once

#include "app/Config.hpp"
#include "media/relay/RelayOptions.hpp"

namespace rtcgate::app {

// `rtcgate relay`: runs the media relay with its ng listeners until SIGTERM or SIGINT; SIGHUP
// re-reads `configPath` (ConfigReloader, Role::Relay: log.level and relay.allowed_sources apply
// live, the rest is logged as needing a restart). Returns the process exit status (0 after
// SIGTERM or SIGINT, 1 when the relay cannot start).
int runRelayCommand(const Config& config, const std::string& configPath);

// The relay's options from the configuration (media.* and relay.listen).
media::RelayOptions relayOptions(const Config& config);

}  // namespace rtcgate::app
