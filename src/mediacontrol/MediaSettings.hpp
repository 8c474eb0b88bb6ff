#pragma once

#include "ng/FlagVocabulary.hpp"
#include "ng/Value.hpp"

namespace rtcgate::mediacontrol {

// What the SDP the relay writes toward one leg of a call must look like: its profile, ICE,
// rtcp-mux, whether SDES or DTLS keys may appear, and whether the relay's own address replaces
// the origin and session connection. The proxy's MediaPolicy decides it per direction; writeTo
// puts it into an offer or answer as ng keys, which rtcgate's relay and RTPEngine both read.
struct MediaSettings {
  ng::TransportProtocol protocol = ng::TransportProtocol::RtpAvp;
  ng::IceMode ice = ng::IceMode::Default;  // Default: no "ICE" key, the relay's own choice
  ng::RtcpMuxFlags rtcpMux;
  bool generateMid = false;  // a=mid on every section (browsers need it for BUNDLE)
  bool sdesOff = false;      // no a=crypto toward this leg
  bool dtlsOff = false;      // no DTLS fingerprint toward this leg
  bool replaceOrigin = false;
  bool replaceSessionConnection = false;
  // The relay's media interfaces (rtpengine's logical interfaces, `media.interfaces`) of the
  // party whose SDP this is and of the party it goes to; "" = the relay's default. The relay
  // keeps a party on the interface it first got, so these matter for the initial offer.
  std::string fromInterface;
  std::string toInterface;

  // Adds the keys for these settings to `request` (an offer or answer dictionary), as the
  // Kamailio module encodes the equivalent flag string: "ICE", "transport-protocol", "flags",
  // "SDES", "rtcp-mux", "DTLS", "replace", in that order and only where they say something, then
  // "direction" when both interfaces are named, else "from-interface" or "to-interface".
  void writeTo(ng::Value& request) const;

  bool operator==(const MediaSettings&) const = default;
};

}  // namespace rtcgate::mediacontrol
