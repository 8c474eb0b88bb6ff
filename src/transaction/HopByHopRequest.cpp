#include "transaction/HopByHopRequest.hpp"

#include <charconv>

namespace rtcgate::transaction {

namespace {

std::string_view valueOf(const sip::SipMessage& message, sip::HeaderId id) {
  const sip::Header* header = message.find(id);
  return header ? header->value : std::string_view{};
}

void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::string HopByHopRequest::ack(const sip::SipMessage& invite, const sip::SipMessage& response) {
  return build(invite, "ACK", valueOf(response, sip::HeaderId::To));
}

std::string HopByHopRequest::cancel(const sip::SipMessage& invite) {
  return build(invite, "CANCEL", valueOf(invite, sip::HeaderId::To));
}

std::string HopByHopRequest::build(const sip::SipMessage& invite, std::string_view method,
                                   std::string_view to) {
  std::string out;
  out.reserve(512);
  out.append(method).append(" ").append(invite.requestUri()).append(" SIP/2.0\r\n");
  appendHeader(out, "Via", valueOf(invite, sip::HeaderId::Via));
  for (std::string_view route : invite.all(sip::HeaderId::Route)) appendHeader(out, "Route", route);
  appendHeader(out, "Max-Forwards", "70");
  appendHeader(out, "From", valueOf(invite, sip::HeaderId::From));
  appendHeader(out, "To", to);
  appendHeader(out, "Call-ID", invite.callId());
  char number[16];
  auto [end, ec] = std::to_chars(number, number + sizeof number, invite.cseq());
  out.append("CSeq: ").append(number, end).append(" ").append(method).append("\r\n");
  out.append("Content-Length: 0\r\n\r\n");
  return out;
}

}  // namespace rtcgate::transaction
