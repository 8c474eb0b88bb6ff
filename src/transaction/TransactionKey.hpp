#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "sip/SipMessage.hpp"

namespace rtcgate::transaction {

// The identity under which the layer finds a transaction again, flattened into one string so a
// lookup costs one hash and one compare.
//
// Server side (RFC 3261 17.2.3): with a magic-cookie branch, branch + sent-by + method (+ Call-ID,
// so a reused branch is not taken for a retransmission); otherwise
// the RFC 2543 fallback: Request-URI, From tag, Call-ID, CSeq number, top Via, method, To tag.
// Client side (17.1.3): branch of our own top Via + CSeq method.
class TransactionKey {
 public:
  TransactionKey() = default;

  // The server transaction `request` belongs to when it carries `method`: pass the request's own
  // method for retransmissions, "INVITE" for an ACK or CANCEL looking for its INVITE.
  static TransactionKey forServer(const sip::SipMessage& request, std::string_view method);
  static TransactionKey forClient(std::string_view branch, std::string_view method);
  // The same, rebuilt in place: a key reused for lookups keeps its buffer, so matching a message
  // to its transaction allocates nothing.
  void assignServer(const sip::SipMessage& request, std::string_view method);
  void assignClient(std::string_view branch, std::string_view method);

  // RFC 2543 keys end with the To tag, and an ACK carries the tag of the response it acknowledges,
  // not the INVITE's: the INVITE transaction registers this variant once it sent a final response.
  bool isRfc2543() const { return !text_.empty() && text_[0] == '2'; }
  TransactionKey withToTag(std::string_view toTag) const;

  bool empty() const { return text_.empty(); }
  const std::string& text() const { return text_; }
  friend bool operator==(const TransactionKey&, const TransactionKey&) = default;

 private:
  explicit TransactionKey(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

struct TransactionKeyHash {
  std::size_t operator()(const TransactionKey& key) const {
    return std::hash<std::string>{}(key.text());
  }
};

}  // namespace rtcgate::transaction
