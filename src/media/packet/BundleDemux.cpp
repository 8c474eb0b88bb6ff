#include "media/packet/BundleDemux.hpp"

#include <cstring>

namespace rtcgate::media {
namespace {

std::uint32_t read32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

}  // namespace

void BundleDemux::reset() {
  members_ = {};
  memberCount_ = 0;
  ssrcs_ = {};
  ssrcCount_ = 0;
  nextEviction_ = 0;
  payloadTypes_ = {};
  midExtension_ = 0;
}

bool BundleDemux::addMember(MediaStream* stream, std::string_view mid) {
  if (memberCount_ == kMaxMembers || mid.size() > kMaxMid) return false;
  Member& member = members_[memberCount_++];
  member.stream = stream;
  std::memcpy(member.mid.data(), mid.data(), mid.size());
  member.midLength = static_cast<std::uint8_t>(mid.size());
  return true;
}

void BundleDemux::addPayloadType(std::uint8_t payloadType, MediaStream* stream) {
  MediaStream*& slot = payloadTypes_[payloadType & 0x7f];
  if (slot == nullptr) slot = stream;
}

MediaStream* BundleDemux::lookup(std::uint32_t ssrc) const {
  for (std::size_t i = 0; i < ssrcCount_; ++i) {
    if (ssrcs_[i].ssrc == ssrc) return ssrcs_[i].stream;
  }
  return nullptr;
}

void BundleDemux::remember(std::uint32_t ssrc, MediaStream* stream) {
  for (std::size_t i = 0; i < ssrcCount_; ++i) {
    if (ssrcs_[i].ssrc == ssrc) {
      ssrcs_[i].stream = stream;
      return;
    }
  }
  if (ssrcCount_ < kMaxSsrcs) {
    ssrcs_[ssrcCount_++] = {ssrc, stream};
    return;
  }
  // Full (a party cycling through SSRCs): the oldest learned entries give way.
  ssrcs_[nextEviction_] = {ssrc, stream};
  nextEviction_ = (nextEviction_ + 1) % kMaxSsrcs;
}

MediaStream* BundleDemux::memberWithMid(const std::uint8_t* mid, std::size_t length) const {
  for (std::size_t i = 0; i < memberCount_; ++i) {
    const Member& member = members_[i];
    if (member.midLength == length && std::memcmp(member.mid.data(), mid, length) == 0) {
      return member.stream;
    }
  }
  return nullptr;
}

// RFC 8285 header extensions, one-byte (0xBEDE) or two-byte (0x100X) form: the MID element.
MediaStream* BundleDemux::byMid(const std::uint8_t* data, std::size_t length) const {
  if (midExtension_ == 0 || (data[0] & 0x10) == 0) return nullptr;
  const std::size_t offset = 12 + 4 * std::size_t{data[0] & 0x0fu};
  if (offset + 4 > length) return nullptr;
  const unsigned profile = (unsigned{data[offset]} << 8) | data[offset + 1];
  const std::size_t size = 4 * ((std::size_t{data[offset + 2]} << 8) | data[offset + 3]);
  const std::uint8_t* elements = data + offset + 4;
  if (offset + 4 + size > length) return nullptr;
  const bool oneByte = profile == 0xBEDE;
  if (!oneByte && (profile & 0xfff0) != 0x1000) return nullptr;
  std::size_t i = 0;
  while (i < size) {
    if (elements[i] == 0) {  // padding
      ++i;
      continue;
    }
    unsigned id;
    std::size_t valueLength;
    std::size_t header;
    if (oneByte) {
      id = elements[i] >> 4;
      if (id == 15) return nullptr;  // reserved: stop parsing (RFC 8285 §4.2)
      valueLength = (elements[i] & 0x0fu) + 1;
      header = 1;
    } else {
      if (i + 1 >= size) return nullptr;
      id = elements[i];
      valueLength = elements[i + 1];
      header = 2;
    }
    if (i + header + valueLength > size) return nullptr;
    if (id == midExtension_) return memberWithMid(elements + i + header, valueLength);
    i += header + valueLength;
  }
  return nullptr;
}

MediaStream* BundleDemux::forRtp(const std::uint8_t* data, std::size_t length,
                                 const RtpHeader& header) {
  if (MediaStream* known = lookup(header.ssrc)) return known;
  MediaStream* stream = byMid(data, length);
  if (stream == nullptr) stream = payloadTypes_[header.payloadType];
  // Learned once per new SSRC, so the party's RTCP about it finds the same line.
  if (stream != nullptr) remember(header.ssrc, stream);
  return stream;
}

MediaStream* BundleDemux::forRtcp(const std::uint8_t* data, std::size_t length) const {
  if (memberCount_ == 0) return nullptr;
  if (length >= 8) {
    if (MediaStream* sender = lookup(read32(data + 4))) return sender;
  }
  // The packet sender's SSRC is unknown (a receive-only line reports from a placeholder SSRC):
  // the media source it is about is one of ours.
  const unsigned type = data[1];
  const unsigned count = data[0] & 0x1fu;
  std::size_t source = 0;
  if (type == 200 && count > 0) source = 28;   // SR: after the sender info
  if (type == 201 && count > 0) source = 8;    // RR: first report block
  if (type == 205 || type == 206) source = 8;  // RTPFB/PSFB: media source SSRC
  if (source != 0 && length >= source + 4) {
    if (MediaStream* reported = lookup(read32(data + source))) return reported;
  }
  return members_[0].stream;
}

void BundleDemux::noteOutbound(std::uint32_t ssrc, MediaStream* stream) {
  if (lookup(ssrc) != stream) remember(ssrc, stream);
}

}  // namespace rtcgate::media
