#pragma once

#include <string>

#include "base/Result.hpp"
#include "http/HttpServer.hpp"
#include "mediacontrol/MediaControl.hpp"
#include "ng/Value.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::api {

// The calls part of the management API (docs/API.md): GET /api/v1/calls, GET and DELETE
// /api/v1/calls/{id}, GET /api/v1/media. `relay` is the media relay, replying on the signalling
// loop (with ng relays, RelayPool::questions(), so that the relay holding a call answers for it);
// null when there is none. Routes that ask the relay answer later (http::HttpReply::later): the
// loop serves SIP while an ng relay takes its time, or never answers.
class CallsApi {
 public:
  // `timers`: the wall clock the calls' durations run to.
  CallsApi(proxy::ProxyCore& proxy, mediacontrol::MediaControl* relay, const Timers& timers)
      : proxy_(proxy), relay_(relay), timers_(timers) {}
  void registerRoutes(http::HttpServer& server);

  // The body of POST /api/v1/calls, {"from": "...", "to": "..."}. Decoded apart from the call
  // it starts so that the fuzz target can feed it hostile JSON without a proxy.
  struct OriginateBody {
    std::string from;
    std::string to;
  };
  static Result<OriginateBody> parseOriginateBody(std::string_view body);
  // The HTTP status of an originate the proxy refused: 400 a malformed party, 404 one nobody can
  // reach, 503 a call that could not start.
  static unsigned originateStatus(proxy::OriginateError::Kind kind);
  // The body of POST /api/v1/calls/{id}/dtmf: {"digits": "123#", "duration_ms": 100 (100-5000),
  // "to": "callee" (the default) or "caller"}.
  struct DtmfBody {
    std::string digits;
    unsigned durationMs = 100;
    bool toCaller = false;
  };
  static constexpr std::size_t kMaxDigits = 32;
  static Result<DtmfBody> parseDtmfBody(std::string_view body);

 private:
  http::HttpReply originate(const std::string& body);
  http::HttpReply callWithMedia(std::uint64_t id, std::string callId);
  http::HttpReply relayOverview();
  http::HttpReply holdReply(std::uint64_t id, bool held);
  http::HttpReply sendDtmf(const proxy::Dialog& dialog, const std::string& body);
  // The call as JSON (events::callJson), its duration up to now on timers_' wall clock.
  std::string callJsonAsOfNow(const proxy::Dialog& dialog, const ng::Value* relayReport) const;
  proxy::ProxyCore& proxy_;
  mediacontrol::MediaControl* relay_;
  const Timers& timers_;
};

}  // namespace rtcgate::api
