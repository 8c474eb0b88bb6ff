#include "transaction/ReceivedVia.hpp"

#include "sip/Lex.hpp"

namespace rtcgate::transaction {

void markReceived(sip::SipMessage& request, const sip::Flow& flow) {
  const auto& via = request.topVia();
  const bool rport = via.hasRport();
  const auto source = flow.remote.host();
  const auto sentBy = SocketAddress::parse(via.host, 0);
  const bool sameHost = sentBy && sentBy->sameHost(flow.remote);
  if (!rport && sameHost) return;

  std::string value(via.protocol);
  value += ' ';
  value += via.host;
  if (via.port != 0) value += ":" + std::to_string(via.port);
  via.params.forEach([&](std::string_view name, std::string_view param) {
    if (sip::lex::iequals(name, "received") || sip::lex::iequals(name, "rport")) return;
    value += ';';
    value += name;
    if (!param.empty()) {
      value += '=';
      value += param;
    }
  });
  value += ";received=" + source;
  if (rport) value += ";rport=" + std::to_string(flow.remote.port());
  request.removeFirst(sip::HeaderId::Via);
  request.prependHeader(sip::HeaderId::Via, std::move(value));
}

}  // namespace rtcgate::transaction
