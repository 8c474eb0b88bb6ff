#include "base/SecureRandom.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <cstdlib>
#include <cstring>

namespace rtcgate {
namespace {

// One batch per thread; 4 KiB is 128 branches' worth of randomness per RAND_bytes call.
class Batch {
 public:
  void take(std::uint8_t* out, std::size_t count) {
    while (count > 0) {
      if (used_ == bytes_.size()) refill();
      const std::size_t n = std::min(count, bytes_.size() - used_);
      std::memcpy(out, bytes_.data() + used_, n);
      OPENSSL_cleanse(bytes_.data() + used_, n);
      used_ += n;
      out += n;
      count -= n;
    }
  }

 private:
  void refill() {
    if (RAND_bytes(bytes_.data(), static_cast<int>(bytes_.size())) != 1) std::abort();
    used_ = 0;
  }

  std::array<std::uint8_t, 4096> bytes_{};
  std::size_t used_ = bytes_.size();
};

Batch& batch() {
  thread_local Batch perThread;
  return perThread;
}

}  // namespace

void SecureRandom::fill(std::span<std::uint8_t> out) { batch().take(out.data(), out.size()); }

std::uint64_t SecureRandom::next64() {
  std::uint8_t bytes[8];
  batch().take(bytes, sizeof bytes);
  std::uint64_t value = 0;
  for (const std::uint8_t b : bytes) value = (value << 8) | b;
  return value;
}

std::string SecureRandom::hex(std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * bytes, '0');
  std::uint8_t chunk[32];
  for (std::size_t done = 0; done < bytes;) {
    const std::size_t n = std::min(sizeof chunk, bytes - done);
    batch().take(chunk, n);
    for (std::size_t i = 0; i < n; ++i) {
      out[2 * (done + i)] = kHex[chunk[i] >> 4];
      out[2 * (done + i) + 1] = kHex[chunk[i] & 0xf];
    }
    done += n;
  }
  return out;
}

std::string SecureRandom::token(std::size_t length, std::string_view alphabet) {
  std::string out;
  if (alphabet.empty() || alphabet.size() > 256) return out;
  out.reserve(length);
  // Bytes at or above the largest multiple of the alphabet size would favour its first letters.
  const unsigned limit = 256 - 256 % static_cast<unsigned>(alphabet.size());
  std::uint8_t chunk[32];
  while (out.size() < length) {
    batch().take(chunk, sizeof chunk);
    for (const std::uint8_t b : chunk) {
      if (b >= limit) continue;
      out.push_back(alphabet[b % alphabet.size()]);
      if (out.size() == length) break;
    }
  }
  return out;
}

}  // namespace rtcgate
