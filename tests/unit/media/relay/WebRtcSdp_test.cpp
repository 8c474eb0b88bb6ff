// Golden SDP for each ng flag combination of the WebRTC gateway, through the relay engine: what
// Kamailio/OpenSIPS get back for a browser or SIP offer/answer (see GoldenSdp.hpp for the
// placeholders and RTCGATE_UPDATE_GOLDEN).
#include <gtest/gtest.h>

#include <random>

#include "media/relay/RelayEngine.hpp"
#include "sdp/SessionDescription.hpp"
#include "unit/media/relay/GoldenSdp.hpp"

namespace rtcgate::media {
namespace {

class WebRtcSdpTest : public ::testing::Test {
 protected:
  WebRtcSdpTest() {
    std::random_device random;
    options_.portMin = static_cast<std::uint16_t>(20000 + (random() % 200) * 100);
    options_.portMax = static_cast<std::uint16_t>(options_.portMin + 99);
    engine_ = std::make_unique<RelayEngine>(loop_, options_);
  }

  std::string run(const std::string& command, const std::string& input,
                  const std::vector<std::string>& flags) {
    const ng::Value reply = engine_->handle(goldenRequest(command, input, flags));
    EXPECT_EQ(reply.stringAt("result"), "ok") << reply.stringAt("error-reason");
    return std::string(reply.stringAt("sdp"));
  }

  RelayOptions options_;
  EventLoop loop_;
  std::unique_ptr<RelayEngine> engine_;
};

const std::vector<std::string> kTowardSip = {"ICE=remove", "RTP/AVP", "rtcp-mux-demux",
                                             "replace-origin"};
const std::vector<std::string> kTowardBrowser = {"ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-offer",
                                                 "generate-mid", "SDES-off"};

TEST_F(WebRtcSdpTest, BrowserOfferTowardPlainSip) {
  expectGolden(run("offer", "chrome_offer", kTowardSip), "chrome_offer_to_avp");
  expectGolden(run("answer", "sip_avp", kTowardBrowser), "avp_answer_to_chrome");
}

TEST_F(WebRtcSdpTest, PlainSipOfferTowardBrowser) {
  expectGolden(run("offer", "sip_avp", kTowardBrowser), "avp_offer_to_chrome");
  expectGolden(run("answer", "chrome_answer", kTowardSip), "chrome_answer_to_avp");
}

TEST_F(WebRtcSdpTest, RtcpMuxRequireTowardBrowserOffersOnePort) {
  expectGolden(run("offer", "sip_avp",
                   {"ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-require", "generate-mid"}),
               "avp_offer_to_chrome_mux_require");
}

TEST_F(WebRtcSdpTest, BrowserOfferTowardSdesSip) {
  expectGolden(run("offer", "chrome_offer", {"ICE=remove", "RTP/SAVP", "rtcp-mux-demux"}),
               "chrome_offer_to_savp");
  expectGolden(run("answer", "sip_savp_sdes", kTowardBrowser), "savp_answer_to_chrome");
}

TEST_F(WebRtcSdpTest, SdesSipOfferTowardBrowser) {
  expectGolden(run("offer", "sip_savp_sdes", kTowardBrowser), "savp_offer_to_chrome");
  expectGolden(run("answer", "chrome_answer", {"ICE=remove", "rtcp-mux-demux"}),
               "chrome_answer_to_savp");
}

TEST_F(WebRtcSdpTest, BrowserToBrowser) {
  const std::vector<std::string> flags = {"ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-require"};
  expectGolden(run("offer", "chrome_offer", flags), "chrome_offer_to_chrome");
  expectGolden(run("answer", "chrome_answer", flags), "chrome_answer_to_chrome");
}

TEST_F(WebRtcSdpTest, CodecStripAndMaskTowardSip) {
  std::vector<std::string> flags = kTowardSip;
  flags.insert(flags.end(), {"codec-strip-opus", "codec-mask-G722"});
  expectGolden(run("offer", "chrome_offer", flags), "chrome_offer_to_avp_codecs");
}

// BUNDLE (RFC 8843): the m= ports of a rewritten SDP, which the normalised golden text hides.
std::vector<std::uint16_t> portsOf(const std::string& sdp) {
  std::vector<std::uint16_t> ports;
  if (auto parsed = sdp::SessionDescription::parse(sdp)) {
    for (const auto& section : parsed->media()) ports.push_back(section.port());
  }
  return ports;
}

TEST_F(WebRtcSdpTest, BundledBrowserOfferTowardPlainSip) {
  // Audio and a bundle-only video on one transport; the SIP side gets a port pair per line and
  // no group, the browser's answer one port for both and the group.
  const std::string toSip = run("offer", "chrome_bundle_offer", kTowardSip);
  expectGolden(toSip, "chrome_bundle_offer_to_avp");
  const auto sipPorts = portsOf(toSip);
  ASSERT_EQ(sipPorts.size(), 2u);
  EXPECT_NE(sipPorts[0], sipPorts[1]);
  EXPECT_NE(sipPorts[1], 0);
  const std::string toBrowser = run("answer", "sip_avp_video", kTowardBrowser);
  expectGolden(toBrowser, "avp_video_answer_to_bundled_chrome");
  const auto browserPorts = portsOf(toBrowser);
  ASSERT_EQ(browserPorts.size(), 2u);
  EXPECT_EQ(browserPorts[0], browserPorts[1]);
}

TEST_F(WebRtcSdpTest, PlainSipAudioVideoOfferTowardBrowserIsBundled) {
  const std::string toBrowser = run("offer", "sip_avp_video", kTowardBrowser);
  expectGolden(toBrowser, "avp_video_offer_to_chrome");
  const auto browserPorts = portsOf(toBrowser);
  ASSERT_EQ(browserPorts.size(), 2u);
  EXPECT_EQ(browserPorts[0], browserPorts[1]);
  const std::string toSip = run("answer", "chrome_bundle_answer", kTowardSip);
  expectGolden(toSip, "chrome_bundle_answer_to_avp");
  const auto sipPorts = portsOf(toSip);
  ASSERT_EQ(sipPorts.size(), 2u);
  EXPECT_NE(sipPorts[0], sipPorts[1]);
}

TEST_F(WebRtcSdpTest, BundledBrowserToBrowser) {
  const std::vector<std::string> flags = {"ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-require"};
  const std::string toCallee = run("offer", "chrome_bundle_offer", flags);
  expectGolden(toCallee, "chrome_bundle_offer_to_chrome");
  EXPECT_EQ(portsOf(toCallee)[0], portsOf(toCallee)[1]);
  const std::string toCaller = run("answer", "chrome_bundle_answer", flags);
  expectGolden(toCaller, "chrome_bundle_answer_to_chrome");
  EXPECT_EQ(portsOf(toCaller)[0], portsOf(toCaller)[1]);
}

}  // namespace
}  // namespace rtcgate::media
