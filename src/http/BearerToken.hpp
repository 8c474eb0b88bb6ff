#pragma once

#include <array>
#include <string>
#include <string_view>

namespace rtcgate::http {

// The management API's bearer token. A client presents it in `Authorization: Bearer <token>`,
// or, from a browser's WebSocket (which cannot set headers), as the subprotocol
// `bearer.<token>`; never in a URL, where logs, history and Referer headers keep it. Compared
// in constant time over SHA-256 digests, so neither the content nor the length of a guess shows
// in the response time.
class BearerToken {
 public:
  explicit BearerToken(std::string_view token);

  // Whether a token is configured (without one every request is authorized).
  bool required() const { return required_; }
  // "Bearer <token>" (the scheme is case-insensitive, RFC 7235).
  bool acceptsAuthorization(std::string_view header) const;
  // A Sec-WebSocket-Protocol list with "bearer.<token>" among its entries.
  bool acceptsSubprotocols(std::string_view header) const;

  static constexpr std::string_view kSubprotocolPrefix = "bearer.";

 private:
  bool matches(std::string_view candidate) const;

  std::array<unsigned char, 32> digest_{};
  bool required_ = false;
};

}  // namespace rtcgate::http
