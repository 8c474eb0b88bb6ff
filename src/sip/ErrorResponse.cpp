#include "sip/ErrorResponse.hpp"

#include <charconv>

#include "sip/HeaderId.hpp"
#include "sip/Lex.hpp"
#include "sip/NameAddr.hpp"
#include "sip/Via.hpp"

namespace rtcgate::sip {
namespace {

struct Essentials {
  std::string_view from, to, callId, cseq;
  std::string_view firstVia;
  std::size_t vias = 0;
};

// Calls fn(name, value) for each header field of the section starting at pos; stops at the empty
// line or the end of the data (the message may be cut short).
template <class Fn>
void forEachField(std::string_view data, std::size_t pos, Fn&& fn) {
  std::size_t fieldBegin = std::string_view::npos, fieldEnd = 0;
  auto flush = [&] {
    if (fieldBegin == std::string_view::npos) return;
    std::string_view field = data.substr(fieldBegin, fieldEnd - fieldBegin);
    std::size_t colon = field.find(':');
    if (colon != std::string_view::npos) {
      fn(lex::trim(field.substr(0, colon)), lex::trim(field.substr(colon + 1)));
    }
  };
  while (pos < data.size()) {
    std::size_t lineEnd = data.find('\n', pos);
    if (lineEnd == std::string_view::npos) lineEnd = data.size();
    std::size_t contentEnd = (lineEnd > pos && data[lineEnd - 1] == '\r') ? lineEnd - 1 : lineEnd;
    if (contentEnd == pos) break;
    if (data[pos] == ' ' || data[pos] == '\t') {
      fieldEnd = contentEnd;
    } else {
      flush();
      fieldBegin = pos;
      fieldEnd = contentEnd;
    }
    pos = lineEnd + 1;
  }
  flush();
}

}  // namespace

Result<std::string> makeErrorResponse(std::string_view raw, int status, std::string_view reason,
                                      std::string_view toTag) {
  std::size_t pos = 0;
  while (raw.substr(pos).starts_with("\r\n")) pos += 2;
  const std::size_t eol = raw.find('\n', pos);
  if (eol == std::string_view::npos) return Error{"Not a SIP request"};
  const std::string_view startLine = raw.substr(pos, eol - pos);
  const std::size_t sp = startLine.find(' ');
  if (sp == std::string_view::npos || lex::istartsWith(startLine, "SIP/") ||
      !lex::isToken(startLine.substr(0, sp))) {
    return Error{"Not a SIP request"};
  }
  Essentials e;
  std::string vias;
  forEachField(raw, eol + 1, [&](std::string_view name, std::string_view value) {
    switch (headerIdFromName(name)) {
      case HeaderId::Via:
        if (e.vias++ == 0) e.firstVia = value;
        vias.append("Via: ").append(value).append("\r\n");
        break;
      case HeaderId::From:
        if (e.from.empty()) e.from = value;
        break;
      case HeaderId::To:
        if (e.to.empty()) e.to = value;
        break;
      case HeaderId::CallId:
        if (e.callId.empty()) e.callId = value;
        break;
      case HeaderId::CSeq:
        if (e.cseq.empty()) e.cseq = value;
        break;
      default:
        break;
    }
  });
  if (e.vias == 0) return Error{"Missing Via"};
  // Only sent-protocol and sent-by are needed to route the answer; broken parameters (RFC 4475
  // badinv01) are exactly what the 400 is about.
  std::string_view topVia = e.firstVia.substr(0, lex::findUnquoted(e.firstVia, ','));
  if (!parseVia(topVia.substr(0, topVia.find(';')))) return Error{"Bad Via"};
  if (e.from.empty() || e.to.empty() || e.callId.empty() || e.cseq.empty()) {
    return Error{"Missing essential header"};
  }
  if (status < 100 || status > 699) status = 400;
  std::string out;
  out.reserve(vias.size() + e.from.size() + e.to.size() + e.callId.size() + e.cseq.size() + 128);
  char code[8];
  auto [end, ec] = std::to_chars(code, code + sizeof code, status);
  out.append("SIP/2.0 ").append(code, end).push_back(' ');
  for (char c : reason) out.push_back((c == '\r' || c == '\n') ? ' ' : c);
  out.append("\r\n").append(vias);
  out.append("From: ").append(e.from).append("\r\n");
  out.append("To: ").append(e.to);
  auto to = parseNameAddr(e.to);
  if (!toTag.empty() && to && to->tag().empty()) out.append(";tag=").append(toTag);
  out.append("\r\nCall-ID: ").append(e.callId).append("\r\n");
  out.append("CSeq: ").append(e.cseq).append("\r\n");
  out.append("Content-Length: 0\r\n\r\n");
  return out;
}

}  // namespace rtcgate::sip
