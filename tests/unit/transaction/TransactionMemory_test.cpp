// The memory budget: at most 4 KiB of heap per live transaction, measured with mallinfo2 over
// 10,000 INVITE transactions of each side carrying a realistic INVITE with SDP.
#include <gtest/gtest.h>
#include <malloc.h>

#include <iostream>

#include "TransactionTestKit.hpp"

namespace rtcgate::transaction::test {
namespace {

class NullUser : public TransactionUser {
 public:
  void onRequest(TransactionId, sip::SipMessage&&, const sip::Flow&) override {}
  void onAck(sip::SipMessage&&, const sip::Flow&) override {}
  void onCancel(TransactionId, TransactionId, sip::SipMessage&&, const sip::Flow&) override {}
  void onResponse(TransactionId, sip::SipMessage&&, const sip::Flow&) override {}
  void onStrayResponse(sip::SipMessage&&, const sip::Flow&) override {}
  void onTimeout(TransactionId) override {}
  void onTransportError(TransactionId) override {}
};

constexpr int kTransactions = 10000;

std::string inviteWithSdp(const std::string& branch, int n) {
  const std::string sdp =
      "v=0\r\no=- 20518 0 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
      "m=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
      "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n";
  std::string text = "INVITE sip:bob@example.test SIP/2.0\r\n";
  text += "Via: SIP/2.0/UDP 192.0.2.10:5070;rport;branch=" + branch + "\r\n";
  text += "Max-Forwards: 70\r\n";
  text += "From: \"Alice Example\" <sip:alice@example.test>;tag=9fxced76sl\r\n";
  text += "To: \"Bob\" <sip:bob@example.test>\r\n";
  text += "Call-ID: 3848276298220188511-" + std::to_string(n) + "@192.0.2.10\r\n";
  text += "CSeq: 1 INVITE\r\n";
  text += "Contact: <sip:alice@192.0.2.10:5070;transport=udp>\r\n";
  text += "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY\r\n";
  text += "Supported: replaces, timer, 100rel\r\nUser-Agent: test-ua/1.0\r\n";
  text += "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()) +
          "\r\n\r\n" + sdp;
  return text;
}

std::size_t heapInUse() { return mallinfo2().uordblks; }

TEST(TransactionMemoryTest, EachLiveTransactionStaysUnderFourKiB) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan's allocator does not report through mallinfo2";
#endif
  rtcgate::testing::FakeTimers timers;
  NullUser user;
  TransactionLayer layer(
      timers, [](const sip::Flow&, std::string_view) { return true; }, user);
  const sip::Flow flow = udpFlow();
  std::vector<sip::SipMessage> requests;  // parsed up front: only the layer's heap is measured
  requests.reserve(kTransactions);
  for (int i = 0; i < kTransactions; ++i) {
    requests.push_back(parse(inviteWithSdp("z9hG4bKserver" + std::to_string(i), i)));
  }
  const std::size_t requestBytes = requests.front().serialize().size();

  std::size_t before = heapInUse();
  for (auto& request : requests) layer.receiveRequest(std::move(request), flow);
  const double serverBytes = double(heapInUse() - before) / kTransactions;
  requests.clear();
  for (int i = 0; i < kTransactions; ++i) {
    requests.push_back(parse(inviteWithSdp(layer.newBranch(), i)));
  }

  before = heapInUse();
  for (auto& request : requests) ASSERT_TRUE(layer.sendRequest(std::move(request), flow).ok());
  const double clientBytes = double(heapInUse() - before) / kTransactions;

  EXPECT_EQ(layer.stats().liveServerTransactions, std::uint64_t(kTransactions));
  EXPECT_EQ(layer.stats().liveClientTransactions, std::uint64_t(kTransactions));
  std::cout << "heap per live transaction (INVITE of " << requestBytes
            << " bytes, timers included): server " << serverBytes << " B, client " << clientBytes
            << " B\n";
  RecordProperty("server_bytes", std::to_string(serverBytes));
  RecordProperty("client_bytes", std::to_string(clientBytes));
  EXPECT_LE(serverBytes, 4096.0);
  EXPECT_LE(clientBytes, 4096.0);
}

}  // namespace
}  // namespace rtcgate::transaction::test
