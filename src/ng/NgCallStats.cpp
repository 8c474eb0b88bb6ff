#include "ng/NgCallStats.hpp"

#include <algorithm>
#include <charconv>

namespace rtcgate::ng {
namespace {

std::int64_t integerAt(const ng::Value& dict, std::string_view key) {
  const ng::Value* value = dict.find(key);
  if (value == nullptr) return 0;
  const auto number = value->number();
  return number ? *number : 0;
}

bool hasFlag(const ng::Value& item, std::string_view flag) {
  const ng::Value* flags = item.find("flags");
  if (flags == nullptr || !flags->isList()) return false;
  return std::any_of(flags->items().begin(), flags->items().end(),
                     [flag](const ng::Value& f) { return f.isString() && f.str() == flag; });
}

// "PCMU/8000" (RTPEngine's media "codec") -> 8000; 0 when there is no rate.
std::int64_t codecClockRate(std::string_view codec) {
  const auto slash = codec.find('/');
  if (slash == std::string_view::npos) return 0;
  codec.remove_prefix(slash + 1);
  std::int64_t rate = 0;
  std::from_chars(codec.data(), codec.data() + codec.size(), rate);
  return rate;
}

std::string ssrcKey(const ng::Value& ssrc) {
  if (ssrc.isString()) return ssrc.str();
  return std::to_string(ssrc.integerValue());
}

// ITU-T G.107 E-model, simplified for G.711 with packet-loss concealment: an estimate, good
// enough to tell a clean call from a broken one.
double estimateMos(double lossPercent, double jitterMs) {
  const double delay = 20.0 + 2.0 * jitterMs;  // packetisation plus a jitter buffer of 2x
  double r = 93.2 - (delay > 177.3 ? 0.024 * delay + 0.11 * (delay - 177.3) : 0.024 * delay);
  r -= 95.0 * lossPercent / (lossPercent + 25.1);
  r = std::clamp(r, 0.0, 100.0);
  return 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r);
}

}  // namespace

double PartyMediaStats::lossPercent() const {
  const auto expected = packets + lost;
  return expected > 0 && lost > 0
             ? 100.0 * static_cast<double>(lost) / static_cast<double>(expected)
             : 0.0;
}

double PartyMediaStats::mos() const {
  if (relayMos > 0) return relayMos;
  return packets > 0 ? estimateMos(lossPercent(), jitterMs) : 0.0;
}

NgCallStats::NgCallStats(const ng::Value& reply) {
  if (const ng::Value* tags = reply.find("tags"); tags != nullptr && tags->isDict()) {
    for (std::size_t i = 0; i < tags->size(); ++i) readParty(tags->keys()[i], tags->items()[i]);
  }
  // Without a partner named, a two-party call pairs its two parties.
  if (parties_.size() == 2) {
    if (parties_[0].partner.empty()) parties_[0].partner = parties_[1].tag;
    if (parties_[1].partner.empty()) parties_[1].partner = parties_[0].tag;
  }
  if (const ng::Value* ssrcs = reply.find("SSRC"); ssrcs != nullptr && ssrcs->isDict()) {
    readSsrcEntries(*ssrcs);
  }
}

PartyMediaStats* NgCallStats::find(std::string_view tag) {
  for (auto& party : parties_) {
    if (party.tag == tag) return &party;
  }
  return nullptr;
}

const PartyMediaStats* NgCallStats::party(std::string_view tag) const {
  for (const auto& party : parties_) {
    if (party.tag == tag) return &party;
  }
  return nullptr;
}

std::int64_t NgCallStats::newestPacket() const {
  std::int64_t newest = 0;
  for (const auto& party : parties_) newest = std::max(newest, party.lastPacket);
  return newest;
}

void NgCallStats::readParty(const std::string& tag, const ng::Value& party) {
  if (!party.isDict()) return;
  PartyMediaStats stats;
  stats.tag = tag;
  // rtcgate and older RTPEngine say "in dialogue with"; RTPEngine 10.5 lists subscriptions.
  stats.partner = std::string(party.stringAt("in dialogue with"));
  if (const ng::Value* subscriptions = party.find("subscriptions");
      stats.partner.empty() && subscriptions != nullptr && subscriptions->isList() &&
      !subscriptions->items().empty()) {
    stats.partner = std::string(subscriptions->items().front().stringAt("tag"));
  }
  const std::size_t index = parties_.size();
  if (const ng::Value* medias = party.find("medias"); medias != nullptr && medias->isList()) {
    for (const auto& media : medias->items()) {
      const std::int64_t clockRate = codecClockRate(media.stringAt("codec"));
      const ng::Value* streams = media.find("streams");
      if (streams == nullptr || !streams->isList()) continue;
      for (const auto& stream : streams->items()) {
        stats.lastPacket = std::max(stats.lastPacket, integerAt(stream, "last packet"));
        // RTPEngine flags a muxed RTP stream "RTP" and "RTCP"; the separate RTCP port is "RTCP"
        // alone. Muxed RTCP packets are counted with the RTP ones: the reply cannot tell them
        // apart.
        if (hasFlag(stream, "RTP") || !hasFlag(stream, "RTCP")) {
          if (const ng::Value* counters = stream.find("stats")) {
            stats.packets += integerAt(*counters, "packets");
            stats.bytes += integerAt(*counters, "bytes");
            stats.errors += integerAt(*counters, "errors");
          }
        }
        if (const ng::Value* ssrc = stream.find("SSRC")) {
          auto key = ssrcKey(*ssrc);
          const bool known = std::any_of(owners_.begin(), owners_.end(),
                                         [&](const SsrcOwner& o) { return o.ssrc == key; });
          if (!known) owners_.push_back({std::move(key), index, clockRate});
        }
      }
    }
  }
  parties_.push_back(std::move(stats));
}

void NgCallStats::readSsrcEntries(const ng::Value& ssrcs) {
  for (std::size_t i = 0; i < ssrcs.size(); ++i) {
    const ng::Value& entry = ssrcs.items()[i];
    const auto owner = std::find_if(owners_.begin(), owners_.end(),
                                    [&](const SsrcOwner& o) { return o.ssrc == ssrcs.keys()[i]; });
    if (owner == owners_.end() || !entry.isDict()) continue;
    const ng::Value* average = entry.find("average MOS");
    PartyMediaStats* sender = &parties_[owner->party];
    double jitterMs = 0;
    if (average != nullptr) {
      // RTPEngine: the owner's receiver report, about what its partner sent, and the round trip
      // between the relay and the owner ("leg"; "round-trip time" adds the partner's leg).
      if (average->find("round-trip time leg") != nullptr) {
        sender->roundTripMs =
            static_cast<double>(integerAt(*average, "round-trip time leg")) / 1000.0;
      }
      sender = find(sender->partner);
      if (sender == nullptr) continue;
      jitterMs = static_cast<double>(integerAt(*average, "jitter"));
      sender->farEnd =
          FarEndReport{integerAt(entry, "cumulative loss"),
                       static_cast<double>(integerAt(*average, "packet loss")), jitterMs};
      const double mos = static_cast<double>(integerAt(*average, "MOS")) / 10.0;
      if (mos > 0) sender->relayMos = sender->relayMos > 0 ? std::min(sender->relayMos, mos) : mos;
    } else {
      std::int64_t clockRate = integerAt(entry, "clock rate");
      if (clockRate <= 0) clockRate = owner->clockRate > 0 ? owner->clockRate : 8000;
      jitterMs =
          static_cast<double>(integerAt(entry, "jitter")) * 1000.0 / static_cast<double>(clockRate);
      readOwnEntry(*sender, entry, clockRate);
    }
    sender->lost += integerAt(entry, "cumulative loss");
    sender->jitterMs = std::max(sender->jitterMs, jitterMs);
  }
}

// rtcgate's relay: the codec and packetisation the owner sends with, and what its RTCP said: the
// round trip to it, and its report of how it receives its partner (the partner's far end).
void NgCallStats::readOwnEntry(PartyMediaStats& sender, const ng::Value& entry,
                               std::int64_t clockRate) {
  const auto rate = static_cast<double>(clockRate);
  if (entry.find("payload type") != nullptr && integerAt(entry, "packets") > 0) {
    sender.payloadType = static_cast<int>(integerAt(entry, "payload type"));
  }
  sender.ptimeMs = static_cast<double>(integerAt(entry, "timestamp step")) * 1000.0 / rate;
  if (entry.find("round-trip time") != nullptr) {
    sender.roundTripMs = static_cast<double>(integerAt(entry, "round-trip time")) / 1000.0;
  }
  PartyMediaStats* partner = find(sender.partner);
  if (partner == nullptr || entry.find("RTCP reports") == nullptr) return;
  FarEndReport report;
  report.lost = integerAt(entry, "reported loss");
  report.lossPercent = static_cast<double>(integerAt(entry, "reported fraction lost")) / 2.56;
  report.jitterMs = static_cast<double>(integerAt(entry, "reported jitter")) * 1000.0 / rate;
  partner->farEnd = report;
}

}  // namespace rtcgate::ng
