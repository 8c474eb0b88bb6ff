#include "proxy/LocationService.hpp"

#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <filesystem>

#include "store/SqliteStore.hpp"

namespace rtcgate::proxy {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const WallSeconds kNow{std::chrono::seconds(1'800'000'000)};

sip::Flow flow(sip::Transport transport, std::uint64_t connectionId, std::uint16_t port = 50000) {
  sip::Flow f;
  f.transport = transport;
  f.local = *SocketAddress::parse("127.0.0.1", 5060);
  f.remote = *SocketAddress::parse("2001:db8::7", port);
  f.connectionId = connectionId;
  return f;
}

Binding binding(std::string contact, std::uint16_t q, WallSeconds expiresAt,
                sip::Flow via = flow(sip::Transport::Udp, 0)) {
  Binding b;
  b.key = Binding::keyFor(contact, "", 0);
  b.contact = std::move(contact);
  b.q = q;
  b.expiresAt = expiresAt;
  b.registeredAt = expiresAt - 3600s;
  b.callId = "call-1";
  b.cseq = 1;
  b.flow = via;
  return b;
}

class LocationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/rtcgate-location-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    store_ = openStore();
    ASSERT_TRUE(store_);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  std::unique_ptr<store::SqliteStore> openStore() {
    std::string error;
    auto store = store::SqliteStore::open((dir_ / "rtcgate.db").string(), error);
    EXPECT_TRUE(store) << error;
    return store;
  }

  fs::path dir_;
  std::unique_ptr<store::SqliteStore> store_;
};

TEST_F(LocationServiceTest, PersistAllWritesEveryBindingToAFreshStore) {
  LocationService location(store_.get());
  location.save("alice@example.test", binding("sip:alice@192.0.2.1", 500, kNow + 100s));
  location.save("bob@example.test", binding("sip:bob@192.0.2.9", 1000, kNow + 100s));
  ASSERT_TRUE(store_->deleteBindings("alice@example.test"));  // as if the file had been lost
  ASSERT_TRUE(store_->deleteBindings("bob@example.test"));
  location.persistAll();
  auto stored = store_->loadBindings();
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->size(), 2u);
}

TEST_F(LocationServiceTest, LookupSortsByQThenMostRecent) {
  LocationService location(store_.get());
  location.save("alice@example.test", binding("sip:alice@192.0.2.1", 500, kNow + 100s));
  location.save("alice@example.test", binding("sip:alice@192.0.2.2", 1000, kNow + 100s));
  location.save("alice@example.test", binding("sip:alice@192.0.2.3", 500, kNow + 200s));
  location.save("bob@example.test", binding("sip:bob@192.0.2.9", 1000, kNow + 100s));
  const auto found = location.lookup("alice@example.test", kNow);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].contact, "sip:alice@192.0.2.2");
  EXPECT_EQ(found[1].contact, "sip:alice@192.0.2.3");  // same q, registered later
  EXPECT_EQ(found[2].contact, "sip:alice@192.0.2.1");
  EXPECT_EQ(location.bindingCount(), 4u);
  EXPECT_EQ(location.aorCount(), 2u);
  EXPECT_TRUE(location.lookup("carol@example.test", kNow).empty());
}

TEST_F(LocationServiceTest, SaveSameKeyReplacesAndExpiredAreNotReturned) {
  LocationService location(store_.get());
  location.save("alice@example.test", binding("sip:alice@192.0.2.1", 1000, kNow + 10s));
  auto refreshed = binding("sip:alice@192.0.2.1", 1000, kNow + 3600s);
  refreshed.cseq = 2;
  location.save("alice@example.test", refreshed);
  EXPECT_EQ(location.bindingCount(), 1u);
  ASSERT_EQ(location.lookup("alice@example.test", kNow + 20s).size(), 1u);
  EXPECT_EQ(location.lookup("alice@example.test", kNow)[0].cseq, 2u);
  EXPECT_TRUE(location.lookup("alice@example.test", kNow + 3600s).empty());
}

TEST_F(LocationServiceTest, RemoveWritesThrough) {
  LocationService location(store_.get());
  location.save("alice@example.test", binding("sip:alice@192.0.2.1", 1000, kNow + 100s));
  location.save("alice@example.test", binding("sip:alice@192.0.2.2", 1000, kNow + 100s));
  location.save("bob@example.test", binding("sip:bob@192.0.2.1", 1000, kNow + 100s));
  EXPECT_EQ(store_->loadBindings()->size(), 3u);
  EXPECT_TRUE(location.remove("alice@example.test", "sip:alice@192.0.2.1"));
  EXPECT_FALSE(location.remove("alice@example.test", "sip:alice@192.0.2.1"));
  EXPECT_EQ(store_->loadBindings()->size(), 2u);
  EXPECT_EQ(location.removeAll("alice@example.test"), 1u);
  EXPECT_EQ(location.aorCount(), 1u);
  ASSERT_EQ(store_->loadBindings()->size(), 1u);
  EXPECT_EQ((*store_->loadBindings())[0].aor, "bob@example.test");
  EXPECT_EQ(location.storeFailures(), 0u);
}

TEST_F(LocationServiceTest, ConnectionClosedDropsItsBindingsOnly) {
  LocationService location(store_.get());
  location.save("alice@example.test",
                binding("sip:a1@x.invalid", 1000, kNow + 100s, flow(sip::Transport::Wss, 7)));
  location.save("alice@example.test",
                binding("sip:a2@x.invalid", 1000, kNow + 100s, flow(sip::Transport::Wss, 8)));
  location.save("bob@example.test",
                binding("sip:b@x.invalid", 1000, kNow + 100s, flow(sip::Transport::Tcp, 7)));
  location.save("bob@example.test", binding("sip:b@192.0.2.5", 1000, kNow + 100s));
  EXPECT_EQ(location.onConnectionClosed(7), 2u);
  ASSERT_EQ(location.lookup("alice@example.test", kNow).size(), 1u);
  EXPECT_EQ(location.lookup("alice@example.test", kNow)[0].contact, "sip:a2@x.invalid");
  ASSERT_EQ(location.lookup("bob@example.test", kNow).size(), 1u);
  EXPECT_EQ(location.bindingCount(), 2u);
  EXPECT_EQ(store_->loadBindings()->size(), 2u);
  EXPECT_EQ(location.onConnectionClosed(7), 0u);
  EXPECT_EQ(location.onConnectionClosed(0), 0u);
}

TEST_F(LocationServiceTest, BindingMovedToNewConnectionSurvivesOldClose) {
  LocationService location(store_.get());
  location.save("alice@example.test",
                binding("sip:a@x.invalid", 1000, kNow + 100s, flow(sip::Transport::Ws, 1)));
  location.save("alice@example.test",
                binding("sip:a@x.invalid", 1000, kNow + 200s, flow(sip::Transport::Ws, 2)));
  EXPECT_EQ(location.onConnectionClosed(1), 0u);
  EXPECT_EQ(location.lookup("alice@example.test", kNow).size(), 1u);
  EXPECT_EQ(location.onConnectionClosed(2), 1u);
  EXPECT_EQ(location.aorCount(), 0u);
}

TEST_F(LocationServiceTest, ExpireSweepsMemoryAndStore) {
  LocationService location(store_.get());
  location.save("alice@example.test", binding("sip:alice@192.0.2.1", 1000, kNow + 10s));
  location.save("alice@example.test", binding("sip:alice@192.0.2.2", 1000, kNow + 100s));
  location.save("bob@example.test", binding("sip:bob@192.0.2.1", 1000, kNow + 10s));
  EXPECT_EQ(location.expire(kNow + 10s), 2u);
  EXPECT_EQ(location.bindingCount(), 1u);
  EXPECT_EQ(location.aorCount(), 1u);
  EXPECT_EQ(store_->loadBindings()->size(), 1u);
}

TEST_F(LocationServiceTest, LoadRestoresOnlyLiveUdpBindings) {
  {
    LocationService before(store_.get());
    auto udp = binding("sip:alice@192.0.2.1", 700, kNow + 100s);
    udp.path = "<sip:edge.example.test;lr>";
    udp.instance = "<urn:uuid:1>";
    udp.regId = 1;
    udp.key = Binding::keyFor(udp.contact, udp.instance, udp.regId);
    udp.userAgent = "phone/1.0";
    udp.flags = Binding::kOutbound;
    before.save("alice@example.test", udp);
    before.save("alice@example.test", binding("sip:alice@192.0.2.2", 1000, kNow - 1s));
    before.save("bob@example.test",
                binding("sip:bob@x.invalid", 1000, kNow + 100s, flow(sip::Transport::Wss, 9)));
    before.save("carol@example.test",
                binding("sip:carol@192.0.2.3", 1000, kNow + 100s, flow(sip::Transport::Tls, 4)));
  }
  store_ = openStore();  // as after a restart
  LocationService location(store_.get());
  EXPECT_EQ(location.load(kNow), 1u);
  EXPECT_EQ(location.bindingCount(), 1u);
  EXPECT_EQ(location.aorCount(), 1u);
  const auto found = location.lookup("alice@example.test", kNow);
  ASSERT_EQ(found.size(), 1u);
  const Binding& restored = found[0];
  EXPECT_EQ(restored.contact, "sip:alice@192.0.2.1");
  EXPECT_EQ(restored.q, 700);
  EXPECT_EQ(restored.expiresAt, kNow + 100s);
  EXPECT_EQ(restored.path, "<sip:edge.example.test;lr>");
  EXPECT_EQ(restored.instance, "<urn:uuid:1>");
  EXPECT_EQ(restored.regId, 1u);
  EXPECT_TRUE(restored.outbound());
  EXPECT_EQ(restored.userAgent, "phone/1.0");
  EXPECT_EQ(restored.flow.transport, sip::Transport::Udp);
  EXPECT_EQ(restored.flow.remote, *SocketAddress::parse("2001:db8::7", 50000));
  EXPECT_EQ(restored.flow.local, *SocketAddress::parse("127.0.0.1", 5060));
  // The connection-bound and expired rows are gone from the store too.
  EXPECT_EQ(store_->loadBindings()->size(), 1u);
}

// What ProxyCore::reconnectFlow does for a phone's TCP binding: a new connection to its Contact.
std::optional<sip::Flow> toContact(const Binding& b) {
  if (b.contact.find("invalid") != std::string::npos) return std::nullopt;
  return flow(sip::Transport::Tcp, 0, 5090);
}

void expectContactFlow(const sip::Flow& moved) {
  EXPECT_EQ(moved.transport, sip::Transport::Tcp);
  EXPECT_EQ(moved.connectionId, 0u);
  EXPECT_EQ(moved.remote.port(), 5090);
}

TEST_F(LocationServiceTest, ConnectionClosedMovesReachableBindingsToTheirContact) {
  LocationService location(store_.get());
  location.save("bob@example.test", binding("sip:b@192.0.2.5;transport=tcp", 1000, kNow + 100s,
                                            flow(sip::Transport::Tcp, 7)));
  location.save("carol@example.test",
                binding("sip:c@x.invalid", 1000, kNow + 100s, flow(sip::Transport::Wss, 7)));
  EXPECT_TRUE(location.carriesBindings(7));
  EXPECT_EQ(location.onConnectionClosed(7, toContact), 1u);
  EXPECT_FALSE(location.carriesBindings(7));
  const auto bob = location.lookup("bob@example.test", kNow);
  ASSERT_EQ(bob.size(), 1u);
  expectContactFlow(bob[0].flow);
  EXPECT_TRUE(location.lookup("carol@example.test", kNow).empty());
  ASSERT_EQ(store_->loadBindings()->size(), 1u);
  EXPECT_EQ((*store_->loadBindings())[0].connectionId, 0u);  // what a restart finds
}

TEST_F(LocationServiceTest, LoadReconnectsBindingsOfThePreviousProcessesConnections) {
  {
    LocationService before(store_.get());
    before.save("bob@example.test", binding("sip:b@192.0.2.5;transport=tcp", 1000, kNow + 100s,
                                            flow(sip::Transport::Tcp, 4)));
    before.save("carol@example.test",
                binding("sip:c@x.invalid", 1000, kNow + 100s, flow(sip::Transport::Wss, 9)));
  }
  store_ = openStore();
  LocationService location(store_.get());
  EXPECT_EQ(location.load(kNow, toContact), 1u);
  const auto bob = location.lookup("bob@example.test", kNow);
  ASSERT_EQ(bob.size(), 1u);
  expectContactFlow(bob[0].flow);
  EXPECT_FALSE(location.carriesBindings(4));
  EXPECT_EQ(store_->loadBindings()->size(), 1u);
}

TEST(LocationServiceMemory, TenThousandBindingsFitTheBudget) {
  // Typical browser registrations: random .invalid Contact, instance + reg-id, WSS flow.
  std::vector<std::string> aors;
  for (int i = 0; i < 10000; ++i) aors.push_back("user" + std::to_string(i) + "@example.test");
  malloc_trim(0);
  const auto before = mallinfo2().uordblks;
  {
    LocationService location(nullptr);
    for (int i = 0; i < 10000; ++i) {
      Binding b;
      b.contact = "sip:k3x9" + std::to_string(i) + "q@df7jal23ls0d.invalid;transport=ws";
      b.instance = "<urn:uuid:f81d4fae-7dec-11d0-a765-" + std::to_string(100000000000 + i) + ">";
      b.regId = 1;
      b.key = Binding::keyFor(b.contact, b.instance, b.regId);
      b.expiresAt = kNow + 600s;
      b.registeredAt = kNow;
      b.callId = "5m2r1v" + std::to_string(i) + "o7ngqjk3n4al2";
      b.cseq = 42;
      b.userAgent = "JsSIP 3.10.1";
      b.flow = flow(sip::Transport::Wss, 1000 + i);
      b.flags = Binding::kOutbound;
      location.save(aors[i], std::move(b));
    }
    const auto after = mallinfo2().uordblks;
    const double perBinding = static_cast<double>(after - before) / location.bindingCount();
    ::testing::Test::RecordProperty("heap_bytes_per_binding", std::to_string(perBinding));
    std::printf("LocationService heap per binding: %.0f bytes (10000 bindings)\n", perBinding);
    EXPECT_EQ(location.bindingCount(), 10000u);
    EXPECT_LE(perBinding, 2048.0);
  }
}

}  // namespace
}  // namespace rtcgate::proxy
