#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/Result.hpp"
#include "media/packet/PeerAddress.hpp"

namespace rtcgate::media {

// One STUN message (RFC 5389) read in place from a received datagram: the fields ICE-lite needs
// (type, transaction id, USERNAME, PRIORITY, USE-CANDIDATE, the ICE role, XOR-MAPPED-ADDRESS) and
// where MESSAGE-INTEGRITY and FINGERPRINT sit, so that both can be verified without copying. The
// views point into the datagram, which must outlive the message.
struct StunMessage {
  static constexpr std::uint32_t kMagicCookie = 0x2112A442;
  static constexpr std::uint16_t kBindingRequest = 0x0001;
  static constexpr std::uint16_t kBindingSuccess = 0x0101;
  static constexpr std::uint16_t kBindingError = 0x0111;
  static constexpr std::uint16_t kBindingIndication = 0x0011;
  static constexpr std::size_t kHeaderSize = 20;

  std::uint16_t type = 0;
  std::array<std::uint8_t, 12> transactionId{};
  std::string_view username;
  std::uint32_t priority = 0;
  bool useCandidate = false;
  bool iceControlling = false;
  bool iceControlled = false;
  PeerAddress xorMappedAddress;
  // Offset of the MESSAGE-INTEGRITY attribute header; 0 when absent (the header is never there).
  std::size_t integrityOffset = 0;
  bool hasFingerprint = false;
  const std::uint8_t* data = nullptr;
  std::size_t length = 0;

  // Checks the framing, the attribute lengths and, when present, the FINGERPRINT.
  static Result<StunMessage> parse(const std::uint8_t* data, std::size_t length);
  // RFC 7983: a datagram whose first byte is 0-3 is STUN; this adds the magic cookie check.
  static bool looksLikeStun(const std::uint8_t* data, std::size_t length);

  // MESSAGE-INTEGRITY with the short-term credential `password` (RFC 5389 §15.4).
  bool integrityMatches(std::string_view password) const;
};

// CRC-32 (ISO 3309, as zlib) XOR 0x5354554e: the STUN FINGERPRINT value.
std::uint32_t stunFingerprint(const std::uint8_t* data, std::size_t length);

}  // namespace rtcgate::media
