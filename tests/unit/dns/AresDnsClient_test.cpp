#include "dns/AresDnsClient.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>

#include "unit/dns/DnsmasqProcess.hpp"

namespace rtcgate::dns {
namespace {

using namespace std::chrono_literals;
using Status = DnsAnswer::Status;
using test::DnsmasqProcess;

// The zone dnsmasq serves: everything else under test. is NXDOMAIN.
const std::vector<std::string> kRecords = {
    "--local=/test/",
    "--local-ttl=60",
    "--host-record=host.test,192.0.2.10,2001:db8::10",
    "--host-record=second.test,192.0.2.11",
    "--srv-host=_sip._udp.test,host.test,5060,10,60",
    "--srv-host=_sip._udp.test,second.test,5070,20,0",
    "--naptr-record=test,50,10,s,SIP+D2U,,_sip._udp.test",
    "--cname=alias.test,host.test",
};

// A UDP socket on 127.0.0.1 that reads nothing: a name server that never answers.
class SilentServer {
 public:
  SilentServer() : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~SilentServer() { ::close(fd_); }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

// An SRV set too large for 512 bytes of UDP: the answer comes truncated and c-ares asks again
// over TCP.
constexpr int kLargeSrvSet = 30;

std::vector<std::string> zone() {
  auto records = kRecords;
  for (int i = 0; i < kLargeSrvSet; ++i) {
    records.push_back("--srv-host=_sips._tcp.test,target-" + std::to_string(i) +
                      "-with-a-rather-long-name.test,5061," + std::to_string(i) + ",0");
  }
  return records;
}

class AresDnsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(DnsmasqProcess::installed())
        << DnsmasqProcess::kBinary << " is missing: run scripts/install-deps.sh --test";
    dnsmasq_ = DnsmasqProcess::start(zone());
    ASSERT_NE(dnsmasq_, nullptr) << "dnsmasq did not start";
  }

  std::unique_ptr<AresDnsClient> client(std::string server,
                                        std::chrono::milliseconds timeout = 2000ms) {
    AresDnsOptions options;
    options.servers = {std::move(server)};
    options.timeout = timeout;
    auto created = AresDnsClient::create(io_, options);
    EXPECT_TRUE(created.ok()) << created.error();
    return created ? std::move(created).value() : nullptr;
  }

  // Runs the loop until `done` or the limit.
  template <class Predicate>
  bool runUntil(Predicate done, std::chrono::milliseconds limit = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(5ms);
    }
    return done();
  }

  // One query to dnsmasq, waited for.
  DnsAnswer ask(std::string_view name, RecordType type) {
    if (!dns_) dns_ = client(dnsmasq_->server());
    std::optional<DnsAnswer> answer;
    dns_->query(name, type, [&](DnsAnswer got) { answer = std::move(got); });
    EXPECT_TRUE(runUntil([&] { return answer.has_value(); })) << "no answer for " << name;
    return answer.value_or(DnsAnswer{});
  }

  boost::asio::io_context io_;
  std::unique_ptr<DnsmasqProcess> dnsmasq_;
  std::unique_ptr<AresDnsClient> dns_;
};

TEST_F(AresDnsClientTest, AAndAaaaRecords) {
  auto answer = ask("host.test", RecordType::A);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  ASSERT_EQ(answer.addresses.size(), 1u);
  EXPECT_EQ(answer.addresses[0].toString(), "192.0.2.10:0");
  EXPECT_EQ(answer.ttl, 60u);

  answer = ask("host.test", RecordType::Aaaa);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  ASSERT_EQ(answer.addresses.size(), 1u);
  EXPECT_EQ(answer.addresses[0].host(), "2001:db8::10");
}

TEST_F(AresDnsClientTest, SrvRecords) {
  auto answer = ask("_sip._udp.test", RecordType::Srv);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  EXPECT_EQ(answer.ttl, 60u);
  auto records = answer.srv;
  std::sort(records.begin(), records.end(),
            [](const SrvRecord& a, const SrvRecord& b) { return a.priority < b.priority; });
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0], (SrvRecord{10, 60, 5060, "host.test"}));
  EXPECT_EQ(records[1], (SrvRecord{20, 0, 5070, "second.test"}));
}

TEST_F(AresDnsClientTest, ATruncatedAnswerIsAskedAgainOverTcp) {
  const auto answer = ask("_sips._tcp.test", RecordType::Srv);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  EXPECT_EQ(answer.srv.size(), static_cast<std::size_t>(kLargeSrvSet));
}

TEST_F(AresDnsClientTest, NaptrRecords) {
  const auto answer = ask("test", RecordType::Naptr);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  ASSERT_EQ(answer.naptr.size(), 1u);
  EXPECT_EQ(answer.naptr[0], (NaptrRecord{50, 10, "s", "SIP+D2U", "", "_sip._udp.test"}));
}

TEST_F(AresDnsClientTest, ACnameIsFollowed) {
  const auto answer = ask("alias.test", RecordType::A);
  ASSERT_EQ(answer.status, Status::Ok) << answer.error;
  ASSERT_EQ(answer.addresses.size(), 1u);
  EXPECT_EQ(answer.addresses[0].host(), "192.0.2.10");
}

TEST_F(AresDnsClientTest, NxdomainIsNoNameAndAMissingTypeIsNoData) {
  EXPECT_EQ(ask("nothere.test", RecordType::A).status, Status::NoName);
  EXPECT_EQ(ask("second.test", RecordType::Aaaa).status, Status::NoData);
  EXPECT_EQ(ask("_sip._tcp.test", RecordType::Srv).status, Status::NoName);

  const auto& stats = dns_->stats();
  EXPECT_EQ(stats.queriesSent, 3u);
  EXPECT_EQ(stats.answersNoName, 2u);
  EXPECT_EQ(stats.answersNoData, 1u);
  EXPECT_EQ(stats.answersOk, 0u);
  EXPECT_EQ(stats.answersFailed, 0u);
}

TEST_F(AresDnsClientTest, ManyQueriesAtOnceEachAnswerOnce) {
  dns_ = client(dnsmasq_->server());
  std::vector<int> calls(20, 0);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    dns_->query(i % 2 ? "host.test" : "nothere.test", RecordType::A,
                [&calls, i](DnsAnswer) { ++calls[i]; });
  }
  ASSERT_TRUE(
      runUntil([&] { return dns_->stats().answersOk + dns_->stats().answersNoName == 20; }));
  runUntil([] { return false; }, 100ms);  // anything posted twice would run by now
  EXPECT_EQ(std::count(calls.begin(), calls.end(), 1), 20);
  EXPECT_EQ(dns_->stats().answersOk, 10u);
  EXPECT_EQ(dns_->stats().answersNoName, 10u);
}

TEST_F(AresDnsClientTest, CallbacksRunAfterQueryReturnedEvenWhenCaresAnswersAtOnce) {
  dns_ = client(dnsmasq_->server());
  const std::string tooLongLabel(64, 'a');  // c-ares refuses to encode it inside ares_query
  for (const std::string& name :
       {tooLongLabel + ".test", std::string("host.test"), std::string("nul\0.test", 9)}) {
    bool returned = false;
    std::optional<DnsAnswer> answer;
    dns_->query(name, RecordType::A, [&](DnsAnswer got) {
      EXPECT_TRUE(returned) << name << ": callback ran inside query()";
      answer = std::move(got);
    });
    returned = true;
    ASSERT_TRUE(runUntil([&] { return answer.has_value(); })) << name;
    if (name != "host.test") {
      EXPECT_EQ(answer->status, Status::Failed);
      EXPECT_FALSE(answer->error.empty());
    }
  }
  EXPECT_EQ(dns_->stats().answersFailed, 2u);
}

TEST_F(AresDnsClientTest, AServerThatDoesNotAnswerFailsAfterTheTimeout) {
  SilentServer silent;
  dns_ = client(silent.server(), 100ms);
  std::optional<DnsAnswer> answer;
  const auto start = std::chrono::steady_clock::now();
  dns_->query("host.test", RecordType::A, [&](DnsAnswer got) { answer = std::move(got); });
  ASSERT_TRUE(runUntil([&] { return answer.has_value(); }));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(answer->status, Status::Failed);
  EXPECT_FALSE(answer->error.empty());
  EXPECT_GE(elapsed, 200ms);  // two tries of at least 100 ms each
  EXPECT_EQ(dns_->stats().timeouts, 1u);
  EXPECT_EQ(dns_->stats().answersFailed, 1u);
}

TEST_F(AresDnsClientTest, DestroyedWithQueriesInFlightNeverCallsBack) {
  SilentServer silent;
  int calls = 0;
  dns_ = client(silent.server(), 100ms);
  dns_->query("host.test", RecordType::A, [&](DnsAnswer) { ++calls; });  // waiting on the wire
  dns_->query(std::string(64, 'a') + ".test", RecordType::A,
              [&](DnsAnswer) { ++calls; });  // already answered, its callback posted
  runUntil([] { return false; }, 20ms);
  EXPECT_EQ(calls, 1);  // the refused name
  dns_->query(std::string(64, 'b') + ".test", RecordType::A, [&](DnsAnswer) { ++calls; });
  dns_.reset();
  runUntil([] { return false; }, 500ms);
  EXPECT_EQ(calls, 1);
}

TEST_F(AresDnsClientTest, ACallbackMayDestroyTheClient) {
  dns_ = client(dnsmasq_->server());
  int calls = 0;
  for (const char* name : {"host.test", "second.test"}) {
    dns_->query(name, RecordType::A, [&](DnsAnswer) {
      ++calls;
      dns_.reset();
    });
  }
  ASSERT_TRUE(runUntil([&] { return calls > 0; }));
  runUntil([] { return false; }, 100ms);
  EXPECT_EQ(calls, 1);  // the other one's answer came to a client that was gone
}

TEST(AresDnsClientCreateTest, ServersAreIpLiteralsWithOptionalPorts) {
  boost::asio::io_context io;
  for (const char* good :
       {"192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:53", "[2001:db8::1]", "2001:db8::1"}) {
    AresDnsOptions options;
    options.servers = {"127.0.0.1", good};
    const auto created = AresDnsClient::create(io, options);
    EXPECT_TRUE(created.ok()) << good << ": " << created.error();
  }
  for (const char* bad : {"dns.example", "192.0.2.1:99999", "192.0.2.1:0", "192.0.2.1:x", "",
                          "[2001:db8::1]:", "300.0.2.1"}) {
    AresDnsOptions options;
    options.servers = {"127.0.0.1", bad};
    const auto created = AresDnsClient::create(io, options);
    ASSERT_FALSE(created.ok()) << bad;
    EXPECT_NE(created.error().find(std::string("'") + bad + "'"), std::string::npos)
        << created.error();
  }
}

}  // namespace
}  // namespace rtcgate::dns
