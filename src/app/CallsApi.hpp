#pragma once

#include <functional>
#include <string>

#include "admin/HttpServer.hpp"
#include "base/Result.hpp"
#include "ng/Value.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::app {

// The calls part of the management API (docs/API.md): GET /api/v1/calls, GET and DELETE
// /api/v1/calls/{id}, GET /api/v1/media. `relay` sends one ng request to the media relay and calls
// back, on the signalling loop, with its reply (a dict with result "error" when it cannot); empty
// when there is no relay. Routes that ask the relay answer later (admin::HttpReply::later): the
// loop serves SIP while an ng relay takes its time, or never answers.
class CallsApi {
 public:
  using RelayReply = std::function<void(ng::Value)>;
  using RelayRequest = std::function<void(ng::Value, RelayReply)>;

  CallsApi(proxy::ProxyCore& proxy, RelayRequest relay) : proxy_(proxy), relay_(std::move(relay)) {}
  void registerRoutes(admin::HttpServer& server);

  // The body of POST /api/v1/calls, {"from": "...", "to": "..."}. Decoded apart from the call
  // it starts so that the fuzz target can feed it hostile JSON without a proxy.
  struct OriginateBody {
    std::string from;
    std::string to;
  };
  static Result<OriginateBody> parseOriginateBody(std::string_view body);

  // Exposed for tests: a call as JSON, with its media quality when `relayReport` is given.
  static std::string callJson(const proxy::Dialog& dialog, const ng::Value* relayReport);
  // rtpengine-layout query reply -> per-direction packets, loss %, jitter ms and estimated MOS.
  static std::string mediaQualityJson(const proxy::Dialog& dialog, const ng::Value& report);
  static std::string toJson(const ng::Value& value);

 private:
  admin::HttpReply originate(const std::string& body);
  admin::HttpReply callWithMedia(std::uint64_t id, std::string callId);
  admin::HttpReply relayOverview();
  proxy::ProxyCore& proxy_;
  RelayRequest relay_;
};

}  // namespace rtcgate::app
