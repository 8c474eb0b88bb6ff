#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/Result.hpp"
#include "sip/HeaderId.hpp"
#include "sip/Method.hpp"
#include "sip/Via.hpp"

namespace rtcgate::sip {

// One header line, or one element of a comma-separated list header (Via, Route, Record-Route,
// Contact, Path are split so each element is its own entry). Views point into the message's
// receive buffer, or into the message's own storage once edited.
struct Header {
  HeaderId id = HeaderId::Other;
  std::string_view name;   // as written on the wire ("v", "VIA", "X-Foo")
  std::string_view value;  // trimmed; folded lines kept as written (LWS inside)
  // The whole received header field (name through value, folding included, no final CRLF) that
  // serialize() writes back byte for byte; shared by the elements of one split list line, and
  // empty for headers added or changed by edits (written as "Name: value").
  std::string_view line;
};

// Error reasons of SipMessage::parse() that call for a status other than 400 (compare pointers or
// use statusForParseError). Every other reason is a short phrase for a "400 <reason>" answer.
inline constexpr char kErrorBadVersion[] = "Version Not Supported";  // 505 (RFC 3261 21.5.7)
inline constexpr char kErrorUnknownMethodMismatch[] =
    "Not Implemented";  // 501 (RFC 4475 mismatch02)
// 505, 501 or 400 for a parse() error reason.
int statusForParseError(const char* reason);

// A SIP request or response (RFC 3261 7). Parsing keeps the received bytes and indexes them with
// string_views: no per-header allocation. Edits (new Via, Record-Route, Request-URI, ...) are kept
// beside the original bytes and applied when the message is serialized, so untouched headers are
// written back byte for byte.
class SipMessage {
 public:
  // Parses one complete message and validates the essentials every message needs: the start line
  // (a version other than SIP/2.0 fails with kErrorBadVersion), exactly one well-formed Call-ID,
  // CSeq (number < 2^31, method matching the request method), From and To, at least one Via (all
  // Via, Contact, Route, Record-Route and Path elements must parse), a numeric Max-Forwards <= 255
  // and an RFC 1123 GMT Date when present, a Request-URI that parses and carries no headers, and
  // consistent Content-Length values. Call-ID, CSeq, From, To and Max-Forwards given twice are
  // refused (RFC 4475 multi01). Leading CRLFs are skipped (RFC 3261 7.5).
  // To answer a message that fails here, use makeErrorResponse() (sip/ErrorResponse.hpp), which
  // only needs the raw bytes. For datagrams octets after Content-Length are discarded
  // (RFC 3261 18.3); a Content-Length larger than the data is an error. A missing Content-Length
  // means "the rest of the datagram" (UDP) -- stream transports frame with StreamFramer first.
  static Result<SipMessage> parse(std::string buffer);

  SipMessage(SipMessage&&) noexcept = default;
  SipMessage& operator=(SipMessage&&) noexcept = default;
  SipMessage(const SipMessage&) = delete;
  SipMessage& operator=(const SipMessage&) = delete;
  // Deep copy (for forking: one copy per branch).
  SipMessage clone() const;

  // Builds a response to this request (RFC 3261 8.2.6): copies Via, From, To (adding toTag when
  // given and To has none), Call-ID, CSeq; Content-Length 0.
  SipMessage makeResponse(int status, std::string_view reason, std::string_view toTag = {}) const;

  bool isRequest() const { return isRequest_; }
  bool isResponse() const { return !isRequest_; }

  // Request line.
  Method method() const { return method_; }  // from the request line or, for responses, CSeq
  std::string_view methodText() const { return methodText_; }
  std::string_view requestUri() const { return requestUri_; }
  // Status line.
  int statusCode() const { return statusCode_; }
  std::string_view reasonPhrase() const { return reasonPhrase_; }

  // Cached essentials, validated by parse(): present and well-formed in every message that parses.
  std::string_view callId() const { return callId_; }
  std::uint32_t cseq() const { return cseq_; }
  Method cseqMethod() const { return cseqMethod_; }
  std::string_view cseqMethodText() const { return cseqMethodText_; }
  std::string_view fromTag() const { return fromTag_; }
  std::string_view toTag() const { return toTag_; }
  const Via& topVia() const { return topVia_; }
  // -1 when there is no Max-Forwards header.
  int maxForwards() const { return maxForwards_; }

  const std::vector<Header>& headers() const { return headers_; }
  // First header with this id, or nullptr.
  const Header* find(HeaderId id) const;
  // First header whose name matches case-insensitively (for HeaderId::Other headers).
  const Header* find(std::string_view name) const;
  // Values of every header with this id, in order.
  std::vector<std::string_view> all(HeaderId id) const;
  std::size_t count(HeaderId id) const;

  std::string_view body() const { return body_; }
  // The Expires header as delta-seconds (saturated at 2^32-1); nullopt when absent or malformed.
  std::optional<std::uint32_t> expires() const;

  // --- edits ---
  // Values are written as given (not validated); the cached essentials above are refreshed when an
  // edit touches Via, From, To, Call-ID, CSeq or Max-Forwards. string_views handed out stay valid
  // while the message (or the one it is moved into) lives: edited text is stored, never moved.
  // Header pointers from find()/headers() are invalidated by edits that add or remove headers.
  void setRequestUri(std::string uri);
  void setStatus(int code, std::string reason);
  // Inserts before the first header with this id, or, if none, after the last Via (so a new
  // Record-Route lands near the top); Via always goes first.
  void prependHeader(HeaderId id, std::string value);
  // Appends at the end of the header section (before Content-Length is rewritten).
  void appendHeader(HeaderId id, std::string value);
  void appendHeader(std::string name, std::string value);  // for Other headers
  void removeFirst(HeaderId id);                           // e.g. the top Via, the top Route
  void removeAll(HeaderId id);
  void removeAll(std::string_view name);  // Other headers, by name (case-insensitive)
  // Replaces the value of the first header with this id (adds it if absent).
  void setHeader(HeaderId id, std::string value);
  void setBody(std::string body, std::string_view contentType);

  // Wire form. Content-Length is always written from the body size (one header, full name).
  std::string serialize() const;
  void serializeTo(std::string& out) const;

 private:
  SipMessage() = default;
  std::string_view store(std::string text);  // keeps text alive as long as the message
  void reindex();                            // refreshes the cached essentials after an edit
  void reindexIfEssential(HeaderId id);      // skips the refresh for headers nothing caches

  // Parse steps; each returns nullptr on success or a static error reason.
  const char* parseFraming();
  const char* parseStartLine(std::string_view line);
  const char* addHeaderField(std::string_view field);
  // validate: also check every Via/Contact/Route/Record-Route/Path element and Date (parse());
  // edits only refresh the cached essentials.
  const char* indexEssentials(bool validate = true);
  // Edits used by makeResponse(): the framing only, essentials indexed as far as they go.
  static SipMessage parseUnchecked(std::string buffer);
  // Siblings split from one wire line can no longer be written back as that line.
  void unshareLine(std::string_view line);

  std::unique_ptr<std::string> buffer_;  // the received bytes; stable address for the views
  std::vector<std::unique_ptr<std::string>> owned_;  // values written by edits
  std::vector<Header> headers_;
  bool isRequest_ = true;
  Method method_ = Method::Other;
  std::string_view methodText_;
  std::string_view requestUri_;
  int statusCode_ = 0;
  std::string_view reasonPhrase_;
  std::string_view version_;
  std::string_view callId_;
  std::uint32_t cseq_ = 0;
  Method cseqMethod_ = Method::Other;
  std::string_view cseqMethodText_;
  std::string_view fromTag_;
  std::string_view toTag_;
  Via topVia_;
  int maxForwards_ = -1;
  std::string_view body_;
};

}  // namespace rtcgate::sip
