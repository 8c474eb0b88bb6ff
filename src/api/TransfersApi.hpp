#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/Result.hpp"
#include "http/HttpServer.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::api {

// Transfer through the management API (docs/API.md): POST /api/v1/calls/{id}/transfer
// {"target": "sip:carol@example.com", "transferee": "caller"|"callee"} sends the transferee a
// REFER to call the target (blind); {"replaces": 12, "target_party": "caller"|"callee"} instead
// to take the place of the transferor in call 12 (attended, RFC 3891 Replaces). call.transfer
// events follow, and the call ends once the target answered.
class TransfersApi {
 public:
  explicit TransfersApi(proxy::ProxyCore& proxy) : proxy_(proxy) {}
  void registerRoutes(http::HttpServer& server);

  struct TransferBody {
    std::string target;  // blind
    bool transfereeIsCaller = true;
    std::uint64_t replaces = 0;          // attended: the call whose party is the target
    std::optional<bool> targetIsCallee;  // attended: which party, when the API says
  };
  // Either a target or replaces. The target must be a sip: or sips: URI with a host, and nothing
  // that could leave its header (it becomes Refer-To: <target>).
  static Result<TransferBody> parseBody(std::string_view body);

 private:
  http::HttpReply start(std::uint64_t id, const std::string& body);

  proxy::ProxyCore& proxy_;
};

}  // namespace rtcgate::api
