#include "ng/NgCallStats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "ng/Bencode.hpp"

namespace rtcgate::ng {
namespace {

// Replies captured by tests/tools/capture_ng_stats.py: one RTP/AVP call, caller tag "caller-tag"
// sending 200 packets (SSRC 0x11111111, 10 sequence numbers skipped), callee "callee-tag" sending
// 100 (SSRC 0x22222222); in RTCP the callee reports 10 lost and jitter 80 (10 ms at 8 kHz) on the
// caller's stream, the caller 0 lost and jitter 40 (5 ms) on the callee's.
ng::Value golden(const std::string& name) {
  std::ifstream in(std::string(RTCGATE_SOURCE_DIR) + "/tests/unit/media/relay/golden/" + name,
                   std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto value = ng::Bencode::decode(text);
  EXPECT_TRUE(value) << name;
  return value ? std::move(*value) : ng::Value::dict();
}

TEST(NgCallStats, RtpengineQueryReply) {
  const NgCallStats stats(golden("rtpengine_query.bencode"));
  ASSERT_EQ(stats.parties().size(), 2u);
  const PartyMediaStats* caller = stats.party("caller-tag");
  const PartyMediaStats* callee = stats.party("callee-tag");
  ASSERT_NE(caller, nullptr);
  ASSERT_NE(callee, nullptr);
  EXPECT_EQ(caller->partner, "callee-tag");  // from "subscriptions"
  EXPECT_EQ(callee->partner, "caller-tag");
  // RTP only: the RTCP streams' 2-3 packets are not counted.
  EXPECT_EQ(caller->packets, 200);
  EXPECT_EQ(caller->bytes, 34400);
  EXPECT_EQ(callee->packets, 100);
  // RTPEngine files the callee's report under the callee's SSRC; it describes the caller's stream.
  EXPECT_EQ(caller->lost, 10);
  EXPECT_DOUBLE_EQ(caller->jitterMs, 10.0);
  EXPECT_DOUBLE_EQ(caller->relayMos, 4.1);
  EXPECT_NEAR(caller->lossPercent(), 100.0 * 10 / 210, 1e-9);
  EXPECT_DOUBLE_EQ(caller->mos(), 4.1);
  EXPECT_EQ(callee->lost, 0);
  EXPECT_DOUBLE_EQ(callee->jitterMs, 5.0);
  EXPECT_DOUBLE_EQ(callee->relayMos, 4.3);
  EXPECT_DOUBLE_EQ(callee->lossPercent(), 0.0);
  EXPECT_GT(stats.newestPacket(), 1700000000);
  EXPECT_EQ(stats.newestPacket(), std::max(caller->lastPacket, callee->lastPacket));
  EXPECT_EQ(stats.party("nobody"), nullptr);
  // The endpoints' own view (RTCP) and the round trip of each leg (relay <-> party).
  ASSERT_TRUE(caller->farEnd.has_value());
  EXPECT_EQ(caller->farEnd->lost, 10);
  EXPECT_DOUBLE_EQ(caller->farEnd->jitterMs, 10.0);
  ASSERT_TRUE(callee->roundTripMs.has_value());
  EXPECT_GT(*callee->roundTripMs, 0.0);
  EXPECT_LT(*callee->roundTripMs, 10.0);
  EXPECT_EQ(caller->payloadType, -1) << "rtpengine does not say";
}

// rtcgate's relay adds, per SSRC, the payload type and timestamp step it saw and what the owner's
// RTCP said: the round trip to it and its report about its partner's stream (the partner's far
// end).
TEST(NgCallStats, RtcgateCodecAndRtcpFigures) {
  const NgCallStats stats(golden("rtcgate_query.bencode"));
  const PartyMediaStats* caller = stats.party("caller-tag");
  const PartyMediaStats* callee = stats.party("callee-tag");
  ASSERT_NE(caller, nullptr);
  ASSERT_NE(callee, nullptr);
  EXPECT_EQ(caller->payloadType, 0);
  EXPECT_DOUBLE_EQ(caller->ptimeMs, 20.0);
  ASSERT_TRUE(caller->roundTripMs.has_value());
  EXPECT_GT(*caller->roundTripMs, 0.0);
  EXPECT_LT(*caller->roundTripMs, 10.0);
  ASSERT_TRUE(caller->farEnd.has_value()) << "the callee reported on the caller's stream";
  EXPECT_EQ(caller->farEnd->lost, 10);
  EXPECT_NEAR(caller->farEnd->lossPercent, 12 / 2.56, 1e-9);
  EXPECT_DOUBLE_EQ(caller->farEnd->jitterMs, 10.0);
  ASSERT_TRUE(callee->farEnd.has_value());
  EXPECT_EQ(callee->farEnd->lost, 0);
  EXPECT_DOUBLE_EQ(callee->farEnd->jitterMs, 5.0);
}

// RTPEngine 10.5 answers a delete with {"result": "ok"} alone (so the proxy queries just before
// deleting, proxy::MediaAnchor); the rtcgate relay's delete reply carries what its query does.
TEST(NgCallStats, DeleteReplies) {
  EXPECT_TRUE(NgCallStats(golden("rtpengine_delete.bencode")).parties().empty());
  const NgCallStats query(golden("rtcgate_query.bencode"));
  const NgCallStats remove(golden("rtcgate_delete.bencode"));
  for (const char* tag : {"caller-tag", "callee-tag"}) {
    ASSERT_NE(remove.party(tag), nullptr);
    EXPECT_EQ(remove.party(tag)->packets, query.party(tag)->packets);
    EXPECT_EQ(remove.party(tag)->lost, query.party(tag)->lost);
  }
}

TEST(NgCallStats, RtcgateRelayReply) {
  const NgCallStats stats(golden("rtcgate_delete.bencode"));
  const PartyMediaStats* caller = stats.party("caller-tag");
  const PartyMediaStats* callee = stats.party("callee-tag");
  ASSERT_NE(caller, nullptr);
  ASSERT_NE(callee, nullptr);
  EXPECT_EQ(caller->partner, "callee-tag");  // from "in dialogue with"
  EXPECT_EQ(caller->packets, 200);
  EXPECT_EQ(callee->packets, 100);
  // rtcgate measures on arrival and files the figures under the sender's SSRC.
  EXPECT_EQ(caller->lost, 10);
  EXPECT_EQ(callee->lost, 0);
  EXPECT_GT(caller->jitterMs, 0.0);  // the capture sends faster than real time
  EXPECT_DOUBLE_EQ(caller->relayMos, 0.0);
  EXPECT_GT(caller->mos(), 1.0);  // estimated
  EXPECT_LT(caller->mos(), callee->mos());
  EXPECT_GT(stats.newestPacket(), 1700000000);
}

// rtcgate's layout built by hand: jitter in timestamp units, "clock rate" or 8000 by default,
// numbers as strings (ng allows that), a muxed RTCP stream, a third party with no partner.
ng::Value stream(std::int64_t packets, std::int64_t ssrc, const char* kind, std::int64_t last,
                 const char* kind2 = nullptr) {
  ng::Value value = ng::Value::dict();
  value.set("last packet", ng::Value::integer(last));
  if (ssrc) value.set("SSRC", ng::Value::integer(ssrc));
  ng::Value& flags = value.set("flags", ng::Value::list());
  flags.push(kind);
  if (kind2 != nullptr) flags.push(kind2);
  ng::Value& counters = value.set("stats", ng::Value::dict());
  counters.set("packets", std::to_string(packets));
  counters.set("bytes", ng::Value::integer(packets * 172));
  return value;
}

ng::Value party(const char* partner, std::vector<ng::Value> streams, const char* codec = "") {
  ng::Value value = ng::Value::dict();
  if (*partner) value.set("in dialogue with", partner);
  ng::Value media = ng::Value::dict();
  if (*codec) media.set("codec", codec);
  ng::Value& list = media.set("streams", ng::Value::list());
  for (auto& s : streams) list.push(std::move(s));
  value.set("medias", ng::Value::list()).push(std::move(media));
  return value;
}

ng::Value ssrcEntry(std::int64_t lost, std::int64_t jitter, std::int64_t clockRate) {
  ng::Value value = ng::Value::dict();
  value.set("cumulative loss", ng::Value::integer(lost));
  value.set("jitter", ng::Value::integer(jitter));
  if (clockRate) value.set("clock rate", ng::Value::integer(clockRate));
  return value;
}

TEST(NgCallStats, RtcgateLayoutByHand) {
  ng::Value reply = ng::Value::dict();
  reply.set("result", "ok");
  ng::Value& tags = reply.set("tags", ng::Value::dict());
  tags.set("a", party("b", {stream(500, 7, "RTP", 1795000010), stream(0, 0, "RTCP", 0)}));
  tags.set("b", party("a", {stream(400, 9, "RTP", 1795000012), stream(3, 0, "RTCP", 1795000020)}));
  tags.set("c", party("", {stream(0, 0, "RTP", 0)}));
  ng::Value& ssrcs = reply.set("SSRC", ng::Value::dict());
  ssrcs.set("7", ssrcEntry(5, 160, 0));       // 8 kHz by default: 20 ms
  ssrcs.set("9", ssrcEntry(-2, 960, 48000));  // duplicates: negative loss; 20 ms at 48 kHz
  ssrcs.set("11", ssrcEntry(99, 99, 0));      // nobody's SSRC: ignored
  const NgCallStats stats(reply);
  ASSERT_EQ(stats.parties().size(), 3u);
  const auto* a = stats.party("a");
  const auto* b = stats.party("b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->packets, 500);
  EXPECT_EQ(a->lost, 5);
  EXPECT_DOUBLE_EQ(a->jitterMs, 20.0);
  EXPECT_NEAR(a->lossPercent(), 100.0 * 5 / 505, 1e-9);
  EXPECT_EQ(b->packets, 400);  // RTCP stream's 3 not counted
  EXPECT_EQ(b->lost, -2);
  EXPECT_DOUBLE_EQ(b->lossPercent(), 0.0);
  EXPECT_DOUBLE_EQ(b->jitterMs, 20.0);
  EXPECT_EQ(stats.party("c")->packets, 0);
  EXPECT_DOUBLE_EQ(stats.party("c")->mos(), 0.0);
  EXPECT_EQ(stats.newestPacket(), 1795000020);
}

TEST(NgCallStats, ToleratesMissingAndOddValues) {
  EXPECT_TRUE(NgCallStats(ng::Value::dict()).parties().empty());
  EXPECT_EQ(NgCallStats(ng::Value("not a dict")).newestPacket(), 0);
  ng::Value reply = ng::Value::dict();
  ng::Value& tags = reply.set("tags", ng::Value::dict());
  tags.set("x", "a string where a dict belongs");
  ng::Value& y = tags.set("y", ng::Value::dict());
  y.set("medias", "not a list");
  reply.set("SSRC", ng::Value::list());
  const NgCallStats stats(reply);
  ASSERT_EQ(stats.parties().size(), 1u);
  EXPECT_EQ(stats.party("y")->packets, 0);
}

// RTPEngine's per-SSRC entries in a reply without partner information: a two-party call pairs
// its parties; in a three-party (forked) call an entry without a partner is dropped.
TEST(NgCallStats, RtpengineEntryNeedsAPartner) {
  ng::Value reply = ng::Value::dict();
  ng::Value& tags = reply.set("tags", ng::Value::dict());
  tags.set("a", party("", {stream(100, 7, "RTP", 1)}, "opus/48000"));
  tags.set("b", party("", {stream(100, 9, "RTP", 1)}, "PCMU/8000"));
  ng::Value entry = ng::Value::dict();
  entry.set("cumulative loss", ng::Value::integer(4));
  ng::Value& average = entry.set("average MOS", ng::Value::dict());
  average.set("MOS", ng::Value::integer(39));
  average.set("jitter", ng::Value::integer(12));
  reply.set("SSRC", ng::Value::dict()).set("7", entry);
  const NgCallStats pair(reply);
  EXPECT_EQ(pair.party("b")->lost, 4);  // a's report, about b's stream
  EXPECT_DOUBLE_EQ(pair.party("b")->jitterMs, 12.0);
  EXPECT_DOUBLE_EQ(pair.party("b")->mos(), 3.9);
  EXPECT_EQ(pair.party("a")->lost, 0);

  reply.find("tags")->set("c", party("", {stream(1, 13, "RTP", 1)}));
  const NgCallStats forked(reply);
  EXPECT_EQ(forked.party("b")->lost, 0);
  EXPECT_EQ(forked.party("a")->lost, 0);
}

// A browser leg through RTPEngine 10.5 (seen in tests/e2e/test_gateway_calls.py): with rtcp-mux
// the RTP stream is flagged "RTP" and "RTCP", the unused RTCP port "RTCP" and "fallback RTCP".
TEST(NgCallStats, RtpengineMuxedStreamIsCounted) {
  ng::Value reply = ng::Value::dict();
  ng::Value& tags = reply.set("tags", ng::Value::dict());
  tags.set("browser", party("phone", {stream(301, 7, "RTP", 5, "RTCP"),
                                      stream(0, 7, "RTCP", 0, "fallback RTCP")}));
  tags.set("phone", party("browser", {stream(299, 9, "RTP", 5), stream(4, 0, "RTCP", 6)}));
  const NgCallStats stats(reply);
  EXPECT_EQ(stats.party("browser")->packets, 301);
  EXPECT_EQ(stats.party("phone")->packets, 299);
}

}  // namespace
}  // namespace rtcgate::ng
