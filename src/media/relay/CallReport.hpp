#pragma once

#include "media/relay/Call.hpp"
#include "ng/Value.hpp"

namespace rtcgate::media {

// Builds the statistics part of rtpengine's query/delete reply for one call: created, tags with
// their medias and streams (ports, endpoints, packets/bytes/errors, SSRC), totals and per-SSRC
// loss and jitter.
class CallReport {
 public:
  // `wallOffset` converts the steady clock to UNIX time (now() + offset = wall clock).
  CallReport(const Call& call, Clock::duration wallOffset) : call_(call), wallOffset_(wallOffset) {}
  void fill(ng::Value& reply) const;
  // Whether a line of the call goes through a Transcoder (ng `transcodedmedia`).
  static bool transcoded(const Call& call);

 private:
  ng::Value party(const Monologue& party) const;
  ng::Value media(const CallMedia& media) const;
  ng::Value stream(const MediaStream& stream, bool muxed) const;
  std::int64_t unixSeconds(Clock::time_point time) const;

  const Call& call_;
  Clock::duration wallOffset_;
};

}  // namespace rtcgate::media
