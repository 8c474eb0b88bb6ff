#include "store/SqliteStore.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

namespace rtcgate::store {
namespace {

namespace fs = std::filesystem;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/rtcgate-store-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "rtcgate.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<SqliteStore> openStore() {
    std::string error;
    auto store = SqliteStore::open(path_, error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

  static BindingRecord binding(std::string aor, std::string contact, std::int64_t expiresAt) {
    BindingRecord record;
    record.aor = std::move(aor);
    record.key = contact;
    record.contact = std::move(contact);
    record.q = 500;
    record.expiresAt = expiresAt;
    record.registeredAt = expiresAt - 3600;
    record.callId = "a84b4c76e66710@pc33.example.test";
    record.cseq = 314159;
    record.path = "<sip:edge.example.test;lr;ob>";
    record.instance = "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";
    record.regId = 2;
    record.userAgent = "JsSIP 3.10";
    record.transport = "wss";
    record.source = "[2001:db8::7]:50123";
    record.local = "127.0.0.1:8443";
    record.connectionId = 0xfedcba9876543210ull;  // above INT64_MAX: round-trips through sign
    record.flags = 3;
    return record;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(SqliteStoreTest, CreatesSchemaWithVersionAndWal) {
  auto store = openStore();
  ASSERT_TRUE(store);
  auto version = store->schemaVersion();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, SqliteStore::currentSchemaVersion());
  EXPECT_GE(*version, 1);
  EXPECT_TRUE(fs::exists(dir_ / "rtcgate.db-wal"));
}

TEST_F(SqliteStoreTest, ReopenKeepsVersionAndDoesNotRemigrate) {
  {
    auto store = openStore();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->putSubscriber({"alice", "example.test", "m", "s"}).ok());
  }
  auto store = openStore();
  ASSERT_TRUE(store);
  EXPECT_EQ(*store->schemaVersion(), SqliteStore::currentSchemaVersion());
  EXPECT_EQ(store->listSubscribers()->size(), 1u);
}

TEST_F(SqliteStoreTest, RefusesNewerSchemaNamingTheFile) {
  {
    auto store = openStore();
    ASSERT_TRUE(store);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 999", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  std::string error;
  EXPECT_EQ(SqliteStore::open(path_, error), nullptr);
  EXPECT_NE(error.find(path_), std::string::npos) << error;
  EXPECT_NE(error.find("999"), std::string::npos) << error;
}

TEST_F(SqliteStoreTest, OpenFailureNamesTheFile) {
  std::string error;
  const std::string bad = (dir_ / "missing-dir" / "x.db").string();
  EXPECT_EQ(SqliteStore::open(bad, error), nullptr);
  EXPECT_NE(error.find(bad), std::string::npos) << error;
}

TEST_F(SqliteStoreTest, NotADatabaseIsRefused) {
  {
    std::FILE* f = std::fopen(path_.c_str(), "w");
    std::fputs(
        "this is not sqlite, just text padding padding padding padding padding padding padding "
        "padding padding padding",
        f);
    std::fclose(f);
  }
  std::string error;
  EXPECT_EQ(SqliteStore::open(path_, error), nullptr);
  EXPECT_NE(error.find(path_), std::string::npos) << error;
}

TEST_F(SqliteStoreTest, SubscriberCrud) {
  auto store = openStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->putSubscriber({"bob", "example.test", "md5-1", "sha-1"}).ok());
  ASSERT_TRUE(store->putSubscriber({"alice", "example.test", "md5-a", "sha-a"}).ok());
  ASSERT_TRUE(store->putSubscriber({"alice", "other.test", "md5-o", "sha-o"}).ok());

  auto found = store->findSubscriber("bob", "example.test");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->ha1Md5, "md5-1");
  EXPECT_EQ((*found)->ha1Sha256, "sha-1");
  EXPECT_FALSE(store->findSubscriber("bob", "other.test")->has_value());
  EXPECT_FALSE(store->findSubscriber("BOB", "example.test")->has_value());

  // Put again replaces (password change).
  ASSERT_TRUE(store->putSubscriber({"bob", "example.test", "md5-2", "sha-2"}).ok());
  EXPECT_EQ((*store->findSubscriber("bob", "example.test"))->ha1Md5, "md5-2");

  auto all = store->listSubscribers();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].user, "alice");
  EXPECT_EQ((*all)[0].domain, "example.test");
  EXPECT_EQ((*all)[1].user, "bob");
  EXPECT_EQ((*all)[2].domain, "other.test");

  EXPECT_TRUE(*store->deleteSubscriber("bob", "example.test"));
  EXPECT_FALSE(*store->deleteSubscriber("bob", "example.test"));
  EXPECT_EQ(store->listSubscribers()->size(), 2u);
}

TEST_F(SqliteStoreTest, BindingRoundTripsEveryField) {
  auto store = openStore();
  ASSERT_TRUE(store);
  const BindingRecord record =
      binding("alice@example.test", "sip:alice@x.invalid;transport=ws", 5000);
  ASSERT_TRUE(store->saveBinding(record).ok());
  auto loaded = store->loadBindings();
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0], record);
}

TEST_F(SqliteStoreTest, SaveReplacesSameKeyDeleteAndExpire) {
  auto store = openStore();
  ASSERT_TRUE(store);
  auto first = binding("alice@example.test", "sip:alice@192.0.2.1", 1000);
  ASSERT_TRUE(store->saveBinding(first).ok());
  first.cseq = 2;
  first.expiresAt = 2000;
  ASSERT_TRUE(store->saveBinding(first).ok());  // refresh
  ASSERT_TRUE(store->saveBinding(binding("alice@example.test", "sip:alice@192.0.2.2", 3000)).ok());
  ASSERT_TRUE(store->saveBinding(binding("bob@example.test", "sip:bob@192.0.2.3", 1500)).ok());
  ASSERT_TRUE(store->saveBinding(binding("carol@example.test", "sip:carol@192.0.2.4", 100)).ok());
  ASSERT_EQ(store->loadBindings()->size(), 4u);

  auto expired = store->deleteExpired(1500);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 2);  // carol (100) and bob (1500 <= now)
  auto left = store->loadBindings();
  ASSERT_EQ(left->size(), 2u);
  for (const auto& record : *left) EXPECT_EQ(record.aor, "alice@example.test");

  ASSERT_TRUE(store->deleteBinding("alice@example.test", "sip:alice@192.0.2.1").ok());
  ASSERT_EQ(store->loadBindings()->size(), 1u);
  EXPECT_EQ((*store->loadBindings())[0].key, "sip:alice@192.0.2.2");
  ASSERT_TRUE(store->deleteBindings("alice@example.test").ok());
  EXPECT_TRUE(store->loadBindings()->empty());
}

TEST_F(SqliteStoreTest, ReopenPersistsSubscribersAndBindings) {
  const auto record = binding("alice@example.test", "sip:alice@192.0.2.1", 7000);
  {
    auto store = openStore();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->putSubscriber({"alice", "example.test", "m", "s"}).ok());
    ASSERT_TRUE(store->saveBinding(record).ok());
  }
  auto store = openStore();
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->findSubscriber("alice", "example.test")->has_value());
  ASSERT_EQ(store->loadBindings()->size(), 1u);
  EXPECT_EQ((*store->loadBindings())[0], record);
}

TEST_F(SqliteStoreTest, ARemovedFileIsNoticedAndReopenedWithWhatItHeld) {
  auto store = openStore();
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->detached());
  ASSERT_TRUE(store->putSubscriber({"alice", "example.test", "m", "s"}).ok());
  CdrRecord cdr;
  cdr.callId = "call-a";
  ASSERT_TRUE(store->saveCdr(cdr));
  ASSERT_EQ(::unlink(path_.c_str()), 0);
  EXPECT_TRUE(store->detached());
  // SQLite goes on writing to the removed file: only the salvage keeps this.
  const auto record = binding("alice@example.test", "sip:alice@192.0.2.1", 7000);
  ASSERT_TRUE(store->saveBinding(record).ok());
  std::string error;
  auto reopened = SqliteStore::reopen(std::move(store), error, {});
  ASSERT_TRUE(reopened) << error;
  EXPECT_FALSE(reopened->detached());
  EXPECT_TRUE(reopened->findSubscriber("alice", "example.test")->has_value());
  ASSERT_EQ(reopened->loadBindings()->size(), 1u);
  EXPECT_EQ((*reopened->loadBindings())[0], record);
  ASSERT_EQ(reopened->recentCdrs(10)->size(), 1u);
  EXPECT_FALSE(fs::exists(path_ + ".salvage"));
  EXPECT_EQ(fs::status(path_).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  reopened.reset();
  auto again = openStore();  // and it is a sound database on disk
  ASSERT_TRUE(again);
  EXPECT_EQ(again->loadBindings()->size(), 1u);
}

TEST_F(SqliteStoreTest, AReplacedFileIsOpenedAsItIs) {
  auto store = openStore();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->putSubscriber({"alice", "example.test", "m", "s"}).ok());
  const std::string other = (dir_ / "other.db").string();
  {
    std::string error;
    auto restored = SqliteStore::open(other, error);
    ASSERT_TRUE(restored) << error;
    ASSERT_TRUE(restored->putSubscriber({"bob", "example.test", "m", "s"}).ok());
  }
  fs::rename(other, path_);  // an operator restores a backup in its place
  EXPECT_TRUE(store->detached());
  std::string error;
  auto reopened = SqliteStore::reopen(std::move(store), error, {});
  ASSERT_TRUE(reopened) << error;
  EXPECT_TRUE(reopened->findSubscriber("bob", "example.test")->has_value());
  EXPECT_FALSE(reopened->findSubscriber("alice", "example.test")->has_value());
}

TEST_F(SqliteStoreTest, ALockedDatabaseFailsAWriteAfterTheBusyTimeoutWithSqlitesReason) {
  std::string error;
  auto store = SqliteStore::open(path_, error, {.busyTimeoutMs = 20});
  ASSERT_TRUE(store) << error;
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_FALSE(store->saveBinding(binding("alice@example.test", "sip:a@192.0.2.1", 7000)));
  EXPECT_NE(store->lastError().find("database is locked"), std::string::npos) << store->lastError();
  EXPECT_TRUE(store->findSubscriber("alice", "example.test"));  // WAL: reads go on
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE(store->saveBinding(binding("alice@example.test", "sip:a@192.0.2.1", 7000)));
}

TEST_F(SqliteStoreTest, TextWithQuotesAndNulSafe) {
  auto store = openStore();
  ASSERT_TRUE(store);
  const std::string odd = std::string("o'brien\"; DROP TABLE subscribers; --") + '\0' + "x";
  ASSERT_TRUE(store->putSubscriber({odd, "example.test", "m", "s"}).ok());
  auto found = store->findSubscriber(odd, "example.test");
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->user, odd);
}

TEST_F(SqliteStoreTest, CdrsAreKeptAndListedNewestFirst) {
  auto store = openStore();
  ASSERT_TRUE(store);
  CdrRecord first;
  first.callId = "call-a";
  first.from = "sip:alice@localhost";
  first.to = "sip:bob@localhost";
  first.sourceTransport = "wss";
  first.destinationTransport = "udp";
  first.start = 1000;
  first.answer = 1002;
  first.end = 1062;
  first.duration = 60;
  first.endReason = "caller-bye";
  first.sipCode = 200;
  first.mediaJson = R"({"from_caller":{"packets":3000}})";
  ASSERT_TRUE(store->saveCdr(first));
  CdrRecord second = first;
  second.callId = "call-b";
  second.answer = 0;
  second.duration = 0;
  second.endReason = "busy";
  second.sipCode = 486;
  second.mediaJson.clear();
  ASSERT_TRUE(store->saveCdr(second));
  auto listed = store->recentCdrs(10);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].callId, "call-b");
  first.id = (*listed)[1].id;
  EXPECT_EQ((*listed)[1], first);
  EXPECT_EQ(store->recentCdrs(1)->size(), 1u);
}

}  // namespace
}  // namespace rtcgate::store
