#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/Result.hpp"
#include "http/HttpServer.hpp"
#include "proxy/CallObserver.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::api {

// Call recording through the management API (docs/API.md): POST /api/v1/calls/{id}/recording
// {"format": "wav"|"pcap", "mix": "stereo"|"mono"} starts the relay's recording of an answered
// call, DELETE stops it; and calls whose route says `record: true` are recorded from their
// answer on (it observes the calls for that).
class RecordingsApi : public proxy::CallObserver {
 public:
  explicit RecordingsApi(proxy::ProxyCore& proxy) : proxy_(proxy) {}
  void registerRoutes(http::HttpServer& server);
  void onCallEvent(proxy::CallEvent event, const proxy::Dialog& dialog) override;

  // The body of POST .../recording; empty means the defaults (stereo WAV).
  static Result<proxy::ProxyCore::RecordingRequest> parseBody(std::string_view body);

 private:
  http::HttpReply start(std::uint64_t id, const std::string& body);
  http::HttpReply stop(std::uint64_t id);
  static std::string changeJson(std::uint64_t id, const proxy::RecordingChange& change);

  proxy::ProxyCore& proxy_;
};

}  // namespace rtcgate::api
