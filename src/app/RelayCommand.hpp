#pragma once

#include "app/Config.hpp"
#include "media/RelayOptions.hpp"

namespace rtcgate::app {

// `rtcgate relay`: runs the media relay with its ng listeners until SIGTERM or SIGINT. Returns the
// process exit status (0 after a signal, 1 when the relay cannot start).
int runRelayCommand(const media::RelayOptions& options);

// The relay's options from the configuration (media.* and relay.listen).
media::RelayOptions relayOptions(const Config& config);

}  // namespace rtcgate::app
