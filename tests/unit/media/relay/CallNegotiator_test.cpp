// CallNegotiator without sockets: a FakePortSource hands out port numbers, FakeTimers stand in
// for the loop, and the golden SDP files drive offer/answer. What these pin down are the
// decisions (ports and rtcp-mux per side, which security the relay terminates, ICE, port
// exhaustion); WebRtcSdp_test runs the same golden files through the whole engine.
#include "media/relay/CallNegotiator.hpp"

#include <gtest/gtest.h>

#include "fakes/FakePortSource.hpp"
#include "fakes/FakeTimers.hpp"
#include "media/packet/EventLoop.hpp"
#include "media/packet/PacketRelay.hpp"
#include "sdp/SessionDescription.hpp"
#include "unit/media/relay/GoldenSdp.hpp"

namespace rtcgate::media {
namespace {

const std::vector<std::string> kTowardSip = {"ICE=remove", "RTP/AVP", "rtcp-mux-demux",
                                             "replace-origin"};
const std::vector<std::string> kTowardBrowser = {"ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-offer",
                                                 "generate-mid", "SDES-off"};

std::shared_ptr<const DtlsIdentity> identity() {
  static const std::shared_ptr<const DtlsIdentity> generated = *DtlsIdentity::generate();
  return generated;
}

sdp::SessionDescription parsed(const std::string& text) {
  auto description = sdp::SessionDescription::parse(text);
  EXPECT_TRUE(description.ok());
  return description ? *description : sdp::SessionDescription();
}

bool hasAttribute(const std::string& sdp, const char* name) {
  const sdp::SessionDescription description = parsed(sdp);
  return !description.media().empty() && description.media()[0].findAttribute(name) != nullptr;
}

std::vector<LocalInterface> oneInterface(const std::string& advertise) {
  return {{"default", PeerAddress{}, advertise}};
}

class CallNegotiatorTest : public ::testing::Test {
 protected:
  // The golden files were written with the relay on 127.0.0.1.
  explicit CallNegotiatorTest(std::size_t capacity = 1000,
                              std::shared_ptr<const DtlsIdentity> dtls = identity(),
                              std::vector<LocalInterface> interfaces = oneInterface("127.0.0.1"))
      : ports_(relay_, capacity),
        negotiator_(ports_, timers_, {std::move(interfaces), Duration{0}, std::move(dtls)}) {
    caller_.tag = "caller";
    caller_.partner = &callee_;
    callee_.partner = &caller_;
  }

  static ng::NgRequest request(const std::string& command, const std::string& input,
                               const std::vector<std::string>& flags) {
    auto parsedRequest = ng::NgRequest::parse(goldenRequest(command, input, flags));
    EXPECT_TRUE(parsedRequest.ok());
    return *parsedRequest;
  }

  // The caller's offer, rewritten for the callee.
  Result<std::string> offer(const std::string& input, const std::vector<std::string>& flags) {
    return negotiator_.negotiate(caller_, callee_, request("offer", input, flags), true);
  }
  // The callee's answer, rewritten for the caller.
  Result<std::string> answer(const std::string& input, const std::vector<std::string>& flags) {
    return negotiator_.negotiate(callee_, caller_, request("answer", input, flags), false);
  }

  EventLoop loop_;  // owns no media socket here: PacketRelay needs one to exist
  PacketRelay relay_{loop_};
  testing::FakeTimers timers_;
  testing::FakePortSource ports_;
  CallNegotiator negotiator_;
  Monologue caller_;
  Monologue callee_;
};

class CallNegotiatorAdvertisingTest : public CallNegotiatorTest {
 protected:
  CallNegotiatorAdvertisingTest()
      : CallNegotiatorTest(1000, identity(), oneInterface("192.0.2.10")) {}
};

TEST_F(CallNegotiatorAdvertisingTest, PlainRtpOfferAndAnswerGetAPortPairEachWay) {
  auto toCallee = offer("sip_avp", {});
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  ASSERT_EQ(caller_.medias.size(), 1u);
  ASSERT_EQ(callee_.medias.size(), 1u);
  const CallMedia& in = caller_.medias[0];
  const CallMedia& out = callee_.medias[0];
  ASSERT_TRUE(in.rtcp && out.rtcp);
  EXPECT_EQ(ports_.inUse(), 4u);
  const sdp::SessionDescription sent = parsed(*toCallee);
  EXPECT_EQ(sent.connectionAddress(0).value_or(""), "192.0.2.10");
  EXPECT_EQ(sent.media()[0].port(), out.rtp->localPort());
  EXPECT_EQ(sent.media()[0].protocol(), "RTP/AVP");
  EXPECT_FALSE(hasAttribute(*toCallee, "ice-ufrag"));
  EXPECT_FALSE(hasAttribute(*toCallee, "rtcp-mux"));
  // The caller's packets go to the callee's ports and back; no security is terminated.
  EXPECT_EQ(in.rtp->rtpTarget, out.rtp.get());
  EXPECT_EQ(in.rtp->rtcpTarget, out.rtcp.get());
  EXPECT_EQ(out.rtp->rtpTarget, in.rtp.get());
  EXPECT_FALSE(in.secure);
  EXPECT_FALSE(out.secure);

  auto toCaller = answer("sip_avp", {});
  ASSERT_TRUE(toCaller.ok()) << toCaller.error();
  EXPECT_EQ(parsed(*toCaller).media()[0].port(), in.rtp->localPort());
  EXPECT_EQ(ports_.inUse(), 4u);  // an answer takes no new ports
}

TEST_F(CallNegotiatorTest, BrowserOfferTowardPlainSipTerminatesIceAndDtls) {
  auto toCallee = offer("chrome_offer", kTowardSip);
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  expectGolden(*toCallee, "chrome_offer_to_avp");
  const CallMedia& in = caller_.medias[0];
  const CallMedia& out = callee_.medias[0];
  ASSERT_TRUE(in.secure);
  EXPECT_EQ(in.secure->keying(), SecureTransport::Keying::Dtls);
  EXPECT_TRUE(in.hadIce);
  EXPECT_TRUE(in.rtcpMux);    // the browser's a=rtcp-mux, taken (rtcp-mux-demux)
  EXPECT_FALSE(out.rtcpMux);  // ... and not offered to the SIP side
  EXPECT_FALSE(out.secure);
  EXPECT_FALSE(hasAttribute(*toCallee, "fingerprint"));

  auto toCaller = answer("sip_avp", kTowardBrowser);
  ASSERT_TRUE(toCaller.ok()) << toCaller.error();
  expectGolden(*toCaller, "avp_answer_to_chrome");
}

TEST_F(CallNegotiatorTest, PlainSipOfferTowardBrowserOffersIceAndDtls) {
  auto toCallee = offer("sip_avp", kTowardBrowser);
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  expectGolden(*toCallee, "avp_offer_to_chrome");
  ASSERT_TRUE(callee_.medias[0].secure);
  EXPECT_EQ(callee_.medias[0].secure->keying(), SecureTransport::Keying::Dtls);
  EXPECT_FALSE(caller_.medias[0].secure);
  EXPECT_FALSE(callee_.iceUfrag.empty());
  auto toCaller = answer("chrome_answer", kTowardSip);
  ASSERT_TRUE(toCaller.ok()) << toCaller.error();
  expectGolden(*toCaller, "chrome_answer_to_avp");
}

TEST_F(CallNegotiatorTest, RtcpMuxOfferedAndDeclinedKeepsTheRtcpPort) {
  auto toCallee = offer("sip_avp", {"rtcp-mux-offer"});
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  EXPECT_TRUE(hasAttribute(*toCallee, "rtcp-mux"));
  EXPECT_TRUE(callee_.medias[0].muxOfferedTo);
  // The callee's answer has no a=rtcp-mux: its RTCP stays on the port pair's second port.
  ASSERT_TRUE(answer("sip_avp", {}).ok());
  EXPECT_FALSE(callee_.medias[0].rtcpMux);
  EXPECT_EQ(caller_.medias[0].rtp->rtcpTarget, callee_.medias[0].rtcp.get());
}

TEST_F(CallNegotiatorTest, RtcpMuxRejectedIsNotOfferedOn) {
  auto toCallee = offer("chrome_offer", {"ICE=remove", "RTP/AVP", "rtcp-mux-reject"});
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  EXPECT_FALSE(hasAttribute(*toCallee, "rtcp-mux"));
  EXPECT_FALSE(caller_.medias[0].rtcpMux);
  EXPECT_FALSE(callee_.medias[0].muxOfferedTo);
}

TEST_F(CallNegotiatorTest, RtcpMuxRequireTakesOnePortTowardTheRecipient) {
  auto toCallee =
      offer("sip_avp", {"ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-require", "generate-mid"});
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  expectGolden(*toCallee, "avp_offer_to_chrome_mux_require");
  EXPECT_FALSE(callee_.medias[0].rtcp);
  EXPECT_TRUE(callee_.medias[0].rtcpMux);
  EXPECT_EQ(ports_.inUse(), 3u);  // the caller's pair and the callee's single port
}

TEST_F(CallNegotiatorTest, BrowserOfferTowardSdesSipBridgesDtlsToSdes) {
  auto toCallee = offer("chrome_offer", {"ICE=remove", "RTP/SAVP", "rtcp-mux-demux"});
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  expectGolden(*toCallee, "chrome_offer_to_savp");
  EXPECT_TRUE(hasAttribute(*toCallee, "crypto"));
  ASSERT_TRUE(callee_.medias[0].secure);
  EXPECT_EQ(callee_.medias[0].secure->keying(), SecureTransport::Keying::Sdes);
  auto toCaller = answer("sip_savp_sdes", kTowardBrowser);
  ASSERT_TRUE(toCaller.ok()) << toCaller.error();
  expectGolden(*toCaller, "savp_answer_to_chrome");
}

TEST_F(CallNegotiatorTest, SdesEndToEndPassesThroughUntouched) {
  auto toCallee = offer("sip_savp_sdes", {});
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  EXPECT_FALSE(caller_.medias[0].secure);
  EXPECT_FALSE(callee_.medias[0].secure);
  // The caller's own keys go through: the relay does not terminate SRTP between like profiles.
  EXPECT_NE(toCallee->find("inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"), std::string::npos);
}

TEST_F(CallNegotiatorTest, BundledBrowserOfferTowardSipGivesTheSecondLineNoPortOfItsOwn) {
  auto toCallee = offer("chrome_bundle_offer", kTowardSip);
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  expectGolden(*toCallee, "chrome_bundle_offer_to_avp");
  ASSERT_EQ(caller_.medias.size(), 2u);
  EXPECT_TRUE(caller_.medias[0].bundled && caller_.medias[1].bundled);
  EXPECT_TRUE(ports_.holds(*caller_.medias[0].rtp));
  EXPECT_FALSE(ports_.holds(*caller_.medias[1].rtp));
  EXPECT_EQ(caller_.medias[1].rtp->localPort(), caller_.medias[0].rtp->localPort());
  EXPECT_EQ(ports_.inUse(), 6u);  // caller: one pair (RTCP unused); callee: two pairs
}

class CallNegotiatorPortsTest : public CallNegotiatorTest {
 protected:
  CallNegotiatorPortsTest() : CallNegotiatorTest(3) {}
};

TEST_F(CallNegotiatorPortsTest, OfferBeyondThePortsIsRefusedAndTakesNoLine) {
  auto toCallee = offer("sip_avp", {});
  ASSERT_FALSE(toCallee.ok());
  EXPECT_STREQ(toCallee.error(), "Ran out of ports");
  EXPECT_EQ(caller_.medias.size(), 1u);  // the engine destroys the call and its ports
  EXPECT_TRUE(callee_.medias.empty());
}

class CallNegotiatorWithoutDtlsTest : public CallNegotiatorTest {
 protected:
  CallNegotiatorWithoutDtlsTest() : CallNegotiatorTest(1000, nullptr) {}
};

TEST_F(CallNegotiatorWithoutDtlsTest, DtlsOfferIsRefused) {
  auto toCallee = offer("chrome_offer", kTowardSip);
  ASSERT_FALSE(toCallee.ok());
  EXPECT_STREQ(toCallee.error(), "DTLS not available");
  // Plain RTP still works.
  EXPECT_TRUE(offer("sip_avp", {}).ok());
}

// Two networks (rtpengine's `interface = pub/...;priv/...`): a public IPv4 one, first and so the
// default, and a private IPv6 one.
class CallNegotiatorInterfacesTest : public CallNegotiatorTest {
 protected:
  CallNegotiatorInterfacesTest()
      : CallNegotiatorTest(
            1000, identity(),
            {{"pub", PeerAddress{}, "203.0.113.1"}, {"priv", PeerAddress{}, "fd00::1"}}) {}

  std::string interfaceOf(const Monologue& party) const {
    return ports_.interfaceOf(*party.medias.at(0).rtp);
  }
};

TEST_F(CallNegotiatorInterfacesTest, DirectionPutsEachPartyOnItsInterfaceAndItsSdpOnItsAddress) {
  auto toCallee = offer("sip_avp", {"direction=pub", "direction=priv"});
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  EXPECT_EQ(interfaceOf(caller_), "pub");
  EXPECT_EQ(interfaceOf(callee_), "priv");
  // The callee is on the IPv6 network: its SDP names the relay's IPv6 address (bridging).
  EXPECT_NE(toCallee->find("c=IN IP6 fd00::1"), std::string::npos) << *toCallee;
  EXPECT_EQ(toCallee->find("203.0.113.1"), std::string::npos) << *toCallee;

  // The answer needs no direction: the parties keep their interfaces.
  auto toCaller = answer("sip_avp", {});
  ASSERT_TRUE(toCaller.ok()) << toCaller.error();
  EXPECT_NE(toCaller->find("c=IN IP4 203.0.113.1"), std::string::npos) << *toCaller;
  EXPECT_EQ(interfaceOf(caller_), "pub");
  EXPECT_EQ(interfaceOf(callee_), "priv");
}

TEST_F(CallNegotiatorInterfacesTest, BrowserTowardThePrivateNetworkGetsCandidatesOnItsInterface) {
  auto toCallee = offer("chrome_offer", {"ICE=remove", "RTP/AVP", "rtcp-mux-demux",
                                         "from-interface=pub", "to-interface=priv"});
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  EXPECT_NE(toCallee->find("c=IN IP6 fd00::1"), std::string::npos) << *toCallee;
  auto toCaller = answer("sip_avp", kTowardBrowser);
  ASSERT_TRUE(toCaller.ok()) << toCaller.error();
  // The browser's ICE candidate is the public address, on the browser's port.
  EXPECT_NE(toCaller->find("UDP 2130706431 203.0.113.1 " +
                           std::to_string(caller_.medias[0].rtp->localPort())),
            std::string::npos)
      << *toCaller;
}

TEST_F(CallNegotiatorInterfacesTest, WithoutDirectionBothPartiesUseTheFirstInterface) {
  auto toCallee = offer("sip_avp", {});
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  EXPECT_EQ(interfaceOf(caller_), "pub");
  EXPECT_EQ(interfaceOf(callee_), "pub");
  EXPECT_NE(toCallee->find("c=IN IP4 203.0.113.1"), std::string::npos) << *toCallee;
}

TEST_F(CallNegotiatorInterfacesTest, InterfaceKeyPlacesBothParties) {
  auto toCallee = offer("sip_avp", {"interface=priv"});
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  EXPECT_EQ(interfaceOf(caller_), "priv");
  EXPECT_EQ(interfaceOf(callee_), "priv");
}

TEST_F(CallNegotiatorInterfacesTest, ReofferKeepsTheInterfacesOfTheFirstOffer) {
  ASSERT_TRUE(offer("sip_avp", {"direction=priv", "direction=pub"}).ok());
  ASSERT_TRUE(answer("sip_avp", {}).ok());
  auto again = offer("sip_avp", {});
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(interfaceOf(caller_), "priv");
  EXPECT_EQ(interfaceOf(callee_), "pub");
  EXPECT_NE(again->find("c=IN IP4 203.0.113.1"), std::string::npos) << *again;
}

TEST_F(CallNegotiatorInterfacesTest, UnknownInterfaceIsRefusedByNameAndTakesNoPort) {
  const std::vector<std::string> flags{"direction=pub", "direction=dmz"};
  EXPECT_EQ(negotiator_.unknownInterface(request("offer", "sip_avp", flags)), "dmz");
  EXPECT_EQ(negotiator_.unknownInterface(request("offer", "sip_avp", {"interface=priv"})),
            std::nullopt);
  auto toCallee = offer("sip_avp", flags);
  ASSERT_FALSE(toCallee.ok());
  EXPECT_STREQ(toCallee.error(), "Unknown media interface");
  EXPECT_EQ(ports_.inUse(), 0u);
}

TEST_F(CallNegotiatorInterfacesTest, KamailioInternalExternalWordsFallBackToTheDefault) {
  auto toCallee = offer("sip_avp", {"direction=internal", "direction=external"});
  ASSERT_TRUE(toCallee.ok()) << toCallee.error();
  EXPECT_EQ(interfaceOf(callee_), "pub");
}

}  // namespace
}  // namespace rtcgate::media
