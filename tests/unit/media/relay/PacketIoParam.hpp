#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "media/packet/EventLoop.hpp"
#include "media/relay/RelayOptions.hpp"

namespace rtcgate::media {

// Media fixtures run their tests on both packet paths: epoll, and io_uring (the loop's
// DatagramRing). The ring is set up before the fixture's engine, as RelayService does; where the
// kernel refuses io_uring the fixture's SetUp() skips with the reason returned here.
inline std::string choosePacketIo(EventLoop& loop, RelayOptions::PacketIo io) {
  if (io != RelayOptions::PacketIo::IoUring) return "";
  std::string problem;
  if (loop.useDatagramRing(problem)) return "";
  return "io_uring is unavailable here: " + problem;
}

inline void PrintTo(RelayOptions::PacketIo io, std::ostream* out) {
  *out << (io == RelayOptions::PacketIo::IoUring ? "io_uring" : "epoll");
}

inline std::string packetIoName(const ::testing::TestParamInfo<RelayOptions::PacketIo>& info) {
  return info.param == RelayOptions::PacketIo::IoUring ? "IoUring" : "Epoll";
}

#define RTCGATE_BOTH_PACKET_PATHS(Fixture)                                               \
  INSTANTIATE_TEST_SUITE_P(                                                              \
      PacketIo, Fixture,                                                                 \
      ::testing::Values(RelayOptions::PacketIo::Epoll, RelayOptions::PacketIo::IoUring), \
      packetIoName)

}  // namespace rtcgate::media
