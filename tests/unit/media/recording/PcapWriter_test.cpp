#include "media/recording/PcapWriter.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

namespace rtcgate::media {
namespace {

std::uint32_t le32(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) |
         (std::uint32_t{bytes[at + 3]} << 24);
}

std::uint16_t be16(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

TEST(PcapWriterTest, WritesRtpBehindIpv4AndUdpHeaders) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("pcap-" + std::to_string(getpid()) + ".pcap"))
          .string();
  std::filesystem::remove(path);
  PcapWriter::Flow flow;
  inet_pton(AF_INET, "192.0.2.1", &flow.sourceAddress);
  flow.sourcePort = 4000;
  inet_pton(AF_INET, "198.51.100.7", &flow.destinationAddress);
  flow.destinationPort = 30000;
  const std::vector<std::uint8_t> rtp{0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 1, 2, 3, 4, 0xd5};
  {
    auto writer = PcapWriter::create(path);
    ASSERT_TRUE(writer);
    const WallClock::time_point time(std::chrono::microseconds(1'800'000'000'250'000));
    EXPECT_TRUE((*writer)->write(flow, rtp, time));
    EXPECT_TRUE((*writer)->write(flow, rtp, time));
    EXPECT_EQ((*writer)->packets(), 2u);
  }
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
  const std::size_t record = 16 + 20 + 8 + rtp.size();
  ASSERT_EQ(bytes.size(), 24 + 2 * record);
  EXPECT_EQ(le32(bytes, 0), 0xa1b2c3d4u);
  EXPECT_EQ(le32(bytes, 20), 101u);  // LINKTYPE_RAW
  EXPECT_EQ(le32(bytes, 24), 1'800'000'000u);
  EXPECT_EQ(le32(bytes, 28), 250'000u);
  EXPECT_EQ(le32(bytes, 32), 20u + 8u + rtp.size());
  const std::size_t ip = 24 + 16;
  EXPECT_EQ(bytes[ip], 0x45);
  EXPECT_EQ(bytes[ip + 9], 17);
  EXPECT_EQ(be16(bytes, ip + 2), 20u + 8u + rtp.size());
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin() + ip + 12, bytes.begin() + ip + 20),
            (std::vector<std::uint8_t>{192, 0, 2, 1, 198, 51, 100, 7}));
  // The header checksum sums to 0xffff.
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < 20; i += 2) sum += be16(bytes, ip + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  EXPECT_EQ(sum, 0xffffu);
  EXPECT_EQ(be16(bytes, ip + 20), 4000u);
  EXPECT_EQ(be16(bytes, ip + 22), 30000u);
  EXPECT_EQ(std::vector<std::uint8_t>(bytes.begin() + ip + 28, bytes.begin() + ip + 28 + 13), rtp);
  EXPECT_FALSE(PcapWriter::create(path));  // never overwritten
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace rtcgate::media
