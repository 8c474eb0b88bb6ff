#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sdp/SessionDescription.hpp"

namespace rtcgate::sdp {

enum class IceAction { Keep, Remove, Insert };

// A payload type the relay writes into an m= line itself (a codec it transcodes to): the format
// and its a=rtpmap (and a=fmtp when `fmtp` is set).
struct AddedFormat {
  int payloadType = 0;
  std::string encoding;  // "PCMU", "opus"
  std::uint32_t clockRate = 8000;
  unsigned channels = 1;  // written as /2 when more than one (opus/48000/2)
  std::string fmtp;
};

// What the relay offers for one m= section toward the recipient.
struct MediaPlan {
  std::uint16_t rtpPort = 0;   // 0 = leave the m= line as it is (rejected or unhandled media)
  std::uint16_t rtcpPort = 0;  // separate RTCP port written as a=rtcp; 0 = none (mux only)
  bool rtcpMux = false;        // write a=rtcp-mux
  std::string mid;             // for generate-mid when the section has no a=mid
  // Security the relay terminates toward the recipient (written after stripping the sender's):
  std::string fingerprint;  // a=fingerprint value, "sha-256 AB:..."; empty = none
  std::string setup;        // a=setup value: actpass, active or passive
  std::string crypto;       // a=crypto value (SDES); empty = none
  // Transcoding: formats appended to the m= line (after the sender's); with `replaceFormats`
  // they are the line's only formats (an answer toward an offerer that gets its own codec back).
  std::vector<AddedFormat> addFormats;
  bool replaceFormats = false;
};

// The whole rewrite of one SDP on its way through the relay: our address in c= (and o= when asked),
// our ports, transport profile, rtcp-mux and ICE handling, codec filtering. Lines the plan does not
// touch keep their bytes and order.
struct RewritePlan {
  std::string address;  // advertised media address
  bool ipv6 = false;
  bool replaceOrigin = false;
  std::string protocol;  // profile for every handled m= line; empty = keep the offered one
  IceAction ice = IceAction::Keep;
  std::string iceUfrag;  // for IceAction::Insert
  std::string icePwd;
  bool rtcpAttribute = true;
  bool fullRtcpAttribute = false;
  bool stripCrypto = false;  // drop the sender's a=crypto/fingerprint/setup (plain or relay-keyed)
  bool iceLite = false;      // with IceAction::Insert: we are a lite agent (a=ice-lite)
  // a=group:BUNDLE with these mids, added when the SDP has no BUNDLE group (a browser that
  // offered max-bundle refuses an answer without one).
  std::vector<std::string> bundleMids;
  // The SDP's own BUNDLE group is replaced by `bundleMids` (removed when that is empty): the
  // relay decides which sections share a transport toward the recipient.
  bool replaceBundle = false;
  std::vector<std::string> stripCodecs;   // lower-case encoding names, or "all"
  std::vector<std::string> preferCodecs;  // moved to the front of the format list
  std::vector<MediaPlan> media;           // one per m= section, in order
};

class SdpRewriter {
 public:
  static void rewrite(SessionDescription& description, const RewritePlan& plan);

 private:
  static void rewriteSessionLevel(SessionDescription& description, const RewritePlan& plan);
  static void rewriteMedia(MediaSection& section, const RewritePlan& plan, const MediaPlan& media);
  static std::vector<std::string_view> filterFormats(const MediaSection& section,
                                                     const RewritePlan& plan,
                                                     const MediaPlan& media,
                                                     std::vector<std::string>& removed);
  static void addFormatLines(std::vector<SdpLine>& lines, const MediaPlan& media,
                             const std::string& eol);
};

}  // namespace rtcgate::sdp
