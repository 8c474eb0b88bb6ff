#include "mediacontrol/MediaSettings.hpp"

#include <gtest/gtest.h>

#include "ng/Bencode.hpp"
#include "ng/NgRequest.hpp"

namespace rtcgate::mediacontrol {
namespace {

ng::NgRequest readByTheRelay(const MediaSettings& settings) {
  ng::Value request = ng::Value::dict();
  request.set("command", "offer");
  request.set("call-id", "c");
  request.set("from-tag", "a");
  request.set("sdp", "v=0");
  settings.writeTo(request);
  auto parsed = ng::NgRequest::parse(request);
  EXPECT_TRUE(parsed.ok()) << parsed.error();
  return parsed ? std::move(*parsed) : ng::NgRequest{};
}

// What the proxy writes, the relay reads back as the same settings, with nothing it does not know:
// both sides spell the words of FlagVocabulary.
TEST(MediaSettings, TheRelayReadsBackWhatWasWritten) {
  for (const ng::TransportProtocol protocol :
       {ng::TransportProtocol::RtpAvp, ng::TransportProtocol::RtpAvpf,
        ng::TransportProtocol::RtpSavp, ng::TransportProtocol::RtpSavpf,
        ng::TransportProtocol::UdpTlsRtpSavp, ng::TransportProtocol::UdpTlsRtpSavpf}) {
    for (const ng::IceMode ice : {ng::IceMode::Default, ng::IceMode::Remove, ng::IceMode::Force,
                                  ng::IceMode::Optional, ng::IceMode::ForceRelay}) {
      for (unsigned bits = 0; bits < (1u << 10); ++bits) {
        MediaSettings settings;
        settings.protocol = protocol;
        settings.ice = ice;
        settings.rtcpMux = {(bits & 1u) != 0, (bits & 2u) != 0, (bits & 4u) != 0, (bits & 8u) != 0,
                            (bits & 16u) != 0};
        settings.generateMid = (bits & 32u) != 0;
        settings.sdesOff = (bits & 64u) != 0;
        settings.dtlsOff = (bits & 128u) != 0;
        settings.replaceOrigin = (bits & 256u) != 0;
        settings.replaceSessionConnection = (bits & 512u) != 0;
        const ng::NgRequest read = readByTheRelay(settings);
        ASSERT_EQ(read.transportProtocol, ng::transportProtocolName(protocol));
        ASSERT_EQ(read.ice, ice);
        ASSERT_EQ(read.rtcpMux, settings.rtcpMux) << bits;
        ASSERT_EQ(read.generateMid, settings.generateMid);
        ASSERT_EQ(read.sdesOff, settings.sdesOff);
        ASSERT_EQ(read.dtlsOff, settings.dtlsOff);
        ASSERT_EQ(read.replaceOrigin, settings.replaceOrigin);
        ASSERT_EQ(read.replaceSessionConnection, settings.replaceSessionConnection);
        ASSERT_TRUE(read.warnings.empty()) << read.warningText();
      }
    }
  }
}

// Only what the settings say is written: no ICE key for the relay's default, no empty lists.
TEST(MediaSettings, WritesOnlyWhatItSays) {
  ng::Value request = ng::Value::dict();
  MediaSettings{}.writeTo(request);
  EXPECT_EQ(ng::Bencode::encode(request), "d18:transport-protocol7:RTP/AVPe");
  MediaSettings toBrowser;
  toBrowser.protocol = ng::TransportProtocol::UdpTlsRtpSavpf;
  toBrowser.ice = ng::IceMode::Force;
  toBrowser.rtcpMux.offer = toBrowser.rtcpMux.require = true;
  toBrowser.generateMid = toBrowser.sdesOff = true;
  toBrowser.replaceSessionConnection = true;
  request = ng::Value::dict();
  toBrowser.writeTo(request);
  EXPECT_EQ(ng::Bencode::encode(request),
            "d3:ICE5:force18:transport-protocol17:UDP/TLS/RTP/SAVPF5:flagsl12:generate-mide"
            "4:SDESl3:offe8:rtcp-muxl5:offer7:requiree7:replacel18:session-connectionee");
}

// The relay interfaces: `direction` when both are named (every RTPEngine reads it), else the one
// named as `from-interface` or `to-interface`; the relay reads them back into `direction`.
TEST(MediaSettings, WritesTheInterfacesAsDirection) {
  MediaSettings settings;
  settings.fromInterface = "public";
  settings.toInterface = "carrier";
  EXPECT_EQ(readByTheRelay(settings).direction, (std::vector<std::string>{"public", "carrier"}));
  ng::Value request = ng::Value::dict();
  settings.writeTo(request);
  ASSERT_NE(request.find("direction"), nullptr);
  settings.fromInterface.clear();
  const ng::NgRequest read = readByTheRelay(settings);
  EXPECT_EQ(read.direction, (std::vector<std::string>{"", "carrier"}));
  EXPECT_TRUE(read.warnings.empty()) << read.warningText();
  request = ng::Value::dict();
  MediaSettings{}.writeTo(request);
  EXPECT_EQ(request.find("direction"), nullptr);
  EXPECT_EQ(request.find("to-interface"), nullptr);
}

}  // namespace
}  // namespace rtcgate::mediacontrol
