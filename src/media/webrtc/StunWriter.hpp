#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "media/packet/PeerAddress.hpp"

namespace rtcgate::media {

// Builds one STUN message into a caller-owned buffer (no allocation): header first, then
// attributes in call order, MESSAGE-INTEGRITY and FINGERPRINT last. The buffer must hold
// `kMaxSize` bytes; attributes that would not fit are refused (the writer then reports failure).
class StunWriter {
 public:
  static constexpr std::size_t kMaxSize = 548;

  StunWriter(std::uint8_t* buffer, std::uint16_t type,
             const std::array<std::uint8_t, 12>& transactionId);

  void addUsername(std::string_view username);
  void addSoftware(std::string_view software);
  void addPriority(std::uint32_t priority);
  void addUseCandidate();
  void addIceControlling(std::uint64_t tieBreaker);
  void addIceControlled(std::uint64_t tieBreaker);
  void addXorMappedAddress(const PeerAddress& address);
  void addErrorCode(int code, std::string_view reason);
  void addIntegrity(std::string_view password);
  void addFingerprint();

  bool ok() const { return ok_; }
  std::size_t size() const { return size_; }

 private:
  std::uint8_t* beginAttribute(std::uint16_t type, std::size_t valueLength);
  void addTieBreaker(std::uint16_t type, std::uint64_t tieBreaker);
  void setLength(std::size_t bodyLength);

  std::uint8_t* buffer_;
  std::size_t size_ = 0;
  bool ok_ = true;
};

}  // namespace rtcgate::media
