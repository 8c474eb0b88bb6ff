#pragma once

#include <strings.h>

#include <array>
#include <cstddef>
#include <string_view>

namespace rtcgate::ng {

// The rtpengine words that every side of the ng flag encoding must spell alike: the typed media
// settings written into a request (mediacontrol::MediaSettings), applyNgFlags (a flag string into
// request keys, as the Kamailio module does) and NgRequest (the relay reading them back). Kept
// here once, with the typed values they stand for, so that the sides cannot drift apart.

// Whether `word` is `name` in any case (the relay reads "SDES" as "sdes", "ICE" as "ice").
inline bool sameWord(std::string_view word, std::string_view name) {
  return word.size() == name.size() && strncasecmp(word.data(), name.data(), name.size()) == 0;
}

// The request keys with a value of their own.
inline constexpr std::string_view kFlagsKey = "flags";  // a list of bare flags
inline constexpr std::string_view kIceKey = "ICE";
inline constexpr std::string_view kTransportProtocolKey = "transport-protocol";
inline constexpr std::string_view kDtlsKey = "DTLS";

// The bare flags (in "flags") the settings write.
inline constexpr std::string_view kGenerateMid = "generate-mid";

// The transport protocols (SDP profiles) a bare flag or "transport-protocol" may name. The array
// holds their canonical spelling (SDP is case-sensitive about it; a flag may come in any case), in
// the order of the enum.
enum class TransportProtocol { RtpAvp, RtpAvpf, RtpSavp, RtpSavpf, UdpTlsRtpSavp, UdpTlsRtpSavpf };
inline constexpr std::array<std::string_view, 6> kTransportProtocols{
    "RTP/AVP", "RTP/AVPF", "RTP/SAVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF"};

constexpr std::string_view transportProtocolName(TransportProtocol protocol) {
  return kTransportProtocols[static_cast<std::size_t>(protocol)];
}

// The canonical spelling of the profile `word` names, in any case; empty when it names none.
inline std::string_view transportProtocolOf(std::string_view word) {
  for (const std::string_view profile : kTransportProtocols) {
    if (sameWord(word, profile)) return profile;
  }
  return {};
}

// ICE handling for the recipient of the SDP ("ICE": "force").
enum class IceMode { Default, Remove, Force, Optional, ForceRelay };
struct IceWord {
  IceMode mode;
  std::string_view word;
};
inline constexpr std::array<IceWord, 4> kIceWords{{{IceMode::Remove, "remove"},
                                                   {IceMode::Force, "force"},
                                                   {IceMode::Optional, "optional"},
                                                   {IceMode::ForceRelay, "force-relay"}}};

// The word for `mode`; empty for Default (no "ICE" key at all).
constexpr std::string_view iceModeName(IceMode mode) {
  for (const IceWord& ice : kIceWords) {
    if (ice.mode == mode) return ice.word;
  }
  return {};
}

// The mode `word` (lower case) names; Default when it names none.
constexpr IceMode iceModeOf(std::string_view word) {
  for (const IceWord& ice : kIceWords) {
    if (ice.word == word) return ice.mode;
  }
  return IceMode::Default;
}

// Flags "<prefix><item>" that travel as a list key, "<key>": [item] ("rtcp-mux-demux" is
// "rtcp-mux": ["demux"]). Keys compare without case (the relay reads "SDES" as "sdes").
struct ListFlag {
  std::string_view prefix;
  std::string_view key;
};
inline constexpr ListFlag kRtcpMuxList{"rtcp-mux-", "rtcp-mux"};
inline constexpr ListFlag kReplaceList{"replace-", "replace"};
inline constexpr ListFlag kSdesList{"SDES-", "SDES"};
inline constexpr std::array<ListFlag, 3> kListFlags{{kRtcpMuxList, kReplaceList, kSdesList}};

// The list flag whose key `key` is (any case), or null.
inline const ListFlag* listFlagOfKey(std::string_view key) {
  for (const ListFlag& flag : kListFlags) {
    if (sameWord(key, flag.key)) return &flag;
  }
  return nullptr;
}

// The list flag whose prefix `flag` starts with (any case), or null.
inline const ListFlag* listFlagOf(std::string_view flag) {
  for (const ListFlag& list : kListFlags) {
    if (sameWord(flag.substr(0, list.prefix.size()), list.prefix)) return &list;
  }
  return nullptr;
}

// rtcp-mux handling requested for the recipient of the SDP ("rtcp-mux": [...] / rtcp-mux-X).
struct RtcpMuxFlags {
  bool offer = false;
  bool require = false;
  bool demux = false;
  bool accept = false;
  bool reject = false;

  bool operator==(const RtcpMuxFlags&) const = default;
};
struct RtcpMuxWord {
  std::string_view word;
  bool RtcpMuxFlags::*flag;
};
// In the order they are written.
inline constexpr std::array<RtcpMuxWord, 5> kRtcpMuxWords{{{"offer", &RtcpMuxFlags::offer},
                                                           {"require", &RtcpMuxFlags::require},
                                                           {"demux", &RtcpMuxFlags::demux},
                                                           {"accept", &RtcpMuxFlags::accept},
                                                           {"reject", &RtcpMuxFlags::reject}}};

// The items of "replace" and "SDES" the settings write.
inline constexpr std::string_view kReplaceOrigin = "origin";
inline constexpr std::string_view kReplaceSessionConnection = "session-connection";
inline constexpr std::string_view kSdesOff = "off";
// The value of "DTLS" that turns DTLS off.
inline constexpr std::string_view kDtlsOff = "off";

}  // namespace rtcgate::ng
