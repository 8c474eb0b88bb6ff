#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ng/Value.hpp"

namespace rtcgate::ng {

// How a party's partner says it receives the party's media, in its RTCP receiver reports.
struct FarEndReport {
  std::int64_t lost = 0;   // cumulative
  double lossPercent = 0;  // of the last report's interval
  double jitterMs = 0;
};

// What one call party sent through the relay: its packets as the relay counted them and the
// quality of that direction (loss, jitter, MOS).
struct PartyMediaStats {
  std::string tag;
  std::string partner;       // the tag of the party it talks to, when the reply says
  std::int64_t packets = 0;  // RTP packets the relay received from this party (RTCP not counted)
  std::int64_t bytes = 0;
  std::int64_t errors = 0;
  std::int64_t lost = 0;        // of this party's RTP, cumulative (RFC 3550 A.3)
  double jitterMs = 0;          // interarrival jitter of this party's RTP (RFC 3550 A.8)
  double relayMos = 0;          // the relay's own MOS for this direction (1-5); 0: none reported
  std::int64_t lastPacket = 0;  // UNIX seconds of the newest packet from this party; 0: none
  // What the relay saw this party send (rtcgate's relay only): the payload type of its newest RTP
  // packet and its packetisation time; -1 / 0 when unknown.
  int payloadType = -1;
  double ptimeMs = 0;
  // From RTCP, when the parties send it (rtcgate's relay only): the round trip between the relay
  // and this party, and what its partner reported receiving from it (RFC 3550 §6.4.1).
  std::optional<double> roundTripMs;
  std::optional<FarEndReport> farEnd;

  double lossPercent() const;
  // The relay's MOS when it reported one, else an E-model estimate from loss and jitter; 0
  // without packets.
  double mos() const;
};

// The statistics in an ng `query` or `delete` reply, read once into per-party figures. Both
// layouts in use are understood:
//  - rtcgate's relay: per-SSRC entries ("SSRC": {"<ssrc>": {...}}) describe the stream that SSRC
//    sends, as the relay measured it on arrival: "cumulative loss", "jitter" in RTP timestamp
//    units at "clock rate" (8000 when absent).
//  - RTPEngine (10.5 and later): an entry exists only once RTCP receiver reports came in, and it
//    is filed under the *reporter's* SSRC: "cumulative loss" and "average MOS" {"jitter" in ms,
//    "MOS" x10} describe what that party received, i.e. the direction from its partner.
// Either way each stream's "stats" {packets, bytes, errors} and "last packet" count what arrived
// from the party owning it. Numbers sent as strings are accepted, missing keys read as zero.
class NgCallStats {
 public:
  explicit NgCallStats(const ng::Value& reply);

  const std::vector<PartyMediaStats>& parties() const { return parties_; }
  // The party with this SIP tag; null when the relay does not know it.
  const PartyMediaStats* party(std::string_view tag) const;
  // Newest "last packet" of any stream (UNIX seconds), 0 when none was seen.
  std::int64_t newestPacket() const;

 private:
  PartyMediaStats* find(std::string_view tag);
  void readParty(const std::string& tag, const ng::Value& party);
  void readSsrcEntries(const ng::Value& ssrcs);
  void readOwnEntry(PartyMediaStats& sender, const ng::Value& entry, std::int64_t clockRate);

  std::vector<PartyMediaStats> parties_;
  // SSRC (decimal, as the "SSRC" dictionary keys it) -> index into parties_, and the RTP clock
  // rate of the media it was seen in.
  struct SsrcOwner {
    std::string ssrc;
    std::size_t party;
    std::int64_t clockRate;
  };
  std::vector<SsrcOwner> owners_;
};

}  // namespace rtcgate::ng
