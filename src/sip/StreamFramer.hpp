#pragma once

#include <cstddef>
#include <string_view>

namespace rtcgate::sip {

// Finds message boundaries in a byte stream (TCP/TLS, RFC 3261 18.3): header section up to
// CRLFCRLF, then exactly Content-Length octets (compact "l" too; required on streams).
// Leading CRLFs are keep-alives (RFC 5626 3.5.1) and are reported separately.
class StreamFramer {
 public:
  enum class Status { NeedMore, Message, KeepAlivePing, KeepAlivePong, Error };
  struct Frame {
    Status status = Status::NeedMore;
    std::size_t length = 0;  // octets to consume from the front of the input
    const char* error = "";  // for Error: why (missing/bad Content-Length, message too large)
  };

  explicit StreamFramer(std::size_t maxMessageSize) : maxMessageSize_(maxMessageSize) {}

  // Looks at the unconsumed bytes; does not keep state between calls beyond its limit.
  // "\r\n\r\n" alone is a ping, a lone "\r\n" a pong.
  Frame next(std::string_view data) const;

 private:
  std::size_t maxMessageSize_;
};

}  // namespace rtcgate::sip
