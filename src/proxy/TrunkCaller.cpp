#include "proxy/TrunkCaller.hpp"

#include <string>

#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;

void presentTrunkCaller(sip::SipMessage& request, const Trunk& trunk) {
  if (trunk.fromUser.empty()) return;
  const auto address = sip::parseUri(trunk.address());
  const auto* fromHeader = request.find(HeaderId::From);
  if (!address || fromHeader == nullptr) return;
  const std::string identity = "<sip:" + trunk.fromUser + "@" + std::string(address->host) + ">";
  const auto from = sip::parseNameAddr(fromHeader->value);
  const std::string tag(from ? from->tag() : std::string_view());
  request.setHeader(HeaderId::From, identity + ";tag=" + tag);
  request.removeAll("P-Asserted-Identity");
  request.removeAll("P-Preferred-Identity");
  request.appendHeader("P-Asserted-Identity", identity);
}

}  // namespace rtcgate::proxy
