#pragma once

#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy::testing {

inline constexpr char kBrowserSdp[] =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 40000 UDP/TLS/RTP/SAVPF 0\r\n"
    "c=IN IP4 127.0.0.1\r\na=rtcp-mux\r\na=setup:actpass\r\n";
inline constexpr char kPhoneSdp[] =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 0\r\n";

// ProxyHarness with calls whose media goes through the FakeRelay: a browser (alice) calling a
// phone (bob), and the messages such calls exchange.
class ProxyMediaHarness : public ProxyHarness {
 protected:
  static std::string invite(const std::string& to, const std::string& via, const char* sdp,
                            const std::string& callId = "call-1") {
    std::string text = "INVITE sip:" + to + "@localhost SIP/2.0\r\nVia: " + via +
                       ";branch=z9hG4bKcaller1\r\nMax-Forwards: 70\r\n"
                       "From: <sip:alice@localhost>;tag=alice1\r\nTo: <sip:" +
                       to + "@localhost>\r\nCall-ID: " + callId +
                       "\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1>\r\n";
    if (sdp == nullptr) return text + "Content-Length: 0\r\n\r\n";
    return text +
           "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(std::strlen(sdp)) +
           "\r\n\r\n" + sdp;
  }

  // A request inside a dialog: `head` (request line to Max-Forwards), a Route per entry of
  // `routes`, `tail` (From to CSeq), then the SDP if any.
  static std::string inDialog(const std::string& head, const std::vector<std::string_view>& routes,
                              const std::string& tail, const char* sdp = nullptr) {
    std::string text = head;
    for (std::string_view route : routes) text += "Route: " + std::string(route) + "\r\n";
    text += tail;
    if (sdp == nullptr) return text + "Content-Length: 0\r\n\r\n";
    return text +
           "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(std::strlen(sdp)) +
           "\r\n\r\n" + sdp;
  }

  // The browser answers an INVITE without SDP with an offer in its 200: it goes to the relay
  // with the flags toward SIP, and on to the phone (at `phone`) with the relay's SDP. Returns
  // the 200 the phone got.
  std::optional<sip::SipMessage> browserOffersIn200(const sip::SipMessage& invite,
                                                    const std::string& browserTag,
                                                    const SocketAddress& phone) {
    answerFrom(browser, invite, 200, kBrowserSdp, browserTag);
    EXPECT_EQ(relay_.pending.size(), 1u);
    EXPECT_EQ(relay_.command(), "offer");
    EXPECT_EQ(relay_.at("from-tag"), browserTag);
    EXPECT_EQ(relay_.at("ICE"), "remove");
    EXPECT_EQ(relay_.at("transport-protocol"), "RTP/AVP");
    relay_.replySdp("offer-for-phone");
    auto ok = sentTo(phone, "SIP/2.0 200");
    EXPECT_TRUE(ok && ok->body() == "offer-for-phone");
    return ok;
  }

  // The phone's ACK carries the answer to the offer a browser made in its 200: it goes to the
  // relay with the browser's flags, and on to the browser with the relay's SDP.
  void ackAnswersTheBrowsersOffer(const std::string& ack, const sip::Flow& from,
                                  const std::string& browserTag, const std::string& phoneTag) {
    proxy_->onMessage(ack, from);
    ASSERT_EQ(relay_.pending.size(), 1u);
    EXPECT_EQ(relay_.command(), "answer");
    EXPECT_EQ(relay_.at("from-tag"), browserTag);
    EXPECT_EQ(relay_.at("to-tag"), phoneTag);
    EXPECT_EQ(relay_.at("ICE"), "force");
    EXPECT_EQ(relay_.at("transport-protocol"), "UDP/TLS/RTP/SAVPF");
    relay_.replySdp("answer-for-browser");
    auto forwardedAck = sentTo(browser.remote, "ACK");
    ASSERT_TRUE(forwardedAck);
    EXPECT_EQ(forwardedAck->body(), "answer-for-browser");
  }

  // A response from the callee to the request we forwarded to it.
  void answerFrom(const sip::Flow& flow, const sip::SipMessage& request, int status,
                  const char* sdp = nullptr, std::string_view tag = "bob1") {
    auto response = request.makeResponse(status, status == 200 ? "OK" : "Whatever", tag);
    for (const auto& rr : request.all(sip::HeaderId::RecordRoute)) {
      response.appendHeader(sip::HeaderId::RecordRoute, std::string(rr));
    }
    response.appendHeader(sip::HeaderId::Contact, "<sip:bob@127.0.0.1:5070>");
    if (sdp) response.setBody(sdp, "application/sdp");
    proxy_->onMessage(response.serialize(), flow);
  }

  // Alice's BYE from the browser to bob, along the Record-Route the proxy put in (with its
  // token, made with the proxy's key, when `token` is set).
  std::string browserBye(const std::string& callId, bool token = false) const {
    const std::string ftok = token ? ";ftok=" + FlowToken(tokenKey).encode(0, callId) : "";
    return "BYE sip:bob@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/WSS a.invalid;branch=z9hG4bKbye-" +
           callId + "\r\nMax-Forwards: 70\r\nRoute: <sip:127.0.0.1:8443;transport=wss;lr" + ftok +
           ";r2=on>\r\nFrom: <sip:alice@localhost>;tag=alice1\r\n"
           "To: <sip:bob@localhost>;tag=bob1\r\nCall-ID: " +
           callId + "\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
  }

  // Browser alice calls bob (a SIP phone) and bob answers; media through the relay.
  sip::SipMessage establishBrowserToPhone() {
    proxy_->onMessage(invite("bob", "SIP/2.0/WSS a.invalid", kBrowserSdp), browser);
    EXPECT_EQ(relay_.command(), "offer");
    relay_.replySdp("relayed-offer");
    auto forwarded = sentTo(bob, "INVITE");
    EXPECT_TRUE(forwarded);
    answerFrom(bobFlow, *forwarded, 200, kPhoneSdp);
    EXPECT_EQ(relay_.command(), "answer");
    relay_.replySdp("relayed-answer");
    return std::move(*forwarded);
  }
};

}  // namespace rtcgate::proxy::testing
