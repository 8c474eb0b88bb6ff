// The relay calls Transcoder::process from its packet thread, where nothing may allocate: counted
// here through the global operator new (which this file replaces for the unit_media binary, only
// counting and otherwise passing to malloc), over a stream with losses, reordering and an event.
#include <gtest/gtest.h>

// GCC sees the malloc inside the replacement below and the library's operator delete and calls
// them mismatched; libstdc++'s operator delete is std::free, so they match.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "media/codec/OpusCodec.hpp"
#include "media/codec/Transcoder.hpp"
#include "unit/media/codec/ToneAnalysis.hpp"

namespace {
std::atomic<std::size_t> allocations{0};
}  // namespace

// AddressSanitizer replaces every operator new and delete itself (and checks that they pair): a
// replacement of ours would mismatch one of its forms, so the ASan build does not count and skips
// the test.
#if !defined(__SANITIZE_ADDRESS__)
#define RTCGATE_COUNTS_ALLOCATIONS 1
// libstdc++'s operator delete releases with std::free, so it pairs with this.
void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
#endif

namespace rtcgate::media {
namespace {

struct Packet {
  std::uint8_t payloadType;
  std::uint16_t sequence;
  std::uint32_t timestamp;
  std::vector<std::uint8_t> payload;
};

// Two seconds of Opus with packet 30 lost, 40 and 41 swapped and a telephone event at 60..64.
std::vector<Packet> troubledStream() {
  OpusCodec encoder({.pcmRate = 48000});
  tone::ToneGenerator generator(700, 48000, 8000);
  std::vector<Packet> packets;
  std::uint32_t timestamp = 0;
  for (std::uint16_t i = 0; i < 100; ++i) {
    std::vector<std::uint8_t> payload(1500);
    if (i >= 60 && i < 65) {
      const auto duration = static_cast<std::uint16_t>(960 * (i - 59));
      payload = {1, static_cast<std::uint8_t>(i == 64 ? 0x8a : 0x0a),
                 static_cast<std::uint8_t>(duration >> 8), static_cast<std::uint8_t>(duration)};
      packets.push_back({101, i, 60 * 960, payload});
    } else {
      payload.resize(encoder.encode(generator.next(960), payload));
      packets.push_back({111, i, timestamp, payload});
    }
    timestamp += 960;
  }
  packets.erase(packets.begin() + 30);
  std::swap(packets[39], packets[40]);
  return packets;
}

TEST(TranscoderAllocation, ProcessAllocatesNothing) {
#if !defined(RTCGATE_COUNTS_ALLOCATIONS)
  GTEST_SKIP() << "AddressSanitizer owns operator new here";
#endif
  const auto packets = troubledStream();
  for (const unsigned ptime : {20u, 30u}) {
    Transcoder transcoder({.in = {"opus", 48000, "", 111, std::uint8_t{101}},
                           .out = {"PCMU", 8000, "", 0, std::uint8_t{100}},
                           .outPtimeMs = ptime});
    std::vector<std::uint8_t> storage(8 * Transcoder::kMaxPayload);
    std::vector<RtpFrame> frames(8);
    std::size_t sent = 0;
    const std::size_t before = allocations.load();
    for (const auto& p : packets) {
      sent += transcoder.process({p.payloadType, false, p.sequence, p.timestamp, 7, p.payload},
                                 storage, frames);
    }
    EXPECT_EQ(allocations.load() - before, 0u) << ptime;
    EXPECT_GT(sent, 50u);
    EXPECT_EQ(transcoder.concealedFrames(), 1u);
  }
}

}  // namespace
}  // namespace rtcgate::media
