#include "app/RelayLossHandler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace rtcgate::app {

void RelayLossHandler::watch(mediacontrol::RelayPool& pool) {
  pool.onCallsLost([this, &pool](const mediacontrol::RelayPool::RelayState& relay,
                                 const std::vector<std::string>& callIds) {
    const auto relays = pool.relays();
    const bool another =
        std::any_of(relays.begin(), relays.end(), [](const auto& other) { return other.alive; });
    onCallsLost(relay, callIds, another);
  });
}

void RelayLossHandler::onCallsLost(const mediacontrol::RelayPool::RelayState& relay,
                                   const std::vector<std::string>& callIds, bool anotherRelay) {
  const std::string name = relay.address.toString();
  for (const auto& callId : callIds) {
    // Gone already (ended while its relay was failing), or a relay session with no call here.
    proxy::Dialog* dialog = proxy_.dialogs().find(callId);
    if (dialog == nullptr) continue;
    if (!dialog->anchored && dialog->state == proxy::Dialog::State::Confirmed) continue;
    if (anotherRelay && proxy_.moveToAnotherRelay(dialog->id)) continue;
    spdlog::warn("call {}: its media relay {} is down: ending the call (relay-lost)", callId, name);
    proxy_.hangup(dialog->id, "relay-lost");
  }
}

}  // namespace rtcgate::app
