// libFuzzer target: the BUNDLE demultiplexer reads RTP header extensions and RTCP from the
// network (after SRTP, but a plain RTP bundle has no authentication at all); it must never read
// out of bounds or answer with a stream it was not given.
#include <cstddef>
#include <cstdint>

#include "media/packet/BundleDemux.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rtcgate::media;
  // Only compared as addresses: the demux never dereferences its streams.
  auto* audio = reinterpret_cast<MediaStream*>(0x1000);
  auto* video = reinterpret_cast<MediaStream*>(0x2000);
  BundleDemux demux;
  demux.addMember(audio, "0");
  demux.addMember(video, "1");
  demux.addPayloadType(0, audio);
  demux.addPayloadType(96, video);
  demux.addSsrc(7, video);
  // The first byte picks the MID extension id (one- and two-byte forms both reachable).
  if (size > 0) demux.setMidExtension(data[0]);
  const std::uint8_t* packet = size > 0 ? data + 1 : data;
  const std::size_t length = size > 0 ? size - 1 : 0;
  RtpHeader header;
  if (parseRtpHeader(packet, length, header)) {
    MediaStream* stream = demux.forRtp(packet, length, header);
    if (stream != nullptr && stream != audio && stream != video) __builtin_trap();
  }
  if (looksLikeRtcp(packet, length)) {
    MediaStream* stream = demux.forRtcp(packet, length);
    if (stream != audio && stream != video) __builtin_trap();
  }
  return 0;
}
