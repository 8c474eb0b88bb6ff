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
  const auto& replaces = (*json)["replaces"];
  if (replaces.isNull() == target.isNull()) {
    return Error{"give either target (blind transfer) or replaces (attended transfer)"};
  }
  if (!replaces.isNull()) {
    if (!replaces.isNumber() || replaces.asNumber() < 1 || replaces.asNumber() > 9.0e15 ||
        replaces.asNumber() !=
            static_cast<double>(static_cast<std::uint64_t>(replaces.asNumber()))) {
      return Error{"replaces must be the id of another call"};
    }
    transfer.replaces = static_cast<std::uint64_t>(replaces.asNumber());
    const auto& party = (*json)["target_party"];
    if (!party.isNull()) {
      if (!party.isString() || (party.asString() != "caller" && party.asString() != "callee")) {
        return Error{"target_party must be \"caller\" or \"callee\""};
      }
      transfer.targetIsCallee = party.asString() == "callee";
    }
  } else if (!target.isString() || target.asString().size() > 512 ||
             !isTransferTarget(target.asString())) {
    return Error{"target must be a sip: or sips: URI, such as sip:carol@example.com"};
  } else {
    transfer.target = target.asString();
  }
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
  const auto refusal =
      transfer->replaces == 0
          ? proxy_.transfer(id, transfer->transfereeIsCaller, transfer->target, why)
          : proxy_.transferReplacing(id, transfer->transfereeIsCaller, transfer->replaces,
                                     transfer->targetIsCallee, why);
  switch (refusal) {
    case Refusal::None: {
      std::string out = "{\"id\":" + std::to_string(id);
      if (transfer->replaces != 0) {
        out += ",\"replaces\":" + std::to_string(transfer->replaces);
      } else {
        out += ",\"target\":";
        http::appendJsonString(out, transfer->target);
      }
      out += std::string(",\"transferee\":\"") +
             (transfer->transfereeIsCaller ? "caller" : "callee") + "\",\"state\":\"requested\"}";
      return http::HttpReply::json(std::move(out), 202);
    }
    case Refusal::BadReplaces:
      return http::HttpReply::error(409, why);
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
             "transfer {target | replaces, target_party; transferee: caller|callee}: a REFER to "
             "the transferee (attended with replaces), call.transfer events follow",
             [this](const http::HttpRequest& request) {
               return start(callIdParam(request), request.body);
             });
}

}  // namespace rtcgate::api
