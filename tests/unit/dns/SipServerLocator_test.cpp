#include "dns/SipServerLocator.hpp"

#include <gtest/gtest.h>

#include "fakes/FakeDnsClient.hpp"
#include "fakes/FakeTimers.hpp"

namespace rtcgate::dns {
namespace {

using sip::Transport;
using testing::FakeDnsClient;
using testing::FakeTimers;

DnsAnswer naptr(std::vector<NaptrRecord> records) {
  return {DnsAnswer::Status::Ok, 300, {}, {}, std::move(records), {}};
}

class SipServerLocatorTest : public ::testing::Test {
 protected:
  // Listeners: UDP and TCP on IPv4 and IPv6, TLS on IPv4 only (unless a test says otherwise).
  bool canSend(Transport transport, bool v6) const {
    if (transport == Transport::Tls) return tls && !v6;
    return transport == Transport::Udp || transport == Transport::Tcp;
  }

  SipServerLocator::Location locate(const std::string& text) {
    const auto uri = sip::parseUri(text);
    EXPECT_TRUE(uri.ok()) << text;
    std::optional<SipServerLocator::Location> result;
    locator.locate(*uri,
                   [&](SipServerLocator::Location location) { result = std::move(location); });
    while (!result && client.flush() > 0) {
    }
    EXPECT_TRUE(result.has_value()) << text;
    return result.value_or(SipServerLocator::Location{});
  }

  static std::vector<std::string> describe(const SipServerLocator::Location& location) {
    std::vector<std::string> out;
    for (const auto& d : location.destinations) {
      out.push_back(std::string(sip::transportParamName(d.transport)) + ":" + d.address.toString() +
                    (d.host.empty() ? "" : "@" + d.host));
    }
    return out;
  }

  FakeTimers timers;
  FakeDnsClient client;
  DnsCache cache{client, timers, DnsCache::Options{}};
  DestinationBlacklist blacklist{timers};
  bool tls = true;
  std::uint32_t nextRandom = 0;
  SipServerLocator locator{cache, blacklist,
                           [this](Transport t, bool v6) { return canSend(t, v6); },
                           [this] { return nextRandom; }};
};

TEST_F(SipServerLocatorTest, LiteralAddressesNeedNoQuery) {
  EXPECT_EQ(describe(locate("sip:alice@192.0.2.1")),
            std::vector<std::string>{"udp:192.0.2.1:5060"});
  EXPECT_EQ(describe(locate("sips:[2001:db8::1]")), std::vector<std::string>{});  // no TLS on v6
  EXPECT_EQ(describe(locate("sip:[2001:db8::1]:5070;transport=tcp")),
            std::vector<std::string>{"tcp:[2001:db8::1]:5070"});
  EXPECT_EQ(describe(locate("sip:localhost")), std::vector<std::string>{"udp:127.0.0.1:5060"});
  EXPECT_TRUE(client.asked.empty());
}

TEST_F(SipServerLocatorTest, AnExplicitPortSkipsNaptrAndSrv) {
  client.setAddresses("pbx.example", {"192.0.2.1", "2001:db8::1"});
  EXPECT_EQ(describe(locate("sip:pbx.example:5080")),
            (std::vector<std::string>{"udp:192.0.2.1:5080@pbx.example",
                                      "udp:[2001:db8::1]:5080@pbx.example"}));
  EXPECT_EQ(client.asked.size(), 2u);  // A and AAAA only
}

TEST_F(SipServerLocatorTest, ATransportParameterAsksForItsSrvRecord) {
  client.setSrv("_sip._tcp.carrier.example", {{10, 0, 5070, "edge1.carrier.example"}});
  client.setAddresses("edge1.carrier.example", {"198.51.100.1"});
  EXPECT_EQ(describe(locate("sip:+15551230000@carrier.example;transport=tcp")),
            std::vector<std::string>{"tcp:198.51.100.1:5070@edge1.carrier.example"});
}

TEST_F(SipServerLocatorTest, NaptrOrderPicksTheTransportsThenSrvThenAddresses) {
  client.set("carrier.example", RecordType::Naptr,
             naptr({{20, 10, "s", "SIP+D2U", "", "_sip._udp.carrier.example"},
                    {10, 10, "s", "SIPS+D2T", "", "_sips._tcp.carrier.example"},
                    {10, 20, "s", "SIP+D2T", "", "_sip._tcp.carrier.example"},
                    {5, 10, "s", "SIP+D2S", "", "_sip._sctp.carrier.example"}}));
  client.setSrv("_sips._tcp.carrier.example", {{10, 0, 5061, "tls.carrier.example"}});
  client.setSrv("_sip._tcp.carrier.example", {{10, 0, 5060, "tcp.carrier.example"}});
  client.setSrv("_sip._udp.carrier.example", {{10, 0, 5060, "udp.carrier.example"}});
  client.setAddresses("tls.carrier.example", {"198.51.100.3"});
  client.setAddresses("tcp.carrier.example", {"198.51.100.2"});
  client.setAddresses("udp.carrier.example", {"198.51.100.1"});
  EXPECT_EQ(describe(locate("sip:carrier.example")),
            (std::vector<std::string>{"tls:198.51.100.3:5061@tls.carrier.example",
                                      "tcp:198.51.100.2:5060@tcp.carrier.example",
                                      "udp:198.51.100.1:5060@udp.carrier.example"}));
  // A sips: URI takes only the TLS service.
  EXPECT_EQ(describe(locate("sips:carrier.example")),
            std::vector<std::string>{"tls:198.51.100.3:5061@tls.carrier.example"});
  // Without a TLS listener, the TLS service is not asked for.
  tls = false;
  EXPECT_EQ(describe(locate("sip:carrier.example")).front(),
            "tcp:198.51.100.2:5060@tcp.carrier.example");
}

TEST_F(SipServerLocatorTest, WithoutNaptrEachTransportsSrvIsAsked) {
  client.setSrv("_sip._tcp.pbx.example", {{10, 0, 5060, "pbx.example"}});
  client.setAddresses("pbx.example", {"192.0.2.7"});
  EXPECT_EQ(describe(locate("sip:pbx.example")),
            std::vector<std::string>{"tcp:192.0.2.7:5060@pbx.example"});
}

TEST_F(SipServerLocatorTest, WithoutSrvTheHostsAddressesOnTheDefaultPort) {
  client.setAddresses("pbx.example", {"192.0.2.7"});
  EXPECT_EQ(describe(locate("sip:pbx.example")),
            std::vector<std::string>{"udp:192.0.2.7:5060@pbx.example"});
  EXPECT_EQ(describe(locate("sips:pbx.example")),
            std::vector<std::string>{"tls:192.0.2.7:5061@pbx.example"});
}

TEST_F(SipServerLocatorTest, SrvPriorityFirstThenWeight) {
  client.setSrv("_sip._udp.carrier.example", {{20, 0, 5060, "backup.carrier.example"},
                                              {10, 10, 5060, "a.carrier.example"},
                                              {10, 90, 5060, "b.carrier.example"}});
  client.setAddresses("a.carrier.example", {"198.51.100.1"});
  client.setAddresses("b.carrier.example", {"198.51.100.2"});
  client.setAddresses("backup.carrier.example", {"198.51.100.9"});
  // The random number picks along the running sums 10, 100: 5 is a, 50 is b.
  nextRandom = 5;
  EXPECT_EQ(describe(locate("sip:carrier.example;transport=udp")),
            (std::vector<std::string>{"udp:198.51.100.1:5060@a.carrier.example",
                                      "udp:198.51.100.2:5060@b.carrier.example",
                                      "udp:198.51.100.9:5060@backup.carrier.example"}));
  nextRandom = 50;
  EXPECT_EQ(describe(locate("sip:carrier.example;transport=udp")).front(),
            "udp:198.51.100.2:5060@b.carrier.example");
}

TEST_F(SipServerLocatorTest, ANameThatDoesNotExistIsNotFound) {
  const auto location = locate("sip:nowhere.example");
  EXPECT_TRUE(location.destinations.empty());
  EXPECT_EQ(location.failure, SipServerLocator::Location::Failure::NotFound);
}

TEST_F(SipServerLocatorTest, FailingServersMakeItUnavailable) {
  const DnsAnswer failed{DnsAnswer::Status::Failed, 0, {}, {}, {}, "timeout"};
  client.set("pbx.example", RecordType::A, failed);
  client.set("pbx.example", RecordType::Aaaa, failed);
  const auto location = locate("sip:pbx.example:5060");
  EXPECT_EQ(location.failure, SipServerLocator::Location::Failure::Unavailable);
  EXPECT_NE(location.error.find("timeout"), std::string::npos) << location.error;
}

TEST_F(SipServerLocatorTest, InvalidNamesAreNeverLookedUp) {
  EXPECT_TRUE(locate("sip:df7jal23ls0d.invalid;transport=ws").destinations.empty());
  EXPECT_TRUE(locate("sip:abc.invalid").destinations.empty());
  EXPECT_TRUE(locate("tel:+15551230000").destinations.empty());
  EXPECT_TRUE(client.asked.empty());
}

TEST_F(SipServerLocatorTest, BlacklistedDestinationsGoLast) {
  client.setAddresses("pbx.example", {"192.0.2.1", "192.0.2.2"});
  blacklist.add({Transport::Udp, *SocketAddress::parse("192.0.2.1", 5060), {}},
                std::chrono::seconds(30));
  EXPECT_EQ(describe(locate("sip:pbx.example:5060")),
            (std::vector<std::string>{"udp:192.0.2.2:5060@pbx.example",
                                      "udp:192.0.2.1:5060@pbx.example"}));
  timers.advance(std::chrono::seconds(30));
  EXPECT_EQ(describe(locate("sip:pbx.example:5060")).front(), "udp:192.0.2.1:5060@pbx.example");
}

TEST_F(SipServerLocatorTest, CachedRecordsAnswerInsideTheCall) {
  client.setAddresses("pbx.example", {"192.0.2.1"});
  (void)locate("sip:pbx.example:5060");
  const auto uri = sip::parseUri("sip:pbx.example:5060");
  bool answered = false;
  locator.locate(*uri,
                 [&](const SipServerLocator::Location& l) { answered = !l.destinations.empty(); });
  EXPECT_TRUE(answered);
}

}  // namespace
}  // namespace rtcgate::dns
