#include "media/webrtc/StunWriter.hpp"

#include <cstring>

#include "media/webrtc/HmacSha1.hpp"
#include "media/webrtc/StunMessage.hpp"

namespace rtcgate::media {
namespace {

void write16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void write32(std::uint8_t* p, std::uint32_t v) {
  write16(p, v >> 16);
  write16(p + 2, v & 0xFFFF);
}

}  // namespace

StunWriter::StunWriter(std::uint8_t* buffer, std::uint16_t type,
                       const std::array<std::uint8_t, 12>& transactionId)
    : buffer_(buffer), size_(StunMessage::kHeaderSize) {
  write16(buffer_, type);
  write16(buffer_ + 2, 0);
  write32(buffer_ + 4, StunMessage::kMagicCookie);
  std::memcpy(buffer_ + 8, transactionId.data(), transactionId.size());
}

std::uint8_t* StunWriter::beginAttribute(std::uint16_t type, std::size_t valueLength) {
  const std::size_t padded = (valueLength + 3) & ~std::size_t{3};
  if (!ok_ || size_ + 4 + padded > kMaxSize) {
    ok_ = false;
    return nullptr;
  }
  std::uint8_t* attribute = buffer_ + size_;
  write16(attribute, type);
  write16(attribute + 2, static_cast<std::uint32_t>(valueLength));
  std::memset(attribute + 4, 0, padded);
  size_ += 4 + padded;
  setLength(size_ - StunMessage::kHeaderSize);
  return attribute + 4;
}

void StunWriter::setLength(std::size_t bodyLength) {
  write16(buffer_ + 2, static_cast<std::uint32_t>(bodyLength));
}

void StunWriter::addUsername(std::string_view username) {
  if (std::uint8_t* value = beginAttribute(0x0006, username.size())) {
    std::memcpy(value, username.data(), username.size());
  }
}

void StunWriter::addSoftware(std::string_view software) {
  if (std::uint8_t* value = beginAttribute(0x8022, software.size())) {
    std::memcpy(value, software.data(), software.size());
  }
}

void StunWriter::addPriority(std::uint32_t priority) {
  if (std::uint8_t* value = beginAttribute(0x0024, 4)) write32(value, priority);
}

void StunWriter::addUseCandidate() { beginAttribute(0x0025, 0); }

void StunWriter::addIceControlling(std::uint64_t tieBreaker) { addTieBreaker(0x802A, tieBreaker); }

void StunWriter::addIceControlled(std::uint64_t tieBreaker) { addTieBreaker(0x8029, tieBreaker); }

void StunWriter::addTieBreaker(std::uint16_t type, std::uint64_t tieBreaker) {
  if (std::uint8_t* value = beginAttribute(type, 8)) {
    write32(value, static_cast<std::uint32_t>(tieBreaker >> 32));
    write32(value + 4, static_cast<std::uint32_t>(tieBreaker));
  }
}

void StunWriter::addXorMappedAddress(const PeerAddress& address) {
  const bool v4 = address.storage.sin6_family == AF_INET;
  std::uint8_t* value = beginAttribute(0x0020, v4 ? 8 : 20);
  if (value == nullptr) return;
  value[1] = v4 ? 0x01 : 0x02;
  write16(value + 2, address.port() ^ (StunMessage::kMagicCookie >> 16));
  if (v4) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address.storage);
    write32(value + 4, ntohl(in.sin_addr.s_addr) ^ StunMessage::kMagicCookie);
    return;
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&address.storage.sin6_addr);
  for (int i = 0; i < 16; ++i) value[4 + i] = bytes[i] ^ buffer_[4 + i];  // cookie + tid
}

void StunWriter::addErrorCode(int code, std::string_view reason) {
  std::uint8_t* value = beginAttribute(0x0009, 4 + reason.size());
  if (value == nullptr) return;
  value[2] = static_cast<std::uint8_t>(code / 100);
  value[3] = static_cast<std::uint8_t>(code % 100);
  std::memcpy(value + 4, reason.data(), reason.size());
}

void StunWriter::addIntegrity(std::string_view password) {
  std::uint8_t* value = beginAttribute(0x0008, 20);
  if (value == nullptr) return;
  // beginAttribute set the length to count MESSAGE-INTEGRITY itself, as RFC 5389 §15.4 wants.
  HmacSha1::Digest mac;
  const std::size_t covered = static_cast<std::size_t>(value - 4 - buffer_);
  if (!HmacSha1::compute(password, {{buffer_, covered}}, mac)) {
    ok_ = false;
    return;
  }
  std::memcpy(value, mac.data(), mac.size());
}

void StunWriter::addFingerprint() {
  std::uint8_t* value = beginAttribute(0x8028, 4);
  if (value == nullptr) return;
  write32(value, stunFingerprint(buffer_, static_cast<std::size_t>(value - 4 - buffer_)));
}

}  // namespace rtcgate::media
