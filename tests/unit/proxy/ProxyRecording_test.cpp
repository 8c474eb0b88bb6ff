// Recording an answered call through the relay (POST/DELETE /api/v1/calls/{id}/recording): ng
// start recording with the caller's tag (its channel first), the file kept on the call for its
// status and CDR, call.recording on each start and stop, and the call's end stopping it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/proxy/ProxyMediaHarness.hpp"

namespace rtcgate::proxy {
namespace {

class RecordingLog : public CallObserver {
 public:
  void onRecording(const Dialog&, const RecordingChange& change) override {
    changes.push_back(change);
  }
  std::vector<RecordingChange> changes;
};

class ProxyRecordingTest : public testing::ProxyMediaHarness {
 protected:
  void SetUp() override {
    ProxyMediaHarness::SetUp();
    establishBrowserToPhone();
    relay_.drainOk();
    dialogId_ = proxy_->dialogs().find("call-1")->id;
    proxy_->calls().addObserver(log_);
  }
  void replyRecording(const std::string& file, std::int64_t dropped = -1) {
    ng::Value reply = ng::Value::dict();
    reply.set("result", "ok");
    reply.set("recording-file", file);
    if (dropped >= 0) reply.set("recording-dropped", ng::Value::integer(dropped));
    auto next = std::move(relay_.pending.front());
    relay_.pending.pop_front();
    next.done(std::move(reply));
  }
  const Dialog& call() { return *proxy_->dialogs().findById(dialogId_); }

  std::uint64_t dialogId_ = 0;
  RecordingLog log_;
  std::vector<std::string> outcomes_;
  ProxyCore::RecordingDone note() {
    return [this](Result<RecordingChange, std::string> change) {
      outcomes_.push_back(change ? change->file : "error: " + change.error());
    };
  }
};

TEST_F(ProxyRecordingTest, StartAndStopGoToTheRelayAndAreReported) {
  using Refusal = ProxyCore::RecordingRefusal;
  EXPECT_EQ(proxy_->stopRecording(dialogId_, note()), Refusal::NotRecording);
  EXPECT_EQ(proxy_->startRecording(dialogId_, {.format = "pcap", .mix = "stereo"}, note()),
            Refusal::None);
  ASSERT_EQ(relay_.pending.size(), 1u);
  EXPECT_EQ(relay_.command(), "start recording");
  EXPECT_EQ(relay_.at("from-tag"), "alice1") << "the caller's channel first";
  EXPECT_EQ(relay_.at("recording-format"), "pcap");
  replyRecording("/rec/call-1.pcap");
  EXPECT_TRUE(call().recording);
  EXPECT_EQ(call().recordingFile, "/rec/call-1.pcap");
  EXPECT_EQ(proxy_->startRecording(dialogId_, {}, note()), Refusal::Already);

  EXPECT_EQ(proxy_->stopRecording(dialogId_, note()), Refusal::None);
  EXPECT_EQ(relay_.command(), "stop recording");
  replyRecording("/rec/call-1.pcap", 3);
  EXPECT_FALSE(call().recording);
  EXPECT_EQ(call().recordingFile, "/rec/call-1.pcap") << "kept for the CDR";
  ASSERT_EQ(log_.changes.size(), 2u);
  EXPECT_TRUE(log_.changes[0].started);
  EXPECT_FALSE(log_.changes[1].started);
  EXPECT_EQ(log_.changes[1].reason, "api");
  EXPECT_EQ(log_.changes[1].dropped, 3);
  EXPECT_EQ(outcomes_, (std::vector<std::string>{"/rec/call-1.pcap", "/rec/call-1.pcap"}));
  EXPECT_EQ(proxy_->startRecording(4242, {}, note()), Refusal::NoSuchCall);
}

TEST_F(ProxyRecordingTest, ARelayRefusalLeavesTheCallUnrecorded) {
  EXPECT_EQ(proxy_->startRecording(dialogId_, {}, note()), ProxyCore::RecordingRefusal::None);
  relay_.replyError();
  EXPECT_FALSE(call().recording);
  EXPECT_TRUE(log_.changes.empty());
  ASSERT_EQ(outcomes_.size(), 1u);
  EXPECT_EQ(outcomes_[0], "error: Failed to parse SDP");
}

TEST_F(ProxyRecordingTest, TheCallsEndStopsItsRecording) {
  (void)proxy_->startRecording(dialogId_, {}, note());
  replyRecording("/rec/call-1.wav");
  proxy_->hangup(dialogId_, "api-hangup");
  ASSERT_EQ(log_.changes.size(), 2u);
  EXPECT_FALSE(log_.changes[1].started);
  EXPECT_EQ(log_.changes[1].reason, "call-ended");
  EXPECT_EQ(log_.changes[1].file, "/rec/call-1.wav");
}

}  // namespace
}  // namespace rtcgate::proxy
