#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "media/packet/RtpPacket.hpp"

namespace rtcgate::media {

class MediaStream;

// Which m= line a packet belongs to when several share one port (a=group:BUNDLE, RFC 8843). The
// bundle's port is that of its first m= line; the other lines' streams are "members" reached
// through it. RTP is told apart by SSRC: the a=ssrc lines of the party's SDP, else learned from
// the first packet that carries the MID header extension (RFC 8843 §15.2, id from a=extmap), else
// by payload type (the m= lines of a bundle list different ones). RTCP goes by its first SSRC, or
// by the media source it reports on (an SSRC we sent through the bundle), else to the first line.
// Filled on the control path; the lookups on the packet path are fixed-size table scans.
class BundleDemux {
 public:
  static constexpr std::size_t kMaxMembers = 8;
  static constexpr std::size_t kMaxSsrcs = 32;
  static constexpr std::size_t kMaxMid = 32;

  // --- control path ---
  // Forgets the members and everything learned (a new SDP from the party).
  void reset();
  // Adds an m= line's stream with its a=mid; false when the table is full or the mid too long.
  bool addMember(MediaStream* stream, std::string_view mid);
  // The id of urn:ietf:params:rtp-hdrext:sdes:mid in the party's a=extmap; 0 = not negotiated.
  void setMidExtension(std::uint8_t id) { midExtension_ = id; }
  // a=ssrc of the party's SDP for the member `stream`.
  void addSsrc(std::uint32_t ssrc, MediaStream* stream) { remember(ssrc, stream); }
  // A payload type listed on the member's m= line; the first line listing it keeps it.
  void addPayloadType(std::uint8_t payloadType, MediaStream* stream);
  std::size_t memberCount() const { return memberCount_; }
  MediaStream* member(std::size_t index) const { return members_[index].stream; }

  // --- packet path ---
  // The member an RTP packet from the party belongs to; nullptr when nothing matches.
  MediaStream* forRtp(const std::uint8_t* data, std::size_t length, const RtpHeader& header);
  // The member an (already decrypted) RTCP packet from the party belongs to.
  MediaStream* forRtcp(const std::uint8_t* data, std::size_t length) const;
  // RTP the relay sends to the party through member `stream`: the party's reports name its SSRC.
  void noteOutbound(std::uint32_t ssrc, MediaStream* stream);

 private:
  struct Member {
    MediaStream* stream = nullptr;
    std::array<char, kMaxMid> mid{};
    std::uint8_t midLength = 0;
  };
  struct SsrcEntry {
    std::uint32_t ssrc = 0;
    MediaStream* stream = nullptr;
  };

  MediaStream* lookup(std::uint32_t ssrc) const;
  void remember(std::uint32_t ssrc, MediaStream* stream);
  MediaStream* byMid(const std::uint8_t* data, std::size_t length) const;
  MediaStream* memberWithMid(const std::uint8_t* mid, std::size_t length) const;

  std::array<Member, kMaxMembers> members_{};
  std::size_t memberCount_ = 0;
  std::array<SsrcEntry, kMaxSsrcs> ssrcs_{};
  std::size_t ssrcCount_ = 0;
  std::size_t nextEviction_ = 0;  // round robin once the table is full
  std::array<MediaStream*, 128> payloadTypes_{};
  std::uint8_t midExtension_ = 0;
};

}  // namespace rtcgate::media
