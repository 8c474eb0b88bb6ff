#include "store/ResilientStore.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "fakes/FakeStore.hpp"
#include "fakes/FakeTimers.hpp"

namespace rtcgate::store {
namespace {

using testing::FakeStore;
using testing::FakeTimers;

class ResilientStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { make({}); }

  void make(ResilientStoreOptions options) {
    store_.reset();
    auto backend = std::make_unique<FakeStore>();
    fake_ = backend.get();
    store_ = std::make_unique<ResilientStore>(
        std::move(backend),
        [this](std::unique_ptr<Store> old, std::string& error) -> std::unique_ptr<Store> {
          ++reopenCalls_;
          hadOld_ = old != nullptr;
          if (refuseReopen_) {
            error = "unable to open database file";
            return nullptr;
          }
          auto next = std::make_unique<FakeStore>();
          fake_ = next.get();
          return next;
        },
        timers_, options);
  }

  static BindingRecord binding(std::string aor, std::string key, std::string contact = "c") {
    BindingRecord record;
    record.aor = std::move(aor);
    record.key = std::move(key);
    record.contact = std::move(contact);
    record.expiresAt = 2000000000;
    return record;
  }
  static CdrRecord cdr(std::string callId) {
    CdrRecord record;
    record.callId = std::move(callId);
    return record;
  }

  FakeTimers timers_;
  FakeStore* fake_ = nullptr;
  std::unique_ptr<ResilientStore> store_;
  int reopenCalls_ = 0;
  bool hadOld_ = false;
  bool refuseReopen_ = false;
};

TEST_F(ResilientStoreTest, WritesGoStraightThroughWhileTheStoreWorks) {
  EXPECT_TRUE(store_->saveBinding(binding("alice@x", "k1")));
  EXPECT_TRUE(store_->saveCdr(cdr("call-1")));
  EXPECT_EQ(fake_->log, (std::vector<std::string>{"save alice@x k1", "cdr call-1"}));
  EXPECT_EQ(store_->pendingWrites(), 0u);
  EXPECT_FALSE(store_->degraded());
}

TEST_F(ResilientStoreTest, RefusedWritesAreQueuedThenCaughtUpInOrder) {
  fake_->failing = true;
  EXPECT_TRUE(store_->saveBinding(binding("alice@x", "k1")));  // ok to the caller all the same
  EXPECT_TRUE(store_->saveCdr(cdr("call-1")));
  EXPECT_TRUE(store_->deleteBinding("bob@x", "k2"));
  EXPECT_EQ(store_->pendingWrites(), 3u);
  EXPECT_TRUE(store_->degraded());
  EXPECT_EQ(store_->errors(StoreOp::SaveBinding), 1u);  // the first; the others queue behind it
  EXPECT_NE(store_->healthReason().find("3 writes waiting"), std::string::npos);
  EXPECT_NE(store_->healthReason().find("/fake/rtcgate.db: database is locked"), std::string::npos);

  timers_.advance(std::chrono::seconds(1));  // still refused: nothing lost, retried later
  EXPECT_EQ(store_->pendingWrites(), 3u);
  EXPECT_EQ(store_->errors(StoreOp::SaveBinding), 2u);

  fake_->failing = false;
  timers_.advance(std::chrono::seconds(1));
  EXPECT_EQ(fake_->log,
            (std::vector<std::string>{"save alice@x k1", "cdr call-1", "delete bob@x k2"}));
  EXPECT_EQ(store_->pendingWrites(), 0u);
  EXPECT_EQ(store_->caughtUp(), 3u);
  EXPECT_FALSE(store_->degraded());
}

TEST_F(ResilientStoreTest, NewWritesWaitBehindQueuedOnes) {
  fake_->failing = true;
  EXPECT_TRUE(store_->saveBinding(binding("alice@x", "k1")));
  EXPECT_TRUE(store_->saveCdr(cdr("call-1")));
  fake_->failing = false;  // back, but the queue has not been written yet
  EXPECT_TRUE(store_->saveCdr(cdr("call-2")));
  EXPECT_TRUE(fake_->log.empty());
  timers_.advance(std::chrono::seconds(1));
  EXPECT_EQ(fake_->log, (std::vector<std::string>{"save alice@x k1", "cdr call-1", "cdr call-2"}));
}

TEST_F(ResilientStoreTest, ABindingTakesOneSlotWhateverItsNumberOfWrites) {
  fake_->failing = true;
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(store_->saveBinding(binding("alice@x", "k1", std::to_string(i))));
  EXPECT_TRUE(store_->saveBinding(binding("bob@x", "k1")));
  EXPECT_EQ(store_->pendingWrites(), 2u);
  EXPECT_TRUE(store_->deleteBinding("alice@x", "k1"));  // the newest write of a binding wins
  EXPECT_EQ(store_->pendingWrites(), 2u);
  fake_->failing = false;
  timers_.advance(std::chrono::seconds(1));
  EXPECT_EQ(fake_->log, (std::vector<std::string>{"save bob@x k1", "delete alice@x k1"}));
}

TEST_F(ResilientStoreTest, TheQueueIsBoundedAndDropsTheOldest) {
  make({.maxPending = 3});
  fake_->failing = true;
  for (int i = 1; i <= 5; ++i) EXPECT_TRUE(store_->saveCdr(cdr("call-" + std::to_string(i))));
  EXPECT_EQ(store_->pendingWrites(), 3u);
  EXPECT_EQ(store_->dropped(), 2u);
  fake_->failing = false;
  timers_.advance(std::chrono::seconds(1));
  EXPECT_EQ(fake_->log, (std::vector<std::string>{"cdr call-3", "cdr call-4", "cdr call-5"}));
}

TEST_F(ResilientStoreTest, DroppingTheOldestKeepsTheBindingIndexRight) {
  make({.maxPending = 2});
  fake_->failing = true;
  EXPECT_TRUE(store_->saveBinding(binding("alice@x", "k1")));
  EXPECT_TRUE(store_->saveCdr(cdr("call-1")));
  EXPECT_TRUE(store_->saveCdr(cdr("call-2")));                 // drops alice's save
  EXPECT_TRUE(store_->saveBinding(binding("alice@x", "k1")));  // queued anew, drops call-1
  EXPECT_EQ(store_->pendingWrites(), 2u);
  fake_->failing = false;
  timers_.advance(std::chrono::seconds(1));
  EXPECT_EQ(fake_->log, (std::vector<std::string>{"cdr call-2", "save alice@x k1"}));
}

TEST_F(ResilientStoreTest, ALongBacklogIsWrittenInSlices) {
  make({.writesPerAttempt = 2});
  fake_->failing = true;
  for (int i = 1; i <= 5; ++i) EXPECT_TRUE(store_->saveCdr(cdr("call-" + std::to_string(i))));
  fake_->failing = false;
  timers_.advance(std::chrono::seconds(1));
  EXPECT_EQ(fake_->cdrs.size(), 2u);
  EXPECT_TRUE(store_->degraded());
  timers_.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(fake_->cdrs.size(), 4u);
  timers_.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(fake_->cdrs.size(), 5u);
  EXPECT_FALSE(store_->degraded());
}

TEST_F(ResilientStoreTest, ARemovedFileIsReopenedAndMemoryWrittenAgain) {
  EXPECT_TRUE(store_->saveBinding(binding("alice@x", "k1")));
  int rewrites = 0;
  store_->onReopened([&] {
    ++rewrites;
    EXPECT_TRUE(store_->saveBinding(binding("alice@x", "k1")));  // what the location service does
  });
  fake_->isDetached = true;
  EXPECT_TRUE(
      store_->saveCdr(cdr("call-1")));  // "succeeds" into the removed file: the check catches it
  timers_.advance(std::chrono::seconds(2));
  EXPECT_EQ(reopenCalls_, 1);
  EXPECT_TRUE(hadOld_);  // the old one is handed over, to salvage what it still reads
  EXPECT_EQ(rewrites, 1);
  EXPECT_EQ(store_->reopened(), 1u);
  EXPECT_EQ(fake_->log, (std::vector<std::string>{"save alice@x k1"}));
  EXPECT_TRUE(store_->saveCdr(cdr("call-2")));
  EXPECT_EQ(fake_->log.back(), "cdr call-2");
  EXPECT_FALSE(store_->degraded());
}

TEST_F(ResilientStoreTest, AFailedReopenQueuesUntilTheNextOneWorks) {
  refuseReopen_ = true;
  fake_->isDetached = true;
  timers_.advance(std::chrono::seconds(2));
  EXPECT_EQ(store_->errors(StoreOp::Reopen), 1u);
  EXPECT_TRUE(store_->degraded());
  EXPECT_NE(store_->healthReason().find("unable to open database file"), std::string::npos);
  EXPECT_TRUE(store_->saveCdr(cdr("call-1")));
  EXPECT_FALSE(store_->recentCdrs(10));  // reads say so
  EXPECT_EQ(store_->pendingWrites(), 1u);
  refuseReopen_ = false;
  timers_.advance(std::chrono::seconds(1));
  EXPECT_FALSE(hadOld_);  // nothing left to salvage from
  EXPECT_EQ(fake_->log, (std::vector<std::string>{"cdr call-1"}));
  EXPECT_FALSE(store_->degraded());
}

TEST_F(ResilientStoreTest, ExpirySweepsWaitForQueuedWrites) {
  fake_->failing = true;
  EXPECT_TRUE(store_->saveBinding(binding("alice@x", "k1")));
  fake_->failing = false;
  auto deleted = store_->deleteExpired(3000000000);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 0);
  EXPECT_TRUE(fake_->log.empty());
}

TEST_F(ResilientStoreTest, SubscriberWritesFailToTheOperator) {
  fake_->failing = true;
  EXPECT_FALSE(store_->putSubscriber(Subscriber{"alice", "x", "h1", "h2"}));
  EXPECT_EQ(store_->errors(StoreOp::Subscriber), 1u);
  EXPECT_EQ(store_->pendingWrites(), 0u);
}

TEST_F(ResilientStoreTest, ErrorsAreLoggedOncePerIntervalWithTheFileAndTheReason) {
  std::ostringstream lines;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_st>(lines)));
  fake_->failing = true;
  EXPECT_TRUE(store_->saveBinding(binding("alice@x", "k1")));
  for (int i = 0; i < 5; ++i) timers_.advance(std::chrono::seconds(1));  // 5 retries fail
  const auto early = lines.str();
  timers_.advance(std::chrono::seconds(5));  // 10 s after the first line
  const auto later = lines.str();
  spdlog::set_default_logger(previous);
  auto count = [](const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(early, "failed on /fake/rtcgate.db: database is locked"), 1u) << early;
  EXPECT_EQ(count(later, "failed on /fake/rtcgate.db: database is locked"), 2u) << later;
  EXPECT_NE(later.find("9 more failures since the last report"), std::string::npos) << later;
}

TEST_F(ResilientStoreTest, WhatWaitsIsWrittenAtShutdownWhenItCanBe) {
  std::vector<std::string> written;
  fake_->alsoLog = &written;
  fake_->failing = true;
  EXPECT_TRUE(store_->saveCdr(cdr("call-1")));
  fake_->failing = false;
  EXPECT_TRUE(written.empty());
  store_.reset();  // before the retry timer fires
  EXPECT_EQ(written, (std::vector<std::string>{"cdr call-1"}));
}

}  // namespace
}  // namespace rtcgate::store
