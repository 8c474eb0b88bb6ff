#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "base/Result.hpp"
#include "base/Timers.hpp"
#include "media/recording/RecordingError.hpp"

namespace rtcgate::media {

// A pcap file (libpcap's classic format, LINKTYPE_RAW) of plain RTP: each packet behind a
// synthetic IPv4 and UDP header with the addresses it travelled between, so that tcpdump and
// Wireshark read it as the call's RTP. Little-endian, microsecond timestamps.
class PcapWriter {
 public:
  // One direction's addresses: IPv4 in network order (0 for a peer on IPv6), ports in host order.
  struct Flow {
    std::uint32_t sourceAddress = 0;
    std::uint16_t sourcePort = 0;
    std::uint32_t destinationAddress = 0;
    std::uint16_t destinationPort = 0;
  };

  // Creates `path`, which must not exist yet.
  static Result<std::unique_ptr<PcapWriter>, RecordingError> create(const std::string& path);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  bool write(const Flow& flow, std::span<const std::uint8_t> rtp, WallClock::time_point time);
  void flush();
  void close();
  std::uint64_t packets() const { return packets_; }

 private:
  explicit PcapWriter(std::FILE* file) : file_(file) {}

  std::FILE* file_;
  std::uint64_t packets_ = 0;
  std::uint16_t ipId_ = 0;
};

}  // namespace rtcgate::media
