#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "mediacontrol/MediaControl.hpp"
#include "mediacontrol/RelayPool.hpp"
#include "proxy/CallObserver.hpp"
#include "proxy/Dialog.hpp"

namespace rtcgate::app {

// Turns what goes wrong with media into events (docs/API.md, "Events"): stands between the proxy
// and its relay (a MediaControl that passes every request through) and publishes "error" when a
// relay refuses an offer or answer or does not answer at all; publishes "relay.down"/"relay.up"
// on the pool's health transitions, and "error" when a call ends for lack of media. Runs on the
// signalling loop (the inner MediaControl must reply there).
class RelayWatch : public mediacontrol::MediaControl, public proxy::CallObserver {
 public:
  // type, then a JSON object of fields (EventHub::publish).
  using Publish = std::function<void(std::string_view type, const std::string& fields)>;

  RelayWatch(mediacontrol::MediaControl& inner, Publish publish);

  void request(ng::Value request, Callback done) override;
  bool deleteReplyHasStatistics() const override { return inner_.deleteReplyHasStatistics(); }
  void watch(mediacontrol::RelayPool& pool);
  // A call that ended with reason media-timeout or relay-lost is an error worth an event.
  void onCallEvent(proxy::CallEvent event, const proxy::Dialog& dialog) override;

  // The event bodies, for tests.
  static std::string relayFields(const mediacontrol::RelayPool::RelayState& relay);
  static std::string relayErrorFields(std::string_view command, std::string_view callId,
                                      std::string_view reason, bool answered);

 private:
  mediacontrol::MediaControl& inner_;
  Publish publish_;
};

}  // namespace rtcgate::app
