#include "media/webrtc/StunMessage.hpp"

#include <openssl/crypto.h>

#include <cstring>

#include "media/webrtc/HmacSha1.hpp"

namespace rtcgate::media {
namespace {

constexpr std::uint16_t kUsername = 0x0006;
constexpr std::uint16_t kMessageIntegrity = 0x0008;
constexpr std::uint16_t kXorMappedAddress = 0x0020;
constexpr std::uint16_t kPriority = 0x0024;
constexpr std::uint16_t kUseCandidate = 0x0025;
constexpr std::uint16_t kFingerprint = 0x8028;
constexpr std::uint16_t kIceControlled = 0x8029;
constexpr std::uint16_t kIceControlling = 0x802A;
constexpr std::uint32_t kFingerprintXor = 0x5354554e;

std::uint16_t read16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t read32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

constexpr std::array<std::uint32_t, 256> makeCrcTable() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr auto kCrcTable = makeCrcTable();

// XOR-MAPPED-ADDRESS (RFC 5389 §15.2): port and address XORed with the cookie (and, for IPv6,
// the transaction id).
bool readXorAddress(const std::uint8_t* value, std::size_t length, const std::uint8_t* header,
                    PeerAddress& out) {
  if (length < 8) return false;
  const std::uint16_t port =
      read16(value + 2) ^ static_cast<std::uint16_t>(StunMessage::kMagicCookie >> 16);
  if (value[1] == 0x01) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    const std::uint32_t address = read32(value + 4) ^ StunMessage::kMagicCookie;
    in.sin_addr.s_addr = htonl(address);
    out = {};
    std::memcpy(&out.storage, &in, sizeof in);
    out.length = sizeof in;
    return true;
  }
  if (value[1] == 0x02 && length >= 20) {
    sockaddr_in6 in6{};
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    auto* bytes = reinterpret_cast<std::uint8_t*>(&in6.sin6_addr);
    for (int i = 0; i < 16; ++i) bytes[i] = value[4 + i] ^ header[4 + i];  // cookie + tid
    out.storage = in6;
    out.length = sizeof in6;
    return true;
  }
  return false;
}

}  // namespace

std::uint32_t stunFingerprint(const std::uint8_t* data, std::size_t length) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < length; ++i) crc = kCrcTable[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return (crc ^ 0xFFFFFFFFu) ^ kFingerprintXor;
}

bool StunMessage::looksLikeStun(const std::uint8_t* data, std::size_t length) {
  return length >= kHeaderSize && data[0] < 4 && read32(data + 4) == kMagicCookie;
}

Result<StunMessage> StunMessage::parse(const std::uint8_t* data, std::size_t length) {
  if (!looksLikeStun(data, length)) return Error{"not a STUN message"};
  const std::size_t bodyLength = read16(data + 2);
  if ((bodyLength & 3) != 0 || kHeaderSize + bodyLength != length) {
    return Error{"STUN length mismatch"};
  }
  StunMessage message;
  message.type = read16(data);
  std::memcpy(message.transactionId.data(), data + 8, 12);
  message.data = data;
  message.length = length;
  std::size_t offset = kHeaderSize;
  while (offset < length) {
    if (length - offset < 4) return Error{"truncated STUN attribute"};
    const std::uint16_t type = read16(data + offset);
    const std::size_t valueLength = read16(data + offset + 2);
    const std::size_t padded = (valueLength + 3) & ~std::size_t{3};
    if (length - offset - 4 < padded) return Error{"truncated STUN attribute"};
    const std::uint8_t* value = data + offset + 4;
    if (message.hasFingerprint) return Error{"STUN attribute after FINGERPRINT"};
    // After MESSAGE-INTEGRITY only FINGERPRINT counts (RFC 5389 §15.4); others are ignored.
    const bool afterIntegrity = message.integrityOffset != 0;
    switch (type) {
      case kUsername:
        if (!afterIntegrity) message.username = {reinterpret_cast<const char*>(value), valueLength};
        break;
      case kPriority:
        if (valueLength != 4) return Error{"bad STUN PRIORITY"};
        if (!afterIntegrity) message.priority = read32(value);
        break;
      case kUseCandidate:
        if (!afterIntegrity) message.useCandidate = true;
        break;
      case kIceControlling:
        if (!afterIntegrity) message.iceControlling = true;
        break;
      case kIceControlled:
        if (!afterIntegrity) message.iceControlled = true;
        break;
      case kXorMappedAddress:
        if (!afterIntegrity && !readXorAddress(value, valueLength, data, message.xorMappedAddress))
          return Error{"bad STUN XOR-MAPPED-ADDRESS"};
        break;
      case kMessageIntegrity:
        if (valueLength != 20) return Error{"bad STUN MESSAGE-INTEGRITY"};
        if (!afterIntegrity) message.integrityOffset = offset;
        break;
      case kFingerprint:
        if (valueLength != 4 || offset + 8 != length) return Error{"bad STUN FINGERPRINT"};
        if (stunFingerprint(data, offset) != read32(value)) {
          return Error{"STUN FINGERPRINT mismatch"};
        }
        message.hasFingerprint = true;
        break;
      default:
        break;
    }
    offset += 4 + padded;
  }
  return message;
}

bool StunMessage::integrityMatches(std::string_view password) const {
  if (integrityOffset == 0) return false;
  // The HMAC covers the message up to MESSAGE-INTEGRITY, with the header length field set as if
  // MESSAGE-INTEGRITY were the last attribute.
  std::array<std::uint8_t, kHeaderSize> header;
  std::memcpy(header.data(), data, kHeaderSize);
  const std::size_t coveredLength = integrityOffset + 24 - kHeaderSize;
  header[2] = static_cast<std::uint8_t>(coveredLength >> 8);
  header[3] = static_cast<std::uint8_t>(coveredLength);
  HmacSha1::Digest mac;
  if (!HmacSha1::compute(password, {header, {data + kHeaderSize, integrityOffset - kHeaderSize}},
                         mac)) {
    return false;
  }
  return CRYPTO_memcmp(mac.data(), data + integrityOffset + 4, mac.size()) == 0;
}

}  // namespace rtcgate::media
