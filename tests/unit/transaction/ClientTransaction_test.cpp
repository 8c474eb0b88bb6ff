#include "transaction/ClientTransaction.hpp"

#include <gtest/gtest.h>

#include <set>

#include "TransactionTestKit.hpp"

namespace rtcgate::transaction::test {
namespace {

class ClientTransactionTest : public TransactionTest {
 protected:
  // Feeds a response to the first request we sent, as the downstream would write it.
  void answer(int status, std::string_view reason, std::string_view toTag = "b1",
              std::size_t requestIndex = 0) {
    layer_->receiveResponse(responseTo(sent_.at(requestIndex).bytes, status, reason, toTag),
                            udpDestination());
  }
  std::size_t responsesToTu() const { return user_.count("response"); }
};

RequestSpec options() {
  RequestSpec spec;
  spec.method = "OPTIONS";
  return spec;
}

TEST_F(ClientTransactionTest, TimerADoublesUntilTimerBTimesOut) {
  const TransactionId tx = sendClient({}, udpDestination());
  ASSERT_EQ(sentCount("INVITE"), 1u);
  EXPECT_EQ(sent_[0].flow.remote, udpDestination().remote);
  const std::int64_t gaps[] = {500, 1000, 2000, 4000, 8000, 16000};
  std::size_t expected = 1;
  for (std::int64_t gap : gaps) {
    advance(gap - 1);
    EXPECT_EQ(sentCount("INVITE"), expected) << "early at gap " << gap;
    advance(1);
    EXPECT_EQ(sentCount("INVITE"), ++expected) << "missing at gap " << gap;
  }
  EXPECT_EQ(user_.count("timeout"), 0u);
  advance(500);  // Timer B = 64*T1 = 32 s after the first send
  ASSERT_EQ(user_.count("timeout"), 1u);
  EXPECT_EQ(user_.last("timeout")->tx, tx);
  EXPECT_FALSE(layer_->alive(tx));
  EXPECT_EQ(layer_->stats().timeouts, 1u);
  EXPECT_EQ(layer_->stats().retransmissionsSent, 6u);
  EXPECT_EQ(timers_.pendingCount(), 0u);
}

TEST_F(ClientTransactionTest, ProvisionalStopsTimersAAndB) {
  const TransactionId tx = sendClient({}, udpDestination());
  answer(100, "Trying");
  answer(180, "Ringing");
  EXPECT_EQ(responsesToTu(), 2u);
  advance(120000);
  EXPECT_EQ(sentCount("INVITE"), 1u);
  EXPECT_EQ(user_.count("timeout"), 0u);  // the proxy's Timer C bounds Proceeding
  EXPECT_TRUE(layer_->alive(tx));
}

TEST_F(ClientTransactionTest, NonTwoXxFinalIsAcknowledgedHopByHopAndRetransmissionsAbsorbed) {
  RequestSpec invite;
  invite.routes = {"<sip:proxy2.example.test;lr>", "<sip:proxy3.example.test;lr>"};
  const TransactionId tx = sendClient(invite, udpDestination());
  answer(180, "Ringing");
  answer(486, "Busy Here", "b7");
  ASSERT_EQ(responsesToTu(), 2u);
  EXPECT_EQ(user_.last("response")->status, 486);
  ASSERT_EQ(sentCount("ACK"), 1u);

  sip::SipMessage sentInvite = parse(sent_[0].bytes);
  sip::SipMessage ack = parse(sent_.back().bytes);
  EXPECT_EQ(sent_.back().flow.remote, udpDestination().remote);
  EXPECT_EQ(ack.requestUri(), sentInvite.requestUri());
  EXPECT_EQ(ack.callId(), sentInvite.callId());
  EXPECT_EQ(ack.cseq(), sentInvite.cseq());
  EXPECT_EQ(ack.cseqMethod(), sip::Method::Ack);
  EXPECT_EQ(ack.fromTag(), "a1");
  EXPECT_EQ(ack.toTag(), "b7");  // To from the response
  EXPECT_EQ(ack.count(sip::HeaderId::Via), 1u);
  EXPECT_EQ(ack.topVia().branch(), sentInvite.topVia().branch());
  EXPECT_EQ(ack.all(sip::HeaderId::Route), sentInvite.all(sip::HeaderId::Route));
  EXPECT_TRUE(ack.body().empty());

  answer(486, "Busy Here", "b7");  // retransmitted final: ACK again, TU not bothered
  EXPECT_EQ(sentCount("ACK"), 2u);
  EXPECT_EQ(responsesToTu(), 2u);
  EXPECT_EQ(layer_->stats().retransmissionsAbsorbed, 1u);
  advance(32000 - 1);  // Timer D
  EXPECT_TRUE(layer_->alive(tx));
  advance(1);
  EXPECT_FALSE(layer_->alive(tx));
  EXPECT_EQ(sentCount("INVITE"), 1u);  // Timer A stopped at the 180
}

TEST_F(ClientTransactionTest, EveryTwoXxGoesUpInAcceptedUntilTimerM) {
  const TransactionId tx = sendClient({}, udpDestination());
  answer(200, "OK", "fork1");
  answer(200, "OK", "fork1");  // UAS retransmission
  answer(200, "OK", "fork2");  // another fork
  EXPECT_EQ(responsesToTu(), 3u);
  answer(486, "Busy Here", "fork3");  // a non-2xx after a 2xx means nothing
  EXPECT_EQ(responsesToTu(), 3u);
  EXPECT_EQ(sentCount("ACK"), 0u);  // the ACK for 2xx is end to end: not ours
  advance(5000);
  EXPECT_EQ(sentCount("INVITE"), 1u);
  advance(32000 - 5000);  // Timer M
  EXPECT_FALSE(layer_->alive(tx));
  answer(200, "OK", "fork1");
  EXPECT_EQ(user_.count("stray"), 1u);
}

TEST_F(ClientTransactionTest, ReliableInviteNeverRetransmitsButTimerBStillRuns) {
  const TransactionId tx = sendClient({}, tcpDestination());
  EXPECT_EQ(sent_[0].flow.connectionId, 91u);
  advance(32000 - 1);
  EXPECT_EQ(sentCount("INVITE"), 1u);
  advance(1);
  EXPECT_EQ(user_.count("timeout"), 1u);
  EXPECT_FALSE(layer_->alive(tx));
}

TEST_F(ClientTransactionTest, ReliableNonTwoXxEndsAtOnceWithTimerDZero) {
  const TransactionId tx = sendClient({}, tcpDestination());
  answer(603, "Decline");
  EXPECT_EQ(sentCount("ACK"), 1u);
  EXPECT_FALSE(layer_->alive(tx));
  EXPECT_EQ(user_.terminated, std::vector<TransactionId>{tx});
}

TEST_F(ClientTransactionTest, TimerEDoublesCappedAtT2UntilTimerF) {
  const TransactionId tx = sendClient(options(), udpDestination());
  // E: 500, 1000, 2000, then 4000 each: sends at 0, .5, 1.5, 3.5, 7.5, 11.5, ... 31.5 s.
  const std::int64_t gaps[] = {500, 1000, 2000, 4000, 4000, 4000};
  std::size_t expected = 1;
  for (std::int64_t gap : gaps) {
    advance(gap - 1);
    EXPECT_EQ(sentCount("OPTIONS"), expected) << "early at gap " << gap;
    advance(1);
    EXPECT_EQ(sentCount("OPTIONS"), ++expected) << "missing at gap " << gap;
  }
  advance(32000 - 15500 - 1);
  EXPECT_EQ(sentCount("OPTIONS"), 11u);
  EXPECT_EQ(user_.count("timeout"), 0u);
  advance(1);  // Timer F
  EXPECT_EQ(user_.count("timeout"), 1u);
  EXPECT_FALSE(layer_->alive(tx));
}

TEST_F(ClientTransactionTest, TimerValuesAreConfigurable) {
  TimerValues values;
  values.t1 = Duration{100};
  values.t2 = Duration{400};
  makeLayer(values);
  sendClient(options(), udpDestination());
  const std::int64_t gaps[] = {100, 200, 400, 400};
  std::size_t expected = 1;
  for (std::int64_t gap : gaps) {
    advance(gap - 1);
    EXPECT_EQ(sentCount("OPTIONS"), expected) << "early at gap " << gap;
    advance(1);
    EXPECT_EQ(sentCount("OPTIONS"), ++expected) << "missing at gap " << gap;
  }
  advance(6400 - 1100 - 1);
  EXPECT_EQ(user_.count("timeout"), 0u);
  advance(1);  // Timer F = 64*T1 = 6.4 s
  EXPECT_EQ(user_.count("timeout"), 1u);
}

TEST_F(ClientTransactionTest, ZeroT1IsClampedInsteadOfSpinning) {
  TimerValues values;
  values.t1 = Duration{0};
  values.t2 = Duration{0};
  makeLayer(values);
  sendClient({}, udpDestination());
  advance(64);  // T1 clamped to 1 ms: Timer B at 64 ms after 1, 2, 4, ... 32 ms retransmissions
  EXPECT_EQ(user_.count("timeout"), 1u);
  EXPECT_EQ(sentCount("INVITE"), 7u);
  EXPECT_EQ(layer_->timerValues().t1, Duration{1});
}

TEST_F(ClientTransactionTest, ProvisionalMovesNonInviteToProceedingRetransmittingAtT2) {
  const TransactionId tx = sendClient(options(), udpDestination());
  answer(100, "Trying");
  EXPECT_EQ(responsesToTu(), 1u);
  advance(500);  // the pending E still fires once, then every T2
  EXPECT_EQ(sentCount("OPTIONS"), 2u);
  advance(3999);
  EXPECT_EQ(sentCount("OPTIONS"), 2u);
  advance(1);
  EXPECT_EQ(sentCount("OPTIONS"), 3u);
  advance(32000 - 4500);  // Timer F still applies in Proceeding
  EXPECT_EQ(user_.count("timeout"), 1u);
  EXPECT_FALSE(layer_->alive(tx));
}

TEST_F(ClientTransactionTest, NonInviteFinalGoesUpOnceAndTimerKEndsIt) {
  const TransactionId tx = sendClient(options(), udpDestination());
  answer(200, "OK");
  answer(200, "OK");
  EXPECT_EQ(responsesToTu(), 1u);
  EXPECT_EQ(layer_->stats().retransmissionsAbsorbed, 1u);
  advance(4999);
  EXPECT_TRUE(layer_->alive(tx));
  EXPECT_EQ(sentCount("OPTIONS"), 1u);
  advance(1);  // Timer K = T4
  EXPECT_FALSE(layer_->alive(tx));
}

TEST_F(ClientTransactionTest, ReliableNonInviteHasNoTimerEAndTimerKZero) {
  const TransactionId tx = sendClient(options(), tcpDestination());
  advance(31000);
  EXPECT_EQ(sentCount("OPTIONS"), 1u);
  answer(200, "OK");
  EXPECT_EQ(responsesToTu(), 1u);
  EXPECT_FALSE(layer_->alive(tx));
}

TEST_F(ClientTransactionTest, FailedRetransmissionReportsATransportError) {
  const TransactionId tx = sendClient({}, udpDestination());
  sendOk_ = false;
  advance(500);
  ASSERT_EQ(user_.count("transport-error"), 1u);
  EXPECT_EQ(user_.last("transport-error")->tx, tx);
  EXPECT_FALSE(layer_->alive(tx));
  EXPECT_EQ(layer_->stats().transportErrors, 1u);
  EXPECT_EQ(timers_.pendingCount(), 0u);
}

// A new connection toward the destination (connection id 0: the transports open one) that
// fails to connect fails the transactions waiting on it now, not at Timer B.
TEST_F(ClientTransactionTest, AFailedNewConnectionIsATransportErrorAtOnce) {
  sip::Flow fresh = tcpDestination();
  fresh.connectionId = 0;
  const TransactionId waiting = sendClient({}, fresh);
  const TransactionId elsewhere = sendClient({}, udpDestination());
  sip::Flow answered = fresh;
  const TransactionId responded = sendClient({}, answered);
  layer_->receiveResponse(responseTo(sent_.at(2).bytes, 180, "Ringing", "b1"), fresh);

  sip::Flow failed = fresh;
  failed.connectionId = 17;  // the connection the transports opened for it
  layer_->connectionFailed(failed);
  ASSERT_EQ(user_.count("transport-error"), 1u);
  EXPECT_EQ(user_.last("transport-error")->tx, waiting);
  EXPECT_FALSE(layer_->alive(waiting));
  EXPECT_TRUE(layer_->alive(elsewhere));
  EXPECT_TRUE(layer_->alive(responded)) << "a response came: the connection had worked";
}

// ICMP unreachable for a UDP destination (the transports report it as a failed UDP flow) fails
// the unanswered client transactions to exactly that address and port; one that got any
// response has a live peer and is left alone, and server transactions are never touched.
TEST_F(ClientTransactionTest, AnUnreachableUdpDestinationFailsOnlyItsUnansweredTransactions) {
  const sip::Flow gone = udpDestination();
  sip::Flow otherPort = gone;
  otherPort.remote.setPort(5070);
  const TransactionId calling = sendClient({}, gone);
  const TransactionId trying = sendClient(options(), gone);
  const TransactionId toOtherPort = sendClient({}, otherPort);
  const TransactionId gotTrying = sendClient({}, gone);
  answer(100, "Trying", "b1", 3);
  const TransactionId ringing = sendClient({}, gone);
  answer(180, "Ringing", "b1", 4);
  RequestSpec incoming;
  incoming.via = "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKfromthere;rport";
  layer_->receiveRequest(request(incoming), gone);
  ASSERT_EQ(user_.count("request"), 1u);
  const TransactionId server = user_.last("request")->tx;

  layer_->connectionFailed({sip::Transport::Udp, gone.local, gone.remote, 0});
  std::set<TransactionId> failed;
  for (const auto& event : user_.events) {
    if (event.kind == "transport-error") failed.insert(event.tx);
  }
  EXPECT_EQ(failed, (std::set<TransactionId>{calling, trying}));
  EXPECT_FALSE(layer_->alive(calling));
  EXPECT_FALSE(layer_->alive(trying));
  EXPECT_TRUE(layer_->alive(toOtherPort)) << "another port of the same host";
  EXPECT_TRUE(layer_->alive(gotTrying)) << "a 100 came: the server is alive";
  EXPECT_TRUE(layer_->alive(ringing)) << "a late ICMP must not end a ringing call";
  EXPECT_TRUE(layer_->alive(server));
  // The same address over TCP is another destination.
  const TransactionId overTcp = sendClient({}, {sip::Transport::Tcp, {}, gone.remote, 0});
  layer_->connectionFailed({sip::Transport::Udp, gone.local, gone.remote, 0});
  EXPECT_TRUE(layer_->alive(overTcp));
}

TEST_F(ClientTransactionTest, FailedFirstSendCreatesNoTransaction) {
  sendOk_ = false;
  RequestSpec spec;
  spec.via = "SIP/2.0/UDP 127.0.0.1:5060;branch=" + layer_->newBranch();
  auto id = layer_->sendRequest(request(spec), udpDestination());
  EXPECT_FALSE(id.ok());
  EXPECT_EQ(layer_->stats().liveClientTransactions, 0u);
  EXPECT_EQ(timers_.pendingCount(), 0u);
  EXPECT_TRUE(user_.events.empty());
}

TEST_F(ClientTransactionTest, SendRequestRefusesAckForeignBranchesAndDuplicates) {
  RequestSpec ack;
  ack.method = "ACK";
  ack.via = "SIP/2.0/UDP 127.0.0.1:5060;branch=" + layer_->newBranch();
  EXPECT_FALSE(layer_->sendRequest(request(ack), udpDestination()).ok());
  RequestSpec old;
  old.via = "SIP/2.0/UDP 127.0.0.1:5060;branch=1234";
  EXPECT_FALSE(layer_->sendRequest(request(old), udpDestination()).ok());
  RequestSpec twice;
  twice.via = "SIP/2.0/UDP 127.0.0.1:5060;branch=" + layer_->newBranch();
  EXPECT_TRUE(layer_->sendRequest(request(twice), udpDestination()).ok());
  EXPECT_FALSE(layer_->sendRequest(request(twice), udpDestination()).ok());
  EXPECT_EQ(layer_->stats().liveClientTransactions, 1u);
}

TEST_F(ClientTransactionTest, ResponsesMatchingNoTransactionAreStray) {
  sendClient({}, udpDestination());
  // Same Call-ID and CSeq, another branch: not ours.
  std::string foreign = sent_[0].bytes;
  const auto at = foreign.find("branch=z9hG4bK") + 14;
  foreign[at] = foreign[at] == 'x' ? 'y' : 'x';
  layer_->receiveResponse(responseTo(foreign, 200, "OK", "b1"), udpDestination());
  // Our branch but another CSeq method (17.1.3): not ours either.
  std::string otherMethod = sent_[0].bytes;
  otherMethod.replace(otherMethod.find("CSeq: 1 INVITE"), 14, "CSeq: 1 BYE");
  otherMethod.replace(0, 6, "BYE");
  layer_->receiveResponse(responseTo(otherMethod, 200, "OK", "b1"), udpDestination());
  EXPECT_EQ(user_.count("stray"), 2u);
  EXPECT_EQ(user_.count("response"), 0u);
}

TEST_F(ClientTransactionTest, NewBranchesCarryTheMagicCookieAndDiffer) {
  const std::string a = layer_->newBranch();
  const std::string b = layer_->newBranch();
  EXPECT_EQ(a.rfind("z9hG4bK", 0), 0u);
  EXPECT_GE(a.size(), 7u + 32u);
  EXPECT_NE(a, b);
}

TEST_F(ClientTransactionTest, UserDataFollowsTheTransactionAndCallsOnGoneIdsAreNoOps) {
  const TransactionId tx = sendClient({}, udpDestination());
  layer_->setUserData(tx, 42);
  EXPECT_EQ(layer_->userData(tx), 42u);
  advance(32000);
  EXPECT_EQ(layer_->userData(tx), 0u);
  layer_->cancel(tx);
  layer_->setUserData(tx, 7);
  EXPECT_EQ(sentCount("CANCEL"), 0u);
}

TEST_F(ClientTransactionTest, BranchesCarry128RandomBitsAndNeverRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string branch = layer_->newBranch();
    ASSERT_EQ(branch.size(), 7u + 32u);
    EXPECT_EQ(branch.rfind("z9hG4bK", 0), 0u);
    EXPECT_EQ(branch.find_first_not_of("0123456789abcdef", 7), std::string::npos);
    EXPECT_TRUE(seen.insert(branch).second);
  }
}

}  // namespace
}  // namespace rtcgate::transaction::test
