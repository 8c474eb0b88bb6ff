#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtcgate::proxy {

// The token we put into every Record-Route URI we write (`ftok`): it names the connection the
// dialog's requests continue on (a browser's WebSocket, a phone's TCP/TLS flow; 0 for none, RFC
// 5626 5.3, RFC 7118 5) and proves that we record-routed the dialog with this Call-ID. The MAC is
// 128 bits of HMAC-SHA256 under a key from configuration, so a restart (and later every node of a
// cluster) honours the tokens issued before it, and a token cannot be replayed into another call.
// A token routes; it never says who sent a request.
class FlowToken {
 public:
  static constexpr std::size_t kKeySize = 32;
  using Key = std::array<std::uint8_t, kKeySize>;

  FlowToken();  // a random key: tokens die with the process
  explicit FlowToken(const Key& key) : key_(key) {}
  void setKey(const Key& key) { key_ = key; }

  std::string encode(std::uint64_t connectionId, std::string_view callId) const;  // "1f.<22 chars>"
  // The connection a token names, when it was issued by us for this Call-ID.
  std::optional<std::uint64_t> decode(std::string_view token, std::string_view callId) const;

 private:
  static constexpr std::size_t kMacSize = 16;
  std::array<std::uint8_t, kMacSize> mac(std::uint64_t connectionId, std::string_view callId) const;
  Key key_{};
};

}  // namespace rtcgate::proxy
