#include "media/recording/PcapWriter.hpp"

#include <array>
#include <cerrno>
#include <cstring>

namespace rtcgate::media {
namespace {

constexpr std::uint32_t kLinktypeRaw = 101;  // the packet starts with its IP header
constexpr std::size_t kIpHeader = 20;
constexpr std::size_t kUdpHeader = 8;

void le32(std::uint8_t* out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

void be16(std::uint8_t* out, std::uint16_t value) {
  out[0] = static_cast<std::uint8_t>(value >> 8);
  out[1] = static_cast<std::uint8_t>(value);
}

// RFC 791's header checksum, so that tools do not flag the synthetic packets.
std::uint16_t ipChecksum(const std::uint8_t* header) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < kIpHeader; i += 2) sum += (header[i] << 8) | header[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace

Result<std::unique_ptr<PcapWriter>, RecordingError> PcapWriter::create(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wbx");
  if (file == nullptr) return RecordingError{std::strerror(errno)};
  std::unique_ptr<PcapWriter> writer(new PcapWriter(file));
  std::array<std::uint8_t, 24> header{};
  le32(&header[0], 0xa1b2c3d4);  // microsecond timestamps
  header[4] = 2;                 // version 2.4
  header[6] = 4;
  le32(&header[16], 65535);  // snaplen
  le32(&header[20], kLinktypeRaw);
  if (std::fwrite(header.data(), 1, header.size(), file) != header.size()) {
    return RecordingError{"cannot write the pcap header"};
  }
  return writer;
}

PcapWriter::~PcapWriter() { close(); }

bool PcapWriter::write(const Flow& flow, std::span<const std::uint8_t> rtp,
                       WallClock::time_point time) {
  if (file_ == nullptr) return false;
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  const std::size_t length = kIpHeader + kUdpHeader + rtp.size();
  std::array<std::uint8_t, 16 + kIpHeader + kUdpHeader> head{};
  le32(&head[0], static_cast<std::uint32_t>(micros / 1000000));
  le32(&head[4], static_cast<std::uint32_t>(micros % 1000000));
  le32(&head[8], static_cast<std::uint32_t>(length));
  le32(&head[12], static_cast<std::uint32_t>(length));
  std::uint8_t* ip = &head[16];
  ip[0] = 0x45;  // IPv4, 20-byte header
  be16(&ip[2], static_cast<std::uint16_t>(length));
  be16(&ip[4], ipId_++);
  ip[8] = 64;  // TTL
  ip[9] = 17;  // UDP
  std::memcpy(&ip[12], &flow.sourceAddress, 4);
  std::memcpy(&ip[16], &flow.destinationAddress, 4);
  be16(&ip[10], ipChecksum(ip));
  std::uint8_t* udp = ip + kIpHeader;
  be16(&udp[0], flow.sourcePort);
  be16(&udp[2], flow.destinationPort);
  be16(&udp[4], static_cast<std::uint16_t>(kUdpHeader + rtp.size()));  // checksum 0: none
  if (std::fwrite(head.data(), 1, head.size(), file_) != head.size() ||
      std::fwrite(rtp.data(), 1, rtp.size(), file_) != rtp.size()) {
    return false;
  }
  ++packets_;
  return true;
}

void PcapWriter::flush() {
  if (file_ != nullptr) std::fflush(file_);
}

void PcapWriter::close() {
  if (file_ == nullptr) return;
  std::fclose(file_);
  file_ = nullptr;
}

}  // namespace rtcgate::media
