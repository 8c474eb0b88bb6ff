#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "media/codec/Transcoder.hpp"
#include "media/packet/BundleDemux.hpp"
#include "media/packet/MediaStream.hpp"
#include "media/webrtc/SecureTransport.hpp"
#include "sdp/AudioFormats.hpp"
#include "sdp/SdpRewriter.hpp"

namespace rtcgate::media {

// One m= section as seen by one call party: the local RTP (and RTCP) ports that party sends to,
// and what its SDP said about the section.
struct CallMedia {
  unsigned index = 0;            // 1-based, as in rtpengine's query reply
  std::string type;              // "audio", "video", ...
  std::string protocol;          // the profile this party uses
  bool rtcpMux = false;          // this party sends/receives RTCP on the RTP port
  bool offeredMux = false;       // this party's last SDP carried a=rtcp-mux
  bool rejected = false;         // port 0 in this party's SDP
  bool muxOfferedTo = false;     // the SDP we sent this party offered a=rtcp-mux
  bool muxAcceptForced = false;  // rtcp-mux demux/accept: take this party's mux whatever the peer
  bool hadIce = false;           // this party's SDP carried ICE attributes
  // In a BUNDLE group toward this party (RFC 8843): the party's lines of the group share the
  // first one's port, ICE, DTLS and SRTP; that line owns `demux`, the others go through it.
  bool bundled = false;
  std::string mid;  // the section's a=mid toward/from this party ("" = none)
  // The payload types this party's last SDP maps for the section (rtpmap or static), for a call
  // recording's decoders.
  std::vector<sdp::AudioFormat> formats;
  // Transcoding (TranscodePlanner): the codecs the relay added to the offer it sent this party;
  // this party's first codec the relay can decode, and its telephone-event at that rate, from its
  // last offer; the Transcoder its RTP goes through (null: pass-through).
  std::vector<sdp::AddedFormat> addedFormats;
  std::optional<sdp::AddedFormat> ownCodec;
  std::optional<sdp::AddedFormat> ownEvent;
  std::unique_ptr<Transcoder> transcoder;
  std::unique_ptr<MediaStream> rtp;
  std::unique_ptr<MediaStream> rtcp;  // null when only one port was allocated (rtcp-mux require)
  // ICE-lite, DTLS-SRTP or SDES toward this party when the relay terminates them (WebRTC legs,
  // SRTP <-> RTP bridging); null when packets pass through untouched. Declared after the streams
  // that point to it, so it is destroyed first.
  std::unique_ptr<SecureTransport> secure;
  std::unique_ptr<BundleDemux> demux;  // on the first line of a bundle only
};

}  // namespace rtcgate::media
