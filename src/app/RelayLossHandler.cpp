#include "app/RelayLossHandler.hpp"

#include <spdlog/spdlog.h>

namespace rtcgate::app {

void RelayLossHandler::watch(media::RelayPool& pool) {
  pool.onCallsLost(
      [this](const media::RelayPool::RelayState& relay, const std::vector<std::string>& callIds) {
        onCallsLost(relay, callIds);
      });
}

void RelayLossHandler::onCallsLost(const media::RelayPool::RelayState& relay,
                                   const std::vector<std::string>& callIds) {
  const std::string name = relay.address.toString();
  for (const auto& callId : callIds) {
    // Gone already (ended while its relay was failing), or a relay session with no call here.
    proxy::Dialog* dialog = proxy_.dialogs().find(callId);
    if (dialog == nullptr) continue;
    spdlog::warn("call {}: its media relay {} is down: ending the call (relay-lost)", callId, name);
    proxy_.hangup(dialog->id, "relay-lost");
  }
}

}  // namespace rtcgate::app
