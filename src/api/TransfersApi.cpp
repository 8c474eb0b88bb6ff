#include "api/TransfersApi.hpp"

#include "api/CallIdParam.hpp"
#include "http/Json.hpp"
#include "http/JsonValue.hpp"
#include "sip/SipUri.hpp"

namespace rtcgate::api {

using Refusal = proxy::ProxyCore::TransferRefusal;

namespace {

bool isTransferTarget(std::string_view target) {
  for (const char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '<' || c == '>' || c == '"') return false;
  }
  const auto uri = sip::parseUri(target);
  return uri && (uri->scheme == sip::UriScheme::Sip || uri->scheme == sip::UriScheme::Sips) &&
         !uri->host.empty();
}

}  // namespace

Result<TransfersApi::TransferBody> TransfersApi::parseBody(std::string_view body) {
  const auto json = http::JsonValue::parse(body);
  if (!json || !json->isObject()) {
    return Error{"the body must be a JSON object {\"target\", \"transferee\"}"};
  }
  TransferBody transfer;
  const auto& target = (*json)["target"];
  if (!target.isString() || target.asString().size() > 512 ||
      !isTransferTarget(target.asString())) {
    return Error{"target must be a sip: or sips: URI, such as sip:carol@example.com"};
  }
  transfer.target = target.asString();
  const auto& transferee = (*json)["transferee"];
  if (!transferee.isNull()) {
    if (!transferee.isString() ||
        (transferee.asString() != "caller" && transferee.asString() != "callee")) {
      return Error{"transferee must be \"caller\" or \"callee\""};
    }
    transfer.transfereeIsCaller = transferee.asString() == "caller";
  }
  return transfer;
}

http::HttpReply TransfersApi::start(std::uint64_t id, const std::string& body) {
  const auto transfer = parseBody(body);
  if (!transfer) return http::HttpReply::error(400, transfer.error());
  std::string why;
  switch (proxy_.transfer(id, transfer->transfereeIsCaller, transfer->target, why)) {
    case Refusal::None: {
      std::string out = "{\"id\":" + std::to_string(id) + ",\"target\":";
      http::appendJsonString(out, transfer->target);
      out += std::string(",\"transferee\":\"") +
             (transfer->transfereeIsCaller ? "caller" : "callee") + "\",\"state\":\"requested\"}";
      return http::HttpReply::json(std::move(out), 202);
    }
    case Refusal::NoSuchCall:
      return http::HttpReply::error(404, "no such call");
    case Refusal::NotAnswered:
      return http::HttpReply::error(409, "only an answered call can be transferred");
    case Refusal::Busy:
      return http::HttpReply::error(409, "a transfer of this call is under way");
    case Refusal::NotSent:
      return http::HttpReply::error(503, "the REFER could not be sent: " + why);
  }
  return http::HttpReply::error(500, "unexpected");
}

void TransfersApi::registerRoutes(http::HttpServer& server) {
  server.add("POST", "/api/v1/calls/{id}/transfer",
             "blind transfer {target, transferee: caller|callee}: a REFER to the transferee, "
             "call.transfer events follow",
             [this](const http::HttpRequest& request) {
               return start(callIdParam(request), request.body);
             });
}

}  // namespace rtcgate::api
