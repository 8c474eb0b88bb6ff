#include "dns/DnsCache.hpp"

#include <gtest/gtest.h>

#include "fakes/FakeDnsClient.hpp"
#include "fakes/FakeTimers.hpp"

namespace rtcgate::dns {
namespace {

using testing::FakeDnsClient;
using testing::FakeTimers;

struct Lookup {
  int calls = 0;
  DnsAnswer last;
  DnsCache::Callback callback() {
    return [this](const DnsAnswer& answer) {
      ++calls;
      last = answer;
    };
  }
};

class DnsCacheTest : public ::testing::Test {
 protected:
  FakeTimers timers;
  FakeDnsClient client;
  DnsCache cache{client, timers, DnsCache::Options{}};
};

TEST_F(DnsCacheTest, AnswersFromTheCacheUntilTheTtlRunsOut) {
  client.setAddresses("pbx.example", {"192.0.2.1"}, 60);
  Lookup first;
  cache.lookup("pbx.example", RecordType::A, first.callback());
  EXPECT_EQ(first.calls, 0);  // never inside the call when it has to ask
  client.flush();
  ASSERT_EQ(first.calls, 1);
  EXPECT_EQ(first.last.addresses.at(0).host(), "192.0.2.1");

  timers.advance(std::chrono::seconds(59));
  Lookup cached;
  cache.lookup("PBX.example.", RecordType::A, cached.callback());  // case and root dot ignored
  EXPECT_EQ(cached.calls, 1);
  EXPECT_EQ(client.asked.size(), 1u);

  timers.advance(std::chrono::seconds(1));
  Lookup refreshed;
  cache.lookup("pbx.example", RecordType::A, refreshed.callback());
  EXPECT_EQ(refreshed.calls, 0);
  EXPECT_EQ(client.flush(), 1u);
  EXPECT_EQ(refreshed.calls, 1);
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(cache.stats().misses, 2u);
}

TEST_F(DnsCacheTest, OneQueryInFlightPerNameAndType) {
  client.setAddresses("pbx.example", {"192.0.2.1"});
  Lookup a, b, c;
  cache.lookup("pbx.example", RecordType::A, a.callback());
  cache.lookup("pbx.example", RecordType::A, b.callback());
  cache.lookup("pbx.example", RecordType::Aaaa, c.callback());
  EXPECT_EQ(client.asked.size(), 2u);
  client.flush();
  EXPECT_EQ(a.calls, 1);
  EXPECT_EQ(b.calls, 1);
  EXPECT_EQ(c.calls, 1);
  EXPECT_EQ(c.last.status, DnsAnswer::Status::NoName);
}

TEST_F(DnsCacheTest, NegativeAnswersLastTheirSoaTtlCappedByTheOption) {
  client.set("gone.example", RecordType::A, {DnsAnswer::Status::NoName, 10, {}, {}, {}, {}});
  client.set("long.example", RecordType::A, {DnsAnswer::Status::NoData, 86400, {}, {}, {}, {}});
  Lookup gone, long_;
  cache.lookup("gone.example", RecordType::A, gone.callback());
  cache.lookup("long.example", RecordType::A, long_.callback());
  client.flush();
  timers.advance(std::chrono::seconds(9));
  cache.lookup("gone.example", RecordType::A, gone.callback());
  EXPECT_EQ(client.asked.size(), 2u);
  timers.advance(std::chrono::seconds(1));
  cache.lookup("gone.example", RecordType::A, gone.callback());
  EXPECT_EQ(client.asked.size(), 3u);
  timers.advance(std::chrono::seconds(20));  // 30 s: the cap
  cache.lookup("long.example", RecordType::A, long_.callback());
  EXPECT_EQ(client.asked.size(), 4u);
}

TEST_F(DnsCacheTest, AFailureKeepsServingTheExpiredAnswer) {
  client.setAddresses("pbx.example", {"192.0.2.1"}, 60);
  Lookup lookup;
  cache.lookup("pbx.example", RecordType::A, lookup.callback());
  client.flush();
  timers.advance(std::chrono::seconds(120));
  client.set("pbx.example", RecordType::A, {DnsAnswer::Status::Failed, 0, {}, {}, {}, "timeout"});
  cache.lookup("pbx.example", RecordType::A, lookup.callback());
  client.flush();
  ASSERT_EQ(lookup.calls, 2);
  EXPECT_TRUE(lookup.last.ok());
  EXPECT_EQ(lookup.last.addresses.at(0).host(), "192.0.2.1");
  EXPECT_EQ(cache.stats().staleServed, 1u);
  // ...for the failure's time, then it asks again.
  cache.lookup("pbx.example", RecordType::A, lookup.callback());
  EXPECT_EQ(lookup.calls, 3);
  timers.advance(std::chrono::seconds(5));
  cache.lookup("pbx.example", RecordType::A, lookup.callback());
  EXPECT_EQ(client.pendingCount(), 1u);
}

TEST_F(DnsCacheTest, AFailureWithNothingStaleIsRememberedBriefly) {
  client.set("pbx.example", RecordType::A, {DnsAnswer::Status::Failed, 0, {}, {}, {}, "timeout"});
  Lookup lookup;
  cache.lookup("pbx.example", RecordType::A, lookup.callback());
  client.flush();
  EXPECT_EQ(lookup.last.status, DnsAnswer::Status::Failed);
  cache.lookup("pbx.example", RecordType::A, lookup.callback());
  EXPECT_EQ(client.asked.size(), 1u);
  timers.advance(std::chrono::seconds(5));
  cache.lookup("pbx.example", RecordType::A, lookup.callback());
  EXPECT_EQ(client.asked.size(), 2u);
}

TEST(DnsCacheLimits, AFullCacheDropsWhatExpiresFirst) {
  FakeTimers timers;
  FakeDnsClient client;
  DnsCache::Options options;
  options.maxEntries = 2;
  DnsCache cache(client, timers, options);
  client.setAddresses("a.example", {"192.0.2.1"}, 10);
  client.setAddresses("b.example", {"192.0.2.2"}, 100);
  client.setAddresses("c.example", {"192.0.2.3"}, 100);
  Lookup lookup;
  for (const auto* name : {"a.example", "b.example", "c.example"}) {
    cache.lookup(name, RecordType::A, lookup.callback());
    client.flush();
  }
  EXPECT_EQ(cache.stats().entries, 2u);
  const auto asked = client.asked.size();
  cache.lookup("b.example", RecordType::A, lookup.callback());
  cache.lookup("c.example", RecordType::A, lookup.callback());
  EXPECT_EQ(client.asked.size(), asked);
  cache.lookup("a.example", RecordType::A, lookup.callback());
  EXPECT_EQ(client.asked.size(), asked + 1);
}

}  // namespace
}  // namespace rtcgate::dns
