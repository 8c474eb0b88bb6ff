#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtcgate::proxy {

// Names a connection (a browser's WebSocket, a phone's TCP/TLS flow) inside a Record-Route or Path
// URI we write, so that in-dialog requests find their way back over that connection (RFC 5626 5.3,
// RFC 7118 5). Tokens are authenticated with a per-process secret: a forged Route header cannot
// steer a request into somebody else's connection.
class FlowToken {
 public:
  FlowToken();  // random secret
  explicit FlowToken(std::array<std::uint8_t, 32> secret) : secret_(secret) {}

  std::string encode(std::uint64_t connectionId) const;  // "1f-3a9c0b12"
  std::optional<std::uint64_t> decode(std::string_view token) const;

 private:
  std::string mac(std::uint64_t connectionId) const;
  std::array<std::uint8_t, 32> secret_{};
};

}  // namespace rtcgate::proxy
