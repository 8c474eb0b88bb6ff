#pragma once

#include <array>
#include <cstdint>
#include <memory>
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
  explicit FlowToken(const Key& key);
  ~FlowToken();
  FlowToken(const FlowToken&) = delete;
  FlowToken& operator=(const FlowToken&) = delete;
  void setKey(const Key& key);

  // "1f.<32 lowercase hex digits>"
  std::string encode(std::uint64_t connectionId, std::string_view callId) const;
  // The connection a token names, when it was issued by us for this Call-ID.
  std::optional<std::uint64_t> decode(std::string_view token, std::string_view callId) const;

 private:
  static constexpr std::size_t kMacSize = 16;
  std::array<std::uint8_t, kMacSize> mac(std::uint64_t connectionId, std::string_view callId) const;
  // An HMAC-SHA256 context keyed once: re-initialising it with the key it holds skips the
  // algorithm fetch and key schedule that a one-shot HMAC() pays on every token (~5x the cost).
  struct MacContext;
  std::unique_ptr<MacContext> context_;
};

}  // namespace rtcgate::proxy
