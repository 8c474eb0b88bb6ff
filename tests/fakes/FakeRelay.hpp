#pragma once

#include <deque>
#include <string>
#include <string_view>

#include "mediacontrol/MediaControl.hpp"

namespace rtcgate::testing {

// A relay the test answers by hand, request by request.
class FakeRelay : public mediacontrol::MediaControl {
 public:
  struct Pending {
    ng::Value request;
    Callback done;
  };
  void request(ng::Value request, Callback done) override {
    pending.push_back({std::move(request), std::move(done)});
  }
  std::string command(std::size_t i = 0) const {
    return std::string(pending.at(i).request.stringAt("command"));
  }
  std::string at(std::string_view key, std::size_t i = 0) const {
    return std::string(pending.at(i).request.stringAt(key));
  }
  void replySdp(const std::string& sdp) {
    ng::Value reply = ng::Value::dict();
    reply.set("result", "ok");
    if (!sdp.empty()) reply.set("sdp", sdp);
    reply_(std::move(reply));
  }
  void replyError() {
    ng::Value reply = ng::Value::dict();
    reply.set("result", "error");
    reply.set("error-reason", "Failed to parse SDP");
    reply_(std::move(reply));
  }
  // No reply after every try (NgClient's timeout).
  void noReply() { fail(mediacontrol::RelayError::timeout("timeout")); }
  // No relay to ask (a pool with every relay down).
  void unreachable() { fail(mediacontrol::RelayError::unreachable("no live media relay")); }
  // Answers whatever is queued with a plain ok (deletes, queries).
  void drainOk() {
    while (!pending.empty()) replySdp("");
  }
  std::deque<Pending> pending;

 private:
  void reply_(ng::Value reply) {
    auto next = std::move(pending.front());
    pending.pop_front();
    next.done(std::move(reply));
  }
  void fail(mediacontrol::RelayError error) {
    auto next = std::move(pending.front());
    pending.pop_front();
    next.done(std::move(error));
  }
};

}  // namespace rtcgate::testing
