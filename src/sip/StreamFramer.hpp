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

  // Looks at the unconsumed bytes. "\r\n\r\n" alone is a ping, a lone "\r\n" a pong. After
  // NeedMore, pass the same bytes again with more appended: the framer remembers how far it
  // searched for the end of the headers and the frame length once it knows it, so a peer that
  // trickles a 64 KiB header a byte per segment costs one scan of it, not one per segment
  // (quadratic). Any returned frame or error forgets that.
  Frame next(std::string_view data);

 private:
  Frame found(Frame frame);  // forgets the pending message's progress

  std::size_t maxMessageSize_;
  std::size_t scanned_ = 0;      // bytes of the pending message searched without a CRLFCRLF
  std::size_t frameLength_ = 0;  // headers + body of the pending message; 0 until known
};

}  // namespace rtcgate::sip
