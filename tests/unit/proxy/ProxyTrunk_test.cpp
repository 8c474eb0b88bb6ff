// ProxyCore with trunks: calls to a trunk carry our caller id and the dialled number, its digest
// challenges are answered with its credentials (the caller never sees them), calls from it ring
// the users its numbers map to, and our registration with it is kept up.
#include <gtest/gtest.h>

#include <set>

#include "sip/Digest.hpp"
#include "sip/NameAddr.hpp"
#include "unit/proxy/ProxyHarness.hpp"

namespace rtcgate::proxy::testing {
namespace {

constexpr const char* kChallenge =
    R"(Digest realm="carrier.test", nonce="n0nce1", qop="auth", algorithm=MD5)";

class ProxyTrunkTest : public ProxyHarness {
 protected:
  void configure(ProxyOptions& options) override {
    Trunk trunk;
    trunk.name = "carrier";
    trunk.addresses = {"sip:127.0.0.9:5090", "sip:127.0.0.10:5090"};
    trunk.username = "acme";
    trunk.password = "s3cret";
    trunk.fromUser = "+15551230000";
    trunk.sources = {*AddressRange::parse("127.0.0.9")};
    trunk.dids = {{"+15551230000", {"bob", "carol"}}, {"acme", {"bob"}}};
    trunk.registerExpires = registerExpires;
    trunk.optionsPing = optionsPing;
    options.trunks.push_back(trunk);
  }
  StaticRoutes routes() override {
    StaticRoutes table;
    StaticRoutes::Route route;
    route.pattern = "^0[0-9]+$";
    route.trunk = "carrier";
    route.strip = 1;
    route.prefix = "+44";
    table.add(route);
    return table;
  }

  void aliceDials(const std::string& number, const std::string& callId) {
    proxy_->onMessage("INVITE sip:" + number +
                          "@localhost SIP/2.0\r\n"
                          "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-" +
                          callId +
                          "\r\nMax-Forwards: 70\r\nFrom: \"Alice\" <sip:alice@localhost>;tag=a1\r\n"
                          "To: <sip:" +
                          number + "@localhost>\r\nCall-ID: " + callId +
                          "\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5080>\r\n"
                          "P-Asserted-Identity: <sip:+19999999999@elsewhere>\r\n"
                          "Content-Length: 0\r\n\r\n",
                      aliceFlow);
  }
  void carrierAnswers(const sip::SipMessage& request, int status,
                      const std::string& challenge = kChallenge) {
    auto response = request.makeResponse(status, "Whatever", "c1");
    if (status == 407) response.appendHeader(sip::HeaderId::ProxyAuthenticate, challenge);
    if (status == 401) response.appendHeader(sip::HeaderId::WwwAuthenticate, challenge);
    proxy_->onMessage(response.serialize(), carrierFlow);
  }
  // Whether `request` carries a digest answer the carrier would accept.
  static bool validAnswer(const sip::SipMessage& request, sip::HeaderId header) {
    const auto* value = request.find(header);
    if (value == nullptr) return false;
    const auto credentials = sip::parseDigestCredentials(value->value);
    if (!credentials || credentials->username != "acme" || credentials->nonce != "n0nce1" ||
        credentials->uri != request.requestUri()) {
      return false;
    }
    const auto ha1 = sip::digestHa1(sip::DigestAlgorithm::Md5, "acme", "carrier.test", "s3cret");
    return credentials->response ==
           sip::digestResponse(sip::DigestAlgorithm::Md5, ha1, request.methodText(), *credentials);
  }

  // Our caller id toward the carrier (from_user), in From and in P-Asserted-Identity.
  static void expectTrunkCaller(const sip::SipMessage& invite) {
    const auto from = sip::parseNameAddr(invite.find(sip::HeaderId::From)->value);
    ASSERT_TRUE(from);
    EXPECT_EQ(from->uri.user, "+15551230000");
    const auto* pai = invite.find("P-Asserted-Identity");
    ASSERT_NE(pai, nullptr);
    EXPECT_EQ(pai->value, "<sip:+15551230000@127.0.0.9>");
  }
  // The carrier answers our first INVITE with a 407: the same INVITE comes again, as a new
  // branch with the next CSeq, carrying an answer the carrier accepts.
  std::optional<sip::SipMessage> challengeAnswered(const sip::SipMessage& first) {
    EXPECT_EQ(first.cseq(), 1u);
    carrierAnswers(first, 407);
    EXPECT_EQ(countSentTo(carrier, "INVITE"), 2u);
    auto again = sentTo(carrier, "INVITE");
    if (!again) return again;
    EXPECT_EQ(again->cseq(), 2u);
    EXPECT_EQ(again->callId(), first.callId());
    EXPECT_NE(again->topVia().branch(), first.topVia().branch());
    EXPECT_TRUE(validAnswer(*again, sip::HeaderId::ProxyAuthorization));
    EXPECT_EQ(proxy_->stats().trunkChallengesAnswered, 1u);
    return again;
  }

  std::chrono::seconds registerExpires{0};
  std::chrono::seconds optionsPing{0};
  const SocketAddress carrier = address("127.0.0.9", 5090);
  const sip::Flow carrierFlow{sip::Transport::Udp, udpLocal, carrier, 0};
};

TEST_F(ProxyTrunkTest, ACallToANumberGoesToTheTrunkWithTheDialledNumberAndOurCallerId) {
  aliceDials("02079460000", "trunk-1");
  const auto invite = sentTo(carrier, "INVITE");
  ASSERT_TRUE(invite);
  EXPECT_EQ(invite->requestUri(), "sip:+442079460000@127.0.0.9:5090");
  expectTrunkCaller(*invite);
  EXPECT_EQ(sip::parseNameAddr(invite->find(sip::HeaderId::From)->value)->tag(), "a1");
  EXPECT_EQ(invite->serialize().find("+19999999999"), std::string::npos);  // the caller's PAI

  carrierAnswers(*invite, 200);
  const auto ok = sentTo(aliceFlow.remote, "SIP/2.0 200");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->find(sip::HeaderId::From)->value, "\"Alice\" <sip:alice@localhost>;tag=a1");
}

TEST_F(ProxyTrunkTest, TheTrunksChallengeIsAnsweredAndTheCallerNeverSeesIt) {
  aliceDials("02079460000", "trunk-2");
  const auto first = sentTo(carrier, "INVITE");
  ASSERT_TRUE(first);
  const auto again = challengeAnswered(*first);
  ASSERT_TRUE(again);
  EXPECT_EQ(countSentTo(carrier, "ACK"), 1u);  // the 407's, by the transaction layer
  EXPECT_FALSE(sentTo(aliceFlow.remote, "SIP/2.0 407"));

  carrierAnswers(*again, 200);
  const auto ok = sentTo(aliceFlow.remote, "SIP/2.0 200");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->cseq(), 1u);  // the caller's own numbering
}

TEST_F(ProxyTrunkTest, CredentialsTheTrunkRefusesAgainGiveTheCallerA403) {
  aliceDials("02079460000", "trunk-3");
  carrierAnswers(*sentTo(carrier, "INVITE"), 401);
  const auto again = sentTo(carrier, "INVITE");
  EXPECT_TRUE(validAnswer(*again, sip::HeaderId::Authorization));
  carrierAnswers(*again, 401);
  EXPECT_EQ(countSentTo(carrier, "INVITE"), 2u);
  EXPECT_TRUE(sentTo(aliceFlow.remote, "SIP/2.0 403"));
  EXPECT_FALSE(sentTo(aliceFlow.remote, "SIP/2.0 401"));
  EXPECT_EQ(proxy_->stats().trunkAuthFailures, 1u);
}

TEST_F(ProxyTrunkTest, AStaleNonceIsAnsweredOnceMore) {
  aliceDials("02079460000", "trunk-4");
  carrierAnswers(*sentTo(carrier, "INVITE"), 407);
  carrierAnswers(*sentTo(carrier, "INVITE"), 407,
                 R"(Digest realm="carrier.test", nonce="n0nce1", qop="auth", stale=true)");
  EXPECT_EQ(countSentTo(carrier, "INVITE"), 3u);
  EXPECT_EQ(sentTo(carrier, "INVITE")->cseq(), 3u);
}

TEST_F(ProxyTrunkTest, AnInDialogRequestAfterAnAnsweredChallengeFollowsTheTrunksNumbering) {
  aliceDials("02079460000", "trunk-5");
  carrierAnswers(*sentTo(carrier, "INVITE"), 407);
  const auto again = sentTo(carrier, "INVITE");
  const auto routes = answerWith200(*again, carrierFlow, "c9", "<sip:edge@127.0.0.9:5090>");
  std::string routeHeaders;
  for (const auto& route : routes) routeHeaders += "Route: " + route + "\r\n";
  proxy_->onMessage(
      "BYE sip:edge@127.0.0.9:5090 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-bye5\r\nMax-Forwards: 70\r\n" +
          routeHeaders +
          "From: <sip:alice@localhost>;tag=a1\r\nTo: <sip:02079460000@localhost>;"
          "tag=c9\r\nCall-ID: trunk-5\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
      aliceFlow);
  const auto bye = sentTo(carrier, "BYE");
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->cseq(), 3u);
}

// The trunk knows the caller by its caller id for the whole dialog: the caller's ACK and later
// requests carry it, the trunk's requests reach the caller with the caller's own From as To, and
// each side gets its own From / To back in responses.
TEST_F(ProxyTrunkTest, TheCallerIdHoldsForTheWholeDialogBothWays) {
  aliceDials("02079460000", "trunk-id");
  const auto invite = sentTo(carrier, "INVITE");
  ASSERT_TRUE(invite);
  const std::string presented(invite->find(sip::HeaderId::From)->value);
  const std::string own = "\"Alice\" <sip:alice@localhost>;tag=a1";
  const auto routes = answerWith200(*invite, carrierFlow, "c7", "<sip:edge@127.0.0.9:5090>");
  std::string routeHeaders;
  for (const auto& route : routes) routeHeaders += "Route: " + route + "\r\n";
  const std::string trunkSide = "<sip:+442079460000@127.0.0.9:5090>;tag=c7";
  auto fromAlice = [&](const std::string& method, int cseq) {
    proxy_->onMessage(method + " sip:edge@127.0.0.9:5090 SIP/2.0\r\nVia: SIP/2.0/UDP " +
                          "127.0.0.1:5080;branch=z9hG4bK-" + method + "\r\nMax-Forwards: 70\r\n" +
                          routeHeaders + "From: " + own + "\r\nTo: " + trunkSide +
                          "\r\nCall-ID: trunk-id\r\nCSeq: " + std::to_string(cseq) + " " + method +
                          "\r\nContent-Length: 0\r\n\r\n",
                      aliceFlow);
  };
  fromAlice("ACK", 1);
  const auto ack = sentTo(carrier, "ACK");
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->find(sip::HeaderId::From)->value, presented);

  fromAlice("INFO", 2);
  const auto info = sentTo(carrier, "INFO");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->find(sip::HeaderId::From)->value, presented);
  carrierAnswers(*info, 200);
  const auto infoOk = sentTo(aliceFlow.remote, "SIP/2.0 200");
  ASSERT_TRUE(infoOk);
  EXPECT_EQ(infoOk->cseq(), 2u);
  EXPECT_EQ(infoOk->find(sip::HeaderId::From)->value, own);

  proxy_->onMessage(
      "BYE sip:alice@127.0.0.1:5080 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.9:5090;branch=z9hG4bK-carrier-bye\r\n"
      "Max-Forwards: 70\r\n" +
          routeHeaders + "From: " + trunkSide + "\r\nTo: " + presented +
          "\r\nCall-ID: trunk-id\r\nCSeq: 10 BYE\r\nContent-Length: 0\r\n\r\n",
      carrierFlow);
  const auto bye = sentTo(aliceFlow.remote, "BYE");
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->find(sip::HeaderId::To)->value, own);
  proxy_->onMessage(bye->makeResponse(200, "OK", "").serialize(), aliceFlow);
  const auto byeOk = sentTo(carrier, "SIP/2.0 200");
  ASSERT_TRUE(byeOk);
  EXPECT_EQ(byeOk->find(sip::HeaderId::To)->value, presented);
}

TEST_F(ProxyTrunkTest, OurOwnByeShowsTheTrunkTheCallerId) {
  aliceDials("02079460000", "trunk-hangup");
  const auto invite = sentTo(carrier, "INVITE");
  ASSERT_TRUE(invite);
  answerWith200(*invite, carrierFlow, "c8", "<sip:edge@127.0.0.9:5090>");
  const Dialog* dialog = proxy_->dialogs().find("trunk-hangup");
  ASSERT_NE(dialog, nullptr);
  EXPECT_TRUE(proxy_->hangup(dialog->id, "api-hangup"));
  const auto bye = sentTo(carrier, "BYE");
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->find(sip::HeaderId::From)->value, invite->find(sip::HeaderId::From)->value);
  const auto aliceBye = sentTo(aliceFlow.remote, "BYE");
  ASSERT_TRUE(aliceBye);
  EXPECT_EQ(aliceBye->find(sip::HeaderId::To)->value, "\"Alice\" <sip:alice@localhost>;tag=a1");
}

TEST_F(ProxyTrunkTest, ACallFromTheTrunkRingsTheUsersOfItsNumber) {
  proxy_->onMessage(
      "INVITE sip:acme@127.0.0.1:5060 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.9:5090;branch=z9hG4bK-in1\r\nMax-Forwards: 70\r\n"
      "From: <sip:+447700900000@carrier.test>;tag=x1\r\n"
      "To: <sip:+15551230000@carrier.test>\r\nCall-ID: in-1\r\nCSeq: 1 INVITE\r\n"
      "Contact: <sip:edge@127.0.0.9:5090>\r\nContent-Length: 0\r\n\r\n",
      carrierFlow);
  // The Request-URI's user (our registration's) maps to bob alone.
  EXPECT_TRUE(sentTo(bob, "INVITE"));
  EXPECT_EQ(countSentTo(browser.remote, "INVITE"), 0u);
  EXPECT_FALSE(sentTo(carrier, "SIP/2.0 407"));
}

TEST_F(ProxyTrunkTest, ACallFromTheTrunkToANumberOfItsForksToEveryMappedUser) {
  proxy_->onMessage(
      "INVITE sip:+15551230000@127.0.0.1:5060 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.9:5090;branch=z9hG4bK-in2\r\nMax-Forwards: 70\r\n"
      "From: <sip:+447700900000@carrier.test>;tag=x1\r\n"
      "To: <sip:+15551230000@carrier.test>\r\nCall-ID: in-2\r\nCSeq: 1 INVITE\r\n"
      "Contact: <sip:edge@127.0.0.9:5090>\r\nContent-Length: 0\r\n\r\n",
      carrierFlow);
  EXPECT_TRUE(sentTo(bob, "INVITE"));
  EXPECT_TRUE(sentTo(browser.remote, "INVITE"));
}

TEST_F(ProxyTrunkTest, ANumberTheTrunkDoesNotMapIsNotFoundAndNothingElseIsReachable) {
  // Not a DID: even a local user's name, or a number a route would send out, is refused.
  for (const char* user : {"bob", "02079460000"}) {
    sent_.clear();
    proxy_->onMessage(std::string("INVITE sip:") + user +
                          "@127.0.0.1:5060 SIP/2.0\r\n"
                          "Via: SIP/2.0/UDP 127.0.0.9:5090;branch=z9hG4bK-in3" +
                          user +
                          "\r\nMax-Forwards: 70\r\nFrom: <sip:+4477@carrier.test>;tag=x1\r\n"
                          "To: <sip:" +
                          user + "@carrier.test>\r\nCall-ID: in-3" + user +
                          "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
                      carrierFlow);
    EXPECT_TRUE(sentTo(carrier, "SIP/2.0 404")) << user;
    EXPECT_EQ(countSentTo(bob, "INVITE"), 0u) << user;
  }
}

TEST_F(ProxyTrunkTest, TheCarriersOptionsPingIsAnsweredByUs) {
  proxy_->onMessage(
      "OPTIONS sip:acme@127.0.0.1:5060 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.9:5090;branch=z9hG4bK-opt1\r\nMax-Forwards: 70\r\n"
      "From: <sip:ping@carrier.test>;tag=x1\r\nTo: <sip:acme@127.0.0.1>\r\n"
      "Call-ID: opt-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
      carrierFlow);
  EXPECT_TRUE(sentTo(carrier, "SIP/2.0 200"));
  EXPECT_EQ(countSentTo(bob, "OPTIONS"), 0u);
}

// Calls placed through the API (POST /api/v1/calls) to a number behind the trunk: carol is rung
// first, her offer goes to the carrier in our INVITE, which the carrier treats like a forwarded
// call's (our caller id, its challenge answered with the trunk's credentials), on the trunk's relay
// interface.
class OriginatedTrunkCallTest : public ProxyTrunkTest {
 protected:
  void configure(ProxyOptions& options) override {
    ProxyTrunkTest::configure(options);
    options.trunks.back().mediaInterface = "carrier-net";
  }

  // carol answers our INVITE with her offer; the relay makes it one for the carrier's leg.
  void carolAnswers() {
    auto invite = sentTo(browser.remote, "INVITE");
    ASSERT_TRUE(invite);
    auto ok = invite->makeResponse(200, "OK", "carol1");
    ok.appendHeader(sip::HeaderId::Contact, "<sip:carol@x.invalid;transport=ws>");
    ok.setBody(kOffer, "application/sdp");
    proxy_->onMessage(ok.serialize(), browser);
    ASSERT_EQ(relay_.command(), "offer");
    EXPECT_EQ(relay_.at("to-interface"), "carrier-net");
    relay_.replySdp(kOffer);
  }
  void carrierAccepts(const sip::SipMessage& invite) {
    auto ok = invite.makeResponse(200, "OK", "c1");
    ok.appendHeader(sip::HeaderId::Contact, "<sip:+442079460000@127.0.0.9:5090>");
    ok.setBody(kOffer, "application/sdp");
    proxy_->onMessage(ok.serialize(), carrierFlow);
  }
  static std::string fromTag(const sip::SipMessage& request) {
    return std::string(sip::parseNameAddr(request.find(sip::HeaderId::From)->value)->tag());
  }

  static constexpr const char* kOffer =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      "m=audio 40000 RTP/AVP 0\r\n";
};

TEST_F(OriginatedTrunkCallTest, GoesOutWithTheTrunksCallerIdAndItsChallengeAnswered) {
  const auto id = proxy_->originate("carol", "02079460000");
  ASSERT_TRUE(id) << id.error().reason;
  carolAnswers();
  const auto first = sentTo(carrier, "INVITE");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->requestUri(), "sip:+442079460000@127.0.0.9:5090");
  expectTrunkCaller(*first);

  const auto again = challengeAnswered(*first);
  ASSERT_TRUE(again);
  EXPECT_EQ(fromTag(*again), fromTag(*first));
  expectTrunkCaller(*again);
  EXPECT_EQ(again->body(), first->body());

  carrierAccepts(*again);
  ASSERT_EQ(relay_.command(), "answer");
  relay_.replySdp(kOffer);
  const auto ack = sentTo(carrier, "ACK");  // ours for the 2xx (the 407's came first)
  ASSERT_TRUE(ack);
  EXPECT_EQ(countSentTo(carrier, "ACK"), 2u);
  EXPECT_EQ(ack->cseq(), 2u);
  EXPECT_EQ(ack->requestUri(), "sip:+442079460000@127.0.0.9:5090");
  EXPECT_EQ(sip::parseNameAddr(ack->find(sip::HeaderId::From)->value)->uri.user, "+15551230000");
  Dialog* dialog = proxy_->dialogs().findById(*id);
  ASSERT_NE(dialog, nullptr);
  EXPECT_EQ(dialog->state, Dialog::State::Confirmed);

  ASSERT_TRUE(proxy_->hangup(*id, "api"));
  const auto bye = sentTo(carrier, "BYE");
  ASSERT_TRUE(bye);
  EXPECT_EQ(bye->cseq(), 3u) << "after the INVITE the carrier saw twice";
  EXPECT_EQ(bye->callId(), first->callId());
  EXPECT_EQ(fromTag(*bye), fromTag(*first));
  EXPECT_EQ(sip::parseNameAddr(bye->find(sip::HeaderId::From)->value)->uri.user, "+15551230000");
}

TEST_F(OriginatedTrunkCallTest, CredentialsTheTrunkRefusesEndTheCall) {
  const auto id = proxy_->originate("carol", "02079460000");
  ASSERT_TRUE(id) << id.error().reason;
  carolAnswers();
  carrierAnswers(*sentTo(carrier, "INVITE"), 407);
  carrierAnswers(*sentTo(carrier, "INVITE"), 407);
  EXPECT_EQ(countSentTo(carrier, "INVITE"), 2u);
  EXPECT_EQ(proxy_->stats().trunkChallengesAnswered, 1u);
  EXPECT_EQ(proxy_->stats().trunkAuthFailures, 1u);
  // carol answered and waits for our ACK: she gets it, then our BYE.
  EXPECT_TRUE(sentTo(browser.remote, "ACK"));
  EXPECT_TRUE(sentTo(browser.remote, "BYE"));
  relay_.drainOk();
  EXPECT_EQ(proxy_->dialogs().findById(*id), nullptr);
  EXPECT_EQ(ended_, (std::vector<std::string>{"failed-407"}));
}

class TrunkRegistrationTest : public ProxyTrunkTest {
 protected:
  void SetUp() override {
    registerExpires = std::chrono::seconds(300);
    ProxyTrunkTest::SetUp();
    proxy_->startTrunks(
        [this](const Trunk& trunk, const TrunkRegistration::Status& status) {
          changes.push_back(trunk.name + (status.state == TrunkRegistration::State::Registered
                                              ? " up"
                                              : " down: " + status.reason));
        },
        {});
  }
  const TrunkRegistration::Status& status() {
    return proxy_->trunks().registrationOf("carrier")->status();
  }
  void registrarAnswers(int status, const std::string& extra = {}) {
    const auto request = sentTo(carrier, "REGISTER");
    ASSERT_TRUE(request);
    auto response = request->makeResponse(status, "Whatever", status == 200 ? "r1" : "");
    if (status == 401) response.appendHeader(sip::HeaderId::WwwAuthenticate, kChallenge);
    if (!extra.empty()) response.appendHeader(sip::HeaderId::Contact, extra);
    proxy_->onMessage(response.serialize(), carrierFlow);
  }
  std::vector<std::string> changes;
};

TEST_F(TrunkRegistrationTest, RegistersWithTheTrunksCredentialsAndRefreshesBeforeExpiry) {
  const auto first = sentTo(carrier, "REGISTER");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->requestUri(), "sip:127.0.0.9:5090");
  EXPECT_EQ(first->find(sip::HeaderId::Expires)->value, "300");
  EXPECT_NE(first->find(sip::HeaderId::Contact)->value.find("sip:acme@127.0.0.1:5060"),
            std::string_view::npos);
  registrarAnswers(401);
  const auto answered = sentTo(carrier, "REGISTER");
  EXPECT_TRUE(validAnswer(*answered, sip::HeaderId::Authorization));
  EXPECT_EQ(answered->cseq(), first->cseq() + 1);
  EXPECT_EQ(answered->callId(), first->callId());
  registrarAnswers(200, "<sip:acme@127.0.0.1:5060;transport=udp>;expires=120");
  EXPECT_EQ(status().state, TrunkRegistration::State::Registered);
  EXPECT_EQ(status().granted, std::chrono::seconds(120));
  EXPECT_EQ(changes, std::vector<std::string>{"carrier up"});

  timers_.advance(std::chrono::seconds(59));
  EXPECT_EQ(countSentTo(carrier, "REGISTER"), 2u);
  timers_.advance(std::chrono::seconds(1));
  EXPECT_EQ(countSentTo(carrier, "REGISTER"), 3u);  // half of 120 s
}

TEST_F(TrunkRegistrationTest, AFailureIsRetriedWithAGrowingBackOffAndReported) {
  registrarAnswers(403);
  EXPECT_EQ(status().state, TrunkRegistration::State::Failed);
  EXPECT_EQ(status().lastStatus, 403);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], "carrier down: 403 Whatever");
  timers_.advance(TrunkRegistration::kFirstRetry);
  EXPECT_EQ(countSentTo(carrier, "REGISTER"), 2u);
  registrarAnswers(403);
  timers_.advance(TrunkRegistration::kFirstRetry);
  EXPECT_EQ(countSentTo(carrier, "REGISTER"), 2u);  // now twice as long
  timers_.advance(TrunkRegistration::kFirstRetry);
  EXPECT_EQ(countSentTo(carrier, "REGISTER"), 3u);
  registrarAnswers(200);
  EXPECT_EQ(status().state, TrunkRegistration::State::Registered);
  EXPECT_EQ(changes.back(), "carrier up");
}

TEST_F(TrunkRegistrationTest, WrongCredentialsFailTheRegistration) {
  registrarAnswers(401);
  registrarAnswers(401);
  EXPECT_EQ(status().state, TrunkRegistration::State::Failed);
  EXPECT_EQ(countSentTo(carrier, "REGISTER"), 2u);
}

TEST_F(TrunkRegistrationTest, CallsOverTheRegistrationsFlowAreTheTrunks) {
  registrarAnswers(200);
  // From another port of the registrar's host, with no source list needed.
  const sip::Flow other{sip::Transport::Udp, udpLocal, address("127.0.0.9", 5099), 0};
  proxy_->onMessage(
      "INVITE sip:acme@127.0.0.1:5060 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.9:5099;branch=z9hG4bK-in9\r\nMax-Forwards: 70\r\n"
      "From: <sip:+447700900000@carrier.test>;tag=x1\r\n"
      "To: <sip:acme@carrier.test>\r\nCall-ID: in-9\r\nCSeq: 1 INVITE\r\n"
      "Contact: <sip:edge@127.0.0.9:5099>\r\nContent-Length: 0\r\n\r\n",
      other);
  EXPECT_TRUE(sentTo(bob, "INVITE"));
}

class TrunkProbingTest : public ProxyTrunkTest {
 protected:
  void SetUp() override {
    optionsPing = std::chrono::seconds(10);
    ProxyTrunkTest::SetUp();
    proxy_->startTrunks({}, [this](const DestinationProber::Destination& destination) {
      changes.push_back(destination.flow.remote.toString() + (destination.up ? " up" : " down"));
    });
  }
  // Answers the newest OPTIONS probe sent to `to`.
  void answerProbe(const SocketAddress& to, int status) {
    const auto probe = sentTo(to, "OPTIONS");
    ASSERT_TRUE(probe);
    proxy_->onMessage(probe->makeResponse(status, "Whatever", "p").serialize(),
                      {sip::Transport::Udp, udpLocal, to, 0});
  }
  // Probes sent to `to` (retransmissions counted once).
  std::size_t probesTo(const SocketAddress& to) const {
    std::set<std::string> callIds;
    for (const auto& [flow, bytes] : sent_) {
      if (flow.remote != to || !std::string_view(bytes).starts_with("OPTIONS")) continue;
      if (auto parsed = sip::SipMessage::parse(bytes)) callIds.emplace(parsed->callId());
    }
    return callIds.size();
  }
  const SocketAddress second = address("127.0.0.10", 5090);
  std::vector<std::string> changes;
};

TEST_F(TrunkProbingTest, ADestinationSilentForThreeProbesIsSkippedUntilItAnswersTwice) {
  EXPECT_EQ(countSentTo(carrier, "OPTIONS"), 1u);
  EXPECT_EQ(countSentTo(second, "OPTIONS"), 1u);
  answerProbe(second, 200);
  for (int i = 0; i < 3; ++i) {
    timers_.advance(std::chrono::seconds(10));
    answerProbe(second, 404);  // any answer proves it alive, 404 too
  }
  EXPECT_EQ(changes, std::vector<std::string>{"127.0.0.9:5090 down"});
  EXPECT_TRUE(proxy_->prober().isDown({sip::Transport::Udp, udpLocal, carrier, 0}));

  aliceDials("02079460000", "probe-1");
  EXPECT_EQ(countSentTo(carrier, "INVITE"), 0u);
  const auto invite = sentTo(second, "INVITE");
  ASSERT_TRUE(invite);
  EXPECT_EQ(invite->requestUri(), "sip:+442079460000@127.0.0.10:5090");
  EXPECT_EQ(proxy_->stats().downDestinationsSkipped, 1u);

  answerProbe(carrier, 200);
  timers_.advance(std::chrono::seconds(10));
  EXPECT_EQ(changes.size(), 1u);  // one answer is not enough
  answerProbe(carrier, 200);
  EXPECT_EQ(changes.back(), "127.0.0.9:5090 up");
  sent_.clear();
  aliceDials("02079460001", "probe-2");
  EXPECT_EQ(countSentTo(carrier, "INVITE"), 1u);
}

TEST_F(TrunkProbingTest, A503AnswerCountsAsAMiss) {
  for (int i = 0; i < 3; ++i) {
    answerProbe(carrier, 503);
    answerProbe(second, 200);
    timers_.advance(std::chrono::seconds(10));
  }
  EXPECT_EQ(changes, std::vector<std::string>{"127.0.0.9:5090 down"});
  EXPECT_EQ(proxy_->prober().stats().probesFailed, 3u);
}

TEST_F(TrunkProbingTest, RouteTargetsAreProbedAndReloadedRoutesWithThem) {
  StaticRoutes table;
  StaticRoutes::Route route;
  route.pattern = "^9";
  route.targets = {"sip:127.0.0.11:5060", "sip:127.0.0.12:5060"};
  route.optionsPing = std::chrono::seconds(5);
  table.add(route);
  proxy_->setRoutes(table);
  const auto pbx1 = address("127.0.0.11", 5060);
  const auto pbx2 = address("127.0.0.12", 5060);
  EXPECT_EQ(countSentTo(pbx1, "OPTIONS"), 1u);
  for (int i = 0; i < 3; ++i) {
    answerProbe(pbx2, 200);
    timers_.advance(std::chrono::seconds(5));
  }
  EXPECT_TRUE(proxy_->prober().isDown({sip::Transport::Udp, udpLocal, pbx1, 0}));
  aliceDials("9123", "probe-route");
  EXPECT_EQ(countSentTo(pbx1, "INVITE"), 0u);
  EXPECT_EQ(countSentTo(pbx2, "INVITE"), 1u);

  proxy_->setRoutes({});  // a reload without the route stops its probes
  const auto probes = probesTo(pbx2);
  timers_.advance(std::chrono::seconds(20));
  EXPECT_EQ(probesTo(pbx2), probes);
}

}  // namespace
}  // namespace rtcgate::proxy::testing
