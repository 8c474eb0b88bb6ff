#include "transaction/TransactionKey.hpp"

#include <cctype>
#include <charconv>

namespace rtcgate::transaction {

namespace {

// Separates components; cannot occur in a parsed header value, so keys cannot collide by shifting
// text from one component to the next.
constexpr char kSep = '\x1f';

void appendLower(std::string& out, std::string_view text) {
  for (char c : text) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
}

void appendNumber(std::string& out, std::uint32_t number) {
  char digits[16];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, number);
  out.append(digits, end);
}

}  // namespace

TransactionKey TransactionKey::forServer(const sip::SipMessage& request, std::string_view method) {
  TransactionKey key;
  key.assignServer(request, method);
  return key;
}

TransactionKey TransactionKey::forClient(std::string_view branch, std::string_view method) {
  TransactionKey key;
  key.assignClient(branch, method);
  return key;
}

void TransactionKey::assignServer(const sip::SipMessage& request, std::string_view method) {
  const sip::Via& via = request.topVia();
  std::string& text = text_;
  text.clear();
  if (via.rfc3261Branch()) {
    text.push_back('3');
    text.append(via.branch());
    text.push_back(kSep);
    appendLower(text, via.host);  // sent-by host: hostnames compare case-insensitively
    text.push_back(':');
    appendNumber(text, via.port);
    text.push_back(kSep);
    text.append(method);
    // Not in RFC 3261 17.2.3, but a retransmission (and the ACK or CANCEL of an INVITE) always
    // repeats the Call-ID: a client that reuses a branch for a new request (RFC 4475 does) gets
    // a new transaction instead of another request's response.
    text.push_back(kSep);
    text.append(request.callId());
    return;
  }
  const sip::Header* topVia = request.find(sip::HeaderId::Via);
  text.push_back('2');
  text.append(request.requestUri());
  text.push_back(kSep);
  text.append(request.fromTag());
  text.push_back(kSep);
  text.append(request.callId());
  text.push_back(kSep);
  appendNumber(text, request.cseq());
  text.push_back(kSep);
  if (topVia) text.append(topVia->value);
  text.push_back(kSep);
  text.append(method);
  text.push_back(kSep);  // the To tag goes last, see withToTag()
  text.append(request.toTag());
}

void TransactionKey::assignClient(std::string_view branch, std::string_view method) {
  text_.clear();
  text_.push_back('C');
  text_.append(branch);
  text_.push_back(kSep);
  text_.append(method);
}

TransactionKey TransactionKey::withToTag(std::string_view toTag) const {
  if (!isRfc2543()) return *this;
  std::string text = text_.substr(0, text_.rfind(kSep) + 1);
  text.append(toTag);
  return TransactionKey(std::move(text));
}

}  // namespace rtcgate::transaction
