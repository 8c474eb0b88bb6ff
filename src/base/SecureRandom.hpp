#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace rtcgate {

// Identifiers a stranger must not guess -- Via branches, tags, Call-IDs of calls we place, ICE
// credentials, ng cookies, tokens -- come from OpenSSL's CSPRNG (RAND_bytes), never from a seeded
// general-purpose generator whose state the identifiers it printed would give away. RAND_bytes
// fills a batch per thread (thread_local: the signalling loop and each relay worker draw from
// their own), so an identifier costs a copy, not a call into the DRBG. Bytes handed out are wiped
// from the batch. Without randomness the process aborts rather than hand out guessable ids.
class SecureRandom {
 public:
  static void fill(std::span<std::uint8_t> out);
  static std::uint64_t next64();
  // 2 * bytes lowercase hex digits.
  static std::string hex(std::size_t bytes);
  // `length` characters drawn uniformly from `alphabet` (at most 256 characters; rejection
  // sampling, so no character is likelier than another).
  static std::string token(std::size_t length, std::string_view alphabet);

  static constexpr std::string_view kAlphanumeric =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
};

}  // namespace rtcgate
