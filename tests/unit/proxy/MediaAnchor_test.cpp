#include "proxy/MediaAnchor.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <vector>

#include "ng/Bencode.hpp"

namespace rtcgate::proxy {
namespace {

// Records requests; the test answers them in order.
class ScriptedRelay : public mediacontrol::MediaControl {
 public:
  explicit ScriptedRelay(bool deleteHasStatistics) : deleteHasStatistics_(deleteHasStatistics) {}
  bool deleteReplyHasStatistics() const override { return deleteHasStatistics_; }
  void request(ng::Value request, Callback done) override {
    pending.push_back({std::move(request), std::move(done)});
  }
  std::string command() const { return std::string(pending.front().first.stringAt("command")); }
  void reply(ng::Value value) {
    auto next = std::move(pending.front());
    pending.pop_front();
    next.second(std::move(value));
  }
  void fail(mediacontrol::RelayError error) {
    auto next = std::move(pending.front());
    pending.pop_front();
    next.second(std::move(error));
  }
  std::deque<std::pair<ng::Value, Callback>> pending;

 private:
  bool deleteHasStatistics_;
};

ng::Value ok(const char* marker = nullptr) {
  ng::Value value = ng::Value::dict();
  value.set("result", "ok");
  if (marker != nullptr) value.set("tags", ng::Value::dict()).set(marker, ng::Value::dict());
  return value;
}

TEST(MediaAnchor, QueriesBeforeDeletingWhenTheDeleteReplyHasNoStatistics) {
  ScriptedRelay relay(false);  // RTPEngine behind ng
  MediaAnchor anchor(relay);
  std::optional<ng::Value> report;
  anchor.remove("c1", {}, {}, [&](mediacontrol::MediaControl::Reply r) { report = std::move(*r); });
  ASSERT_EQ(relay.pending.size(), 1u);
  EXPECT_EQ(relay.command(), "query");
  relay.reply(ok("from-query"));
  ASSERT_EQ(relay.pending.size(), 1u);
  EXPECT_EQ(relay.command(), "delete");
  EXPECT_EQ(relay.pending.front().first.find("delete delay")->integerValue(), 0);
  EXPECT_FALSE(report);
  relay.reply(ok());  // {"result": "ok"} alone, as RTPEngine 10.5 answers
  ASSERT_TRUE(report);
  EXPECT_NE(report->find("tags")->find("from-query"), nullptr);
}

TEST(MediaAnchor, DeletesEvenWhenTheQueryFails) {
  ScriptedRelay relay(false);
  MediaAnchor anchor(relay);
  std::optional<ng::Value> report;
  anchor.remove("c1", {}, {}, [&](mediacontrol::MediaControl::Reply r) { report = std::move(*r); });
  ng::Value error = ng::Value::dict();
  error.set("result", "error");
  relay.reply(std::move(error));
  ASSERT_EQ(relay.pending.size(), 1u);
  EXPECT_EQ(relay.command(), "delete");
  relay.reply(ok());
  ASSERT_TRUE(report);
  EXPECT_EQ(report->find("tags"), nullptr);  // the delete's own reply
}

TEST(MediaAnchor, DeletesAtOnceOtherwise) {
  ScriptedRelay embedded(true);  // the rtcgate relay: its delete reply has the statistics
  MediaAnchor anchor(embedded);
  std::optional<ng::Value> report;
  anchor.remove("c1", {}, {}, [&](mediacontrol::MediaControl::Reply r) { report = std::move(*r); });
  ASSERT_EQ(embedded.pending.size(), 1u);
  EXPECT_EQ(embedded.command(), "delete");
  embedded.reply(ok("from-delete"));
  ASSERT_TRUE(report);
  EXPECT_NE(report->find("tags")->find("from-delete"), nullptr);

  // A forked branch, or nobody waiting for statistics: no query either.
  ScriptedRelay rtpengine(false);
  MediaAnchor other(rtpengine);
  other.remove("c2", "caller", "z9hG4bK1");
  other.remove("c2");
  ASSERT_EQ(rtpengine.pending.size(), 2u);
  EXPECT_EQ(rtpengine.command(), "delete");
  EXPECT_EQ(rtpengine.pending.back().first.stringAt("command"), "delete");
}

// The kind of failure decides the SIP status, not the words of the reason.
TEST(MediaAnchor, EachRelayFailureKindMapsToItsSipStatus) {
  using Kind = mediacontrol::RelayError::Kind;
  EXPECT_EQ(MediaAnchor::sipStatus(Kind::Refused).code, 488);
  EXPECT_EQ(MediaAnchor::sipStatus(Kind::Unreachable).code, 503);
  EXPECT_EQ(MediaAnchor::sipStatus(Kind::Timeout).code, 503);
}

TEST(MediaAnchor, AnOfferFailsWithTheKindOfWhatWentWrong) {
  using Kind = mediacontrol::RelayError::Kind;
  ScriptedRelay relay(true);
  MediaAnchor anchor(relay);
  std::vector<MediaAnchor::SdpResult> results;
  SdpExchange exchange{"c1", "a", {}, {}, "v=0", {}};
  for (int i = 0; i < 5; ++i) {
    anchor.offer(exchange, [&](MediaAnchor::SdpResult r) { results.push_back(std::move(r)); });
  }
  ng::Value error = ng::Value::dict();
  error.set("result", "error");
  error.set("error-reason", "no codec in common: the relay is not unreachable");
  relay.reply(std::move(error));
  relay.reply(ok());  // "ok" without an SDP is no use either
  relay.fail(mediacontrol::RelayError::timeout("ng request timed out: refused"));
  relay.fail(mediacontrol::RelayError::unreachable("no live media relay"));
  ng::Value answered = ok();
  answered.set("sdp", "v=0 rewritten");
  relay.reply(std::move(answered));

  ASSERT_EQ(results.size(), 5u);
  ASSERT_FALSE(results[0].ok());
  EXPECT_EQ(results[0].error().kind, Kind::Refused);
  EXPECT_EQ(results[0].error().reason, "no codec in common: the relay is not unreachable");
  ASSERT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error().kind, Kind::Refused);
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error().kind, Kind::Timeout);  // whatever its reason says
  ASSERT_FALSE(results[3].ok());
  EXPECT_EQ(results[3].error().kind, Kind::Unreachable);
  ASSERT_TRUE(results[4].ok());
  EXPECT_EQ(*results[4], "v=0 rewritten");
  EXPECT_EQ(anchor.stats().failures, 4u);
}

// The call's keys, then the media settings' keys, as rtpengine reads them, byte for byte.
TEST(MediaAnchor, AnAnswerCarriesTheCallsKeysThenTheMediaSettings) {
  ScriptedRelay relay(true);
  MediaAnchor anchor(relay);
  SdpExchange exchange{"c1", "a", "b", "z9hG4bK1", "v=0", {}};
  exchange.settings.ice = ng::IceMode::Remove;
  exchange.settings.protocol = ng::TransportProtocol::RtpSavp;
  exchange.settings.rtcpMux.demux = true;
  exchange.settings.dtlsOff = true;
  exchange.settings.replaceOrigin = true;
  anchor.answer(exchange, [](const MediaAnchor::SdpResult&) {});
  ASSERT_EQ(relay.pending.size(), 1u);
  EXPECT_EQ(ng::Bencode::encode(relay.pending.front().first),
            "d7:command6:answer7:call-id2:c18:from-tag1:a6:to-tag1:b10:via-branch8:z9hG4bK1"
            "3:sdp3:v=03:ICE6:remove18:transport-protocol8:RTP/SAVP8:rtcp-muxl5:demuxe"
            "4:DTLS3:off7:replacel6:originee");
}

}  // namespace
}  // namespace rtcgate::proxy
