#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rtcgate::sdp {

// One payload type of an audio m= line: what rtpmap (or RFC 3551's static table) maps it to.
struct AudioFormat {
  int payloadType = -1;
  std::string encoding;  // as the SDP spells it: "PCMU", "opus", "telephone-event"
  std::uint32_t clockRate = 8000;

  // A codec that carries the call's audio, not a helper format (telephone-event, CN, RED, FEC,
  // RTX).
  bool isAudioCodec() const;
  bool sameCodec(const AudioFormat& other) const;
};

// The audio formats one SDP offers or accepts (its first audio m= line with a port), in its order
// of preference, and the packetisation time it asks for: enough to tell which codec each direction
// of a call uses (RFC 3264: a sender picks from what the receiver lists).
class AudioFormats {
 public:
  // Empty for text that is no SDP or has no audio line in use.
  static AudioFormats parse(std::string_view sdp);

  bool empty() const { return formats_.empty(); }
  const std::vector<AudioFormat>& formats() const { return formats_; }
  int ptimeMs() const { return ptimeMs_; }  // a=ptime; 0 when absent
  const AudioFormat* find(int payloadType) const;
  // Whether it lists telephone-event (RFC 4733): digits may reach this side as events.
  bool hasTelephoneEvent() const;
  // The codec a sender listing `sender` sends to us with: the first audio codec of ours it also
  // lists (ours is the receiver's list), or our first when its list is unknown. Null when none.
  const AudioFormat* chosenBy(const AudioFormats& sender) const;

 private:
  std::vector<AudioFormat> formats_;
  int ptimeMs_ = 0;
};

}  // namespace rtcgate::sdp
