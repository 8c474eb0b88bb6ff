#pragma once

#include <functional>
#include <string>

#include "base/Result.hpp"
#include "http/HttpServer.hpp"
#include "ng/Value.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::api {

// The calls part of the management API (docs/API.md): GET /api/v1/calls, GET and DELETE
// /api/v1/calls/{id}, GET /api/v1/media. `relay` sends one ng request to the media relay and calls
// back, on the signalling loop, with its reply (a dict with result "error" when it cannot); empty
// when there is no relay. Routes that ask the relay answer later (http::HttpReply::later): the
// loop serves SIP while an ng relay takes its time, or never answers.
class CallsApi {
 public:
  using RelayReply = std::function<void(ng::Value)>;
  using RelayRequest = std::function<void(ng::Value, RelayReply)>;

  CallsApi(proxy::ProxyCore& proxy, RelayRequest relay) : proxy_(proxy), relay_(std::move(relay)) {}
  void registerRoutes(http::HttpServer& server);

  // The body of POST /api/v1/calls, {"from": "...", "to": "..."}. Decoded apart from the call
  // it starts so that the fuzz target can feed it hostile JSON without a proxy.
  struct OriginateBody {
    std::string from;
    std::string to;
  };
  static Result<OriginateBody> parseOriginateBody(std::string_view body);

 private:
  http::HttpReply originate(const std::string& body);
  http::HttpReply callWithMedia(std::uint64_t id, std::string callId);
  http::HttpReply relayOverview();
  proxy::ProxyCore& proxy_;
  RelayRequest relay_;
};

}  // namespace rtcgate::api
