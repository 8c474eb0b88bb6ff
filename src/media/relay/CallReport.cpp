#include "media/relay/CallReport.hpp"

#include <string>

namespace rtcgate::media {
namespace {

ng::Value endpoint(const PeerAddress& peer) {
  ng::Value value = ng::Value::dict();
  if (!peer.valid()) return value;
  const SocketAddress address = peer.toSocketAddress();
  value.set("family", address.isV6() ? "IPv6" : "IPv4");
  value.set("address", address.host());
  value.set("port", ng::Value::integer(address.port()));
  return value;
}

ng::Value counters(std::uint64_t packets, std::uint64_t bytes, std::uint64_t errors) {
  ng::Value value = ng::Value::dict();
  value.set("packets", ng::Value::integer(static_cast<std::int64_t>(packets)));
  value.set("bytes", ng::Value::integer(static_cast<std::int64_t>(bytes)));
  value.set("errors", ng::Value::integer(static_cast<std::int64_t>(errors)));
  return value;
}

// The stream the party's RTCP arrives on: its RTCP port, or its RTP port under rtcp-mux.
const RtcpStats& rtcpOf(const CallMedia& media) {
  if (!media.rtp || (media.rtcp && media.rtcp->rtcpStats().reports() > 0)) {
    return media.rtcp->rtcpStats();
  }
  return media.rtp->rtcpStats();
}

// What the party's own RTCP said: the round trip to it, and how it receives its partner.
void addRtcp(ng::Value& entry, const RtcpStats& rtcp) {
  if (rtcp.reports() == 0) return;
  entry.set("RTCP reports", ng::Value::integer(static_cast<std::int64_t>(rtcp.reports())));
  if (rtcp.roundTripMicros() > 0) {
    entry.set("round-trip time", ng::Value::integer(rtcp.roundTripMicros()));
  }
  const RtcpReportBlock& block = rtcp.lastBlock();
  entry.set("reported loss", ng::Value::integer(block.cumulativeLost));
  entry.set("reported fraction lost", ng::Value::integer(block.fractionLost));
  entry.set("reported jitter", ng::Value::integer(block.jitter));
}

}  // namespace

std::int64_t CallReport::unixSeconds(Clock::time_point time) const {
  if (time == Clock::time_point{}) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>((time + wallOffset_).time_since_epoch())
      .count();
}

void CallReport::fill(ng::Value& reply) const {
  reply.set("created", ng::Value::integer(unixSeconds(call_.created)));
  reply.set("created_us", ng::Value::integer(std::chrono::duration_cast<std::chrono::microseconds>(
                                                 (call_.created + wallOffset_).time_since_epoch())
                                                 .count() %
                                             1000000));
  reply.set("last signal", ng::Value::integer(unixSeconds(call_.lastSignal)));
  ng::Value& tags = reply.set("tags", ng::Value::dict());
  std::uint64_t totals[2][3] = {};
  ng::Value ssrcs = ng::Value::dict();
  for (const auto& party : call_.parties) {
    if (tags.find(party->tag) == nullptr) tags.set(party->tag, this->party(*party));
    for (const CallMedia& media : party->medias) {
      for (const MediaStream* s : {media.rtp.get(), media.rtcp.get()}) {
        if (s == nullptr) continue;
        // Muxed RTCP counts with the RTP port it arrives on; the split below is by port.
        std::uint64_t* total = totals[s->isRtcp() ? 1 : 0];
        total[0] += s->stats().packets();
        total[1] += s->stats().bytes();
        total[2] += s->stats().errors();
        if (!s->stats().hasSsrc()) continue;
        ng::Value entry = ng::Value::dict();
        entry.set("bytes", ng::Value::integer(static_cast<std::int64_t>(s->stats().bytes())));
        entry.set("packets",
                  ng::Value::integer(static_cast<std::int64_t>(s->stats().rtpPackets())));
        entry.set("last RTP timestamp", ng::Value::integer(s->stats().lastTimestamp()));
        entry.set("last RTP seq", ng::Value::integer(s->stats().lastSequence()));
        entry.set("cumulative loss", ng::Value::integer(s->stats().lost()));
        entry.set("jitter", ng::Value::integer(s->stats().jitter()));
        // The jitter above is in timestamp units; readers need the rate to turn it into time.
        entry.set("clock rate", ng::Value::integer(s->clockRate));
        entry.set("payload type", ng::Value::integer(s->stats().lastPayloadType()));
        entry.set("timestamp step", ng::Value::integer(s->stats().timestampStep()));
        addRtcp(entry, rtcpOf(media));
        ssrcs.set(std::to_string(s->stats().ssrc()), std::move(entry));
      }
    }
  }
  ng::Value& total = reply.set("totals", ng::Value::dict());
  total.set("RTP", counters(totals[0][0], totals[0][1], totals[0][2]));
  total.set("RTCP", counters(totals[1][0], totals[1][1], totals[1][2]));
  reply.set("SSRC", std::move(ssrcs));
}

ng::Value CallReport::party(const Monologue& party) const {
  ng::Value value = ng::Value::dict();
  value.set("tag", party.tag);
  if (!party.label.empty()) value.set("label", party.label);
  value.set("created", ng::Value::integer(unixSeconds(party.created)));
  if (party.partner != nullptr) value.set("in dialogue with", party.partner->tag);
  if (!party.viaBranch.empty()) value.set("via-branch", party.viaBranch);
  ng::Value& medias = value.set("medias", ng::Value::list());
  for (const CallMedia& media : party.medias) medias.push(this->media(media));
  return value;
}

bool CallReport::transcoded(const Call& call) {
  for (const auto& party : call.parties) {
    for (const CallMedia& media : party->medias) {
      if (media.transcoder) return true;
    }
  }
  return false;
}

ng::Value CallReport::media(const CallMedia& media) const {
  ng::Value value = ng::Value::dict();
  value.set("index", ng::Value::integer(media.index));
  value.set("type", media.type);
  value.set("protocol", media.protocol);
  ng::Value& flags = value.set("flags", ng::Value::list());
  flags.push("initialized");
  if (media.rtcpMux) flags.push("rtcp-mux");
  if (media.transcoder) flags.push("transcoded");
  ng::Value& streams = value.set("streams", ng::Value::list());
  if (media.rtp) streams.push(stream(*media.rtp, false));
  if (media.rtcp) streams.push(stream(*media.rtcp, media.rtcpMux));
  return value;
}

ng::Value CallReport::stream(const MediaStream& stream, bool muxed) const {
  ng::Value value = ng::Value::dict();
  value.set("local port", ng::Value::integer(stream.localPort()));
  value.set("endpoint", endpoint(stream.latch().peer()));
  value.set("advertised endpoint", endpoint(stream.latch().advertised()));
  value.set("last packet", ng::Value::integer(unixSeconds(stream.stats().lastPacket())));
  if (stream.stats().hasSsrc()) value.set("SSRC", ng::Value::integer(stream.stats().ssrc()));
  ng::Value& flags = value.set("flags", ng::Value::list());
  flags.push(stream.isRtcp() ? "RTCP" : "RTP");
  if (stream.latch().peer().valid()) flags.push("filled");
  if (stream.latch().confirmed()) flags.push("confirmed");
  if (muxed) flags.push("unused (rtcp-mux)");
  // Bencode has no booleans: "true" as rtpengine writes its yes/no keys as words.
  if (stream.transcoder != nullptr) value.set("transcoded", "true");
  value.set("stats",
            counters(stream.stats().packets(), stream.stats().bytes(), stream.stats().errors()));
  return value;
}

}  // namespace rtcgate::media
