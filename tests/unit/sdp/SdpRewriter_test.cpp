#include "sdp/SdpRewriter.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace rtcgate::sdp {
namespace {

std::string readGolden(const std::string& name) {
  std::ifstream in(std::string(RTCGATE_SOURCE_DIR) + "/tests/unit/sdp/golden/" + name,
                   std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Rewrites golden/<input>.in.sdp with `plan` and compares with golden/<output>.out.sdp. Set
// RTCGATE_UPDATE_GOLDEN=1 to regenerate the expected files after a deliberate change (and review
// the diff).
void expectGolden(const std::string& input, const std::string& output, const RewritePlan& plan) {
  auto parsed = SessionDescription::parse(readGolden(input + ".in.sdp"));
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  SdpRewriter::rewrite(*parsed, plan);
  const std::string actual = parsed->toString();
  if (std::getenv("RTCGATE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(std::string(RTCGATE_SOURCE_DIR) + "/tests/unit/sdp/golden/" + output + ".out.sdp",
                  std::ios::binary)
        << actual;
  }
  EXPECT_EQ(actual, readGolden(output + ".out.sdp"));
}

TEST(SdpRewriter, SipToSipTrustAddressReplaceOrigin) {
  RewritePlan plan;
  plan.address = "203.0.113.7";
  plan.replaceOrigin = true;
  plan.media = {{30000, 30001, false, ""}};
  expectGolden("sip_plain", "sip_plain", plan);
}

TEST(SdpRewriter, CodecStripAndOfferOrder) {
  RewritePlan plan;
  plan.address = "203.0.113.7";
  plan.stripCodecs = {"g729"};
  plan.preferCodecs = {"pcma"};
  plan.rtcpAttribute = true;
  plan.fullRtcpAttribute = true;
  plan.media = {{30010, 30011, false, ""}};
  expectGolden("sip_plain", "sip_plain_codecs", plan);
}

TEST(SdpRewriter, WebRtcToPlainSip) {
  RewritePlan plan;
  plan.address = "127.0.0.1";
  plan.replaceOrigin = true;
  plan.protocol = "RTP/AVP";
  plan.ice = IceAction::Remove;
  plan.stripCrypto = true;
  plan.media = {{30002, 30003, false, ""}};
  expectGolden("webrtc", "webrtc", plan);
}

TEST(SdpRewriter, PlainToWebRtcInsertsIceAndMux) {
  RewritePlan plan;
  plan.address = "127.0.0.1";
  plan.protocol = "UDP/TLS/RTP/SAVPF";
  plan.ice = IceAction::Insert;
  plan.iceUfrag = "UFRAG";
  plan.icePwd = "PWD";
  plan.rtcpAttribute = false;
  plan.media = {{30004, 0, true, "0"}, {30006, 30007, false, "1"}};
  expectGolden("lf_two_media", "lf_two_media", plan);
}

}  // namespace
}  // namespace rtcgate::sdp
