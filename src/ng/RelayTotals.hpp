#pragma once

#include <cstdint>

namespace rtcgate::ng {

// The relay's counters, declared once. Each line names the RelayTotals field; where it sits in
// an ng `statistics` reply (section and key: rtpengine's own where it has one); and the
// Prometheus family the gateway exports it as (nullptr: not exported), that family's "kind"
// label (nullptr: none) and help. RelayTotals and its sum, the reply's reader (RelayPool), the
// engine's writer and the rtcgate_relay_* families all come from this list: a new relay counter
// is one line here. Envoy's ALL_*_STATS and rtpengine's counter_stats_fields.inc are the pattern.
#define RTCGATE_RELAY_TOTALS(GAUGE, COUNTER)                                                    \
  GAUGE(sessions, "currentstatistics", "sessionstotal", "rtcgate_relay_sessions", nullptr,      \
        "calls on the relay now")                                                               \
  GAUGE(transcodedSessions, "currentstatistics", "transcodedmedia",                             \
        "rtcgate_relay_transcoded_sessions", nullptr,                                           \
        "calls on the relay now whose legs share no codec and are transcoded")                  \
  COUNTER(transcodedPackets, "totalstatistics", "transcodedpackets",                            \
          "rtcgate_relay_transcoded_packets_total", nullptr,                                    \
          "RTP packets decoded and re-encoded by the relay (legs without a shared codec)")      \
  COUNTER(managedSessions, "totalstatistics", "managedsessions", nullptr, nullptr,              \
          "calls ever created")                                                                 \
  COUNTER(rejectedSessions, "totalstatistics", "rejectedsessions",                              \
          "rtcgate_relay_rejected_sessions_total", nullptr,                                     \
          "new relay sessions whose offer was refused")                                         \
  COUNTER(timeoutSessions, "totalstatistics", "timeoutsessions",                                \
          "rtcgate_relay_media_timeouts_total", nullptr,                                        \
          "relay sessions deleted for lack of media")                                           \
  COUNTER(packets, "totalstatistics", "relayedpackets", "rtcgate_relay_packets_total", nullptr, \
          "media packets forwarded by the relay")                                               \
  COUNTER(bytes, "totalstatistics", "relayedbytes", "rtcgate_relay_bytes_total", nullptr,       \
          "media bytes forwarded by the relay")                                                 \
  COUNTER(sendErrors, "totalstatistics", "relayedpacketerrors", "rtcgate_relay_errors_total",   \
          "send", RTCGATE_RELAY_ERRORS_HELP)                                                    \
  COUNTER(droppedPackets, "totalstatistics", "droppedpackets", "rtcgate_relay_errors_total",    \
          "dropped", RTCGATE_RELAY_ERRORS_HELP)                                                 \
  COUNTER(lostPackets, "totalstatistics", "lostpackets", "rtcgate_relay_packets_lost_total",    \
          nullptr,                                                                              \
          "RTP packets lost before reaching the relay (sequence gaps), counted when a stream "  \
          "ends")                                                                               \
  COUNTER(iceConsentFailures, "totalstatistics", "iceconsentfailures",                          \
          "rtcgate_relay_ice_consent_failures_total", nullptr,                                  \
          "WebRTC streams whose ICE consent expired (RFC 7675)")                                \
  COUNTER(dtlsFailures, "totalstatistics", "dtlsfailures", "rtcgate_relay_dtls_failures_total", \
          nullptr, "failed DTLS-SRTP handshakes")                                               \
  COUNTER(recordingDropped, "totalstatistics", "recordingdropped",                              \
          "rtcgate_relay_recording_dropped_total", nullptr,                                     \
          "RTP packets left out of call recordings because the recording queue was full")       \
  COUNTER(ngRefused, "totalstatistics", "ngrequestsrefused", "rtcgate_relay_ng_refused_total",  \
          nullptr,                                                                              \
          "ng requests the relay dropped because relay.allowed_sources does not allow their "   \
          "source")

#define RTCGATE_RELAY_ERRORS_HELP                                                         \
  "media packets not forwarded: send refused by the kernel, or dropped on input (latch, " \
  "SRTP authentication, truncation)"

// A relay's counters at one moment, as /metrics exports them: summed over the embedded relay's
// workers, or read from an ng relay's `statistics` reply (RelayPool caches one per relay).
struct RelayTotals {
#define RTCGATE_RELAY_FIELD(field, ...) std::uint64_t field = 0;
  RTCGATE_RELAY_TOTALS(RTCGATE_RELAY_FIELD, RTCGATE_RELAY_FIELD)
#undef RTCGATE_RELAY_FIELD

  RelayTotals& operator+=(const RelayTotals& other);
};

// One line of RTCGATE_RELAY_TOTALS, for the code that walks them all.
struct RelayStatistic {
  std::uint64_t RelayTotals::*field;
  const char* section;  // "currentstatistics" or "totalstatistics"
  const char* key;
  bool gauge;
  const char* metric;  // nullptr: not exported
  const char* kind;    // the "kind" label, or nullptr
  const char* help;
};

#define RTCGATE_RELAY_GAUGE(field, section, key, metric, kind, help) \
  RelayStatistic{&RelayTotals::field, section, key, true, metric, kind, help},
#define RTCGATE_RELAY_COUNTER(field, section, key, metric, kind, help) \
  RelayStatistic{&RelayTotals::field, section, key, false, metric, kind, help},
inline constexpr RelayStatistic kRelayStatistics[] = {
    RTCGATE_RELAY_TOTALS(RTCGATE_RELAY_GAUGE, RTCGATE_RELAY_COUNTER)};
#undef RTCGATE_RELAY_GAUGE
#undef RTCGATE_RELAY_COUNTER

}  // namespace rtcgate::ng
