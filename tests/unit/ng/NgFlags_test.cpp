#include "ng/NgFlags.hpp"

#include <gtest/gtest.h>

#include "ng/FlagVocabulary.hpp"
#include "ng/NgRequest.hpp"

namespace rtcgate::ng {
namespace {

NgRequest parsed(Value request) {
  request.set("command", "offer");
  request.set("call-id", "c");
  request.set("from-tag", "a");
  request.set("sdp", "v=0");
  auto result = NgRequest::parse(request);
  EXPECT_TRUE(result.ok()) << result.error();
  return result ? std::move(*result) : NgRequest{};
}

// A flag string encoded into keys (as the proxy and the Kamailio module send it) must mean to the
// relay what the same string means read raw ("rtpp-flags"): both sides spell the vocabulary alike.
TEST(NgFlags, KeysEncodedFromFlagsReadBackAsTheFlagsThemselves) {
  for (const char* flags :
       {"ICE=force UDP/TLS/RTP/SAVPF generate-mid SDES-off rtcp-mux-offer replace-origin",
        "ICE=remove RTP/AVP rtcp-mux-demux replace-session-connection",
        "ICE=remove rtp/savp rtcp-mux-demux DTLS=off rtcp-mux-require rtcp-mux-accept",
        "rtcp-mux=reject codec-strip-PCMA codec-mask=opus trust-address"}) {
    Value encoded = Value::dict();
    applyNgFlags(encoded, flags);
    Value raw = Value::dict();
    raw.set("rtpp-flags", flags);
    const NgRequest viaKeys = parsed(std::move(encoded));
    const NgRequest viaFlags = parsed(std::move(raw));
    SCOPED_TRACE(flags);
    EXPECT_EQ(viaKeys.transportProtocol, viaFlags.transportProtocol);
    EXPECT_EQ(viaKeys.ice, viaFlags.ice);
    EXPECT_EQ(viaKeys.rtcpMux.offer, viaFlags.rtcpMux.offer);
    EXPECT_EQ(viaKeys.rtcpMux.require, viaFlags.rtcpMux.require);
    EXPECT_EQ(viaKeys.rtcpMux.demux, viaFlags.rtcpMux.demux);
    EXPECT_EQ(viaKeys.rtcpMux.accept, viaFlags.rtcpMux.accept);
    EXPECT_EQ(viaKeys.rtcpMux.reject, viaFlags.rtcpMux.reject);
    EXPECT_EQ(viaKeys.replaceOrigin, viaFlags.replaceOrigin);
    EXPECT_EQ(viaKeys.replaceSessionConnection, viaFlags.replaceSessionConnection);
    EXPECT_EQ(viaKeys.generateMid, viaFlags.generateMid);
    EXPECT_EQ(viaKeys.trustAddress, viaFlags.trustAddress);
    EXPECT_EQ(viaKeys.codec.strip, viaFlags.codec.strip);
    EXPECT_EQ(viaKeys.codec.mask, viaFlags.codec.mask);
    EXPECT_EQ(viaKeys.dtlsOff, viaFlags.dtlsOff);
  }
}

TEST(NgFlags, ProfilesAreReadInAnyCaseAndGivenInTheirCanonicalSpelling) {
  EXPECT_EQ(transportProtocolOf("udp/tls/rtp/savpf"), "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(transportProtocolOf("RTP/AVP"), "RTP/AVP");
  EXPECT_TRUE(transportProtocolOf("RTP/AV").empty());
  EXPECT_EQ(parsed([] {
              Value request = Value::dict();
              request.set("transport-protocol", "rtp/savp");
              return request;
            }())
                .transportProtocol,
            "RTP/SAVP");
}

TEST(NgFlags, EncodedLikeTheKamailioModule) {
  Value request = Value::dict();
  applyNgFlags(request,
               "ICE=force UDP/TLS/RTP/SAVPF rtcp-mux-offer rtcp-mux-require generate-mid "
               "SDES-off replace-origin replace-session-connection codec-strip-PCMA "
               "direction=internal trust-address");
  EXPECT_EQ(request.stringAt("ICE"), "force");
  EXPECT_EQ(request.stringAt("transport-protocol"), "UDP/TLS/RTP/SAVPF");
  ASSERT_TRUE(request.find("rtcp-mux"));
  EXPECT_EQ(request.find("rtcp-mux")->size(), 2u);
  EXPECT_EQ(request.find("replace")->items()[1].str(), "session-connection");
  EXPECT_EQ(request.find("SDES")->items()[0].str(), "off");
  EXPECT_EQ(request.find("codec")->find("strip")->items()[0].str(), "PCMA");
  EXPECT_EQ(request.find("direction")->items()[0].str(), "internal");
  const Value* flags = request.find("flags");
  ASSERT_TRUE(flags);
  ASSERT_EQ(flags->size(), 2u);
  EXPECT_EQ(flags->items()[0].str(), "generate-mid");
  EXPECT_EQ(flags->items()[1].str(), "trust-address");
}

}  // namespace
}  // namespace rtcgate::ng
