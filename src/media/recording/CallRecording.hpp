#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/Result.hpp"
#include "base/Timers.hpp"
#include "media/recording/PcapWriter.hpp"
#include "media/recording/RecordingChannel.hpp"
#include "media/recording/RecordingError.hpp"
#include "media/recording/WavWriter.hpp"
#include "sdp/AudioFormats.hpp"

namespace rtcgate::media {

// One call's recording on the writer thread: the two directions' RecordingChannels mixed into a
// 16-bit WAV file (channel 0 = what the from-tag party sends, channel 1 = what the other party
// sends; or both mixed into one), written a little behind the packets so that late ones still find
// their place, with the header's sizes patched once a second. Or, as pcap, the RTP itself as it
// arrived. On close, the rest up to the stop time is written and a JSON sidecar `<file>.json`
// describes the recording.
class CallRecording {
 public:
  // Packets this late (behind the newest arrival) are still placed; then their samples are written.
  static constexpr std::int64_t kLatencyMicros = 500000;

  struct Spec {
    std::string path;  // the WAV (or pcap) file; the sidecar is path + ".json"
    bool pcap = false;
    bool mono = false;
    // pcap: where each direction's packets went from and to (channel 0: the from-tag party's).
    std::array<PcapWriter::Flow, 2> flows{};
    std::string callId;
    std::string fromTag;
    std::string toTag;
    // The payload types each direction's sender uses (its SDP's, then its partner's).
    std::array<std::vector<sdp::AudioFormat>, 2> formats;
    std::uint32_t rate = 16000;
    std::int64_t startMicros = 0;  // the worker loop's clock
    WallClock::time_point startWall{};
  };

  // Creates the file (it must not exist); the error says why it could not be.
  static Result<std::unique_ptr<CallRecording>, RecordingError> open(Spec spec);
  ~CallRecording();
  CallRecording(const CallRecording&) = delete;
  CallRecording& operator=(const CallRecording&) = delete;

  const Spec& spec() const { return spec_; }
  void onPacket(std::uint8_t channel, std::span<const std::uint8_t> rtp, std::int64_t micros);
  // Writes what is due `micros` after the start, less the latency late packets may still fill.
  void advance(std::int64_t micros);
  // Writes up to `stopMicros`, patches the header, closes the file and writes the sidecar;
  // `toTag`: the callee's tag when the start did not know it yet (a recording from the offer).
  void close(std::int64_t stopMicros, std::uint64_t dropped, std::string_view toTag = {});
  bool closed() const { return closed_; }

 private:
  CallRecording(Spec spec, std::unique_ptr<WavWriter> wav, std::unique_ptr<PcapWriter> pcap);
  // What the sidecar lists per direction: the codecs decoded (wav) or negotiated (pcap).
  std::vector<std::string> codecsOf(std::uint8_t channel) const;
  std::uint64_t sampleAt(std::int64_t micros) const;
  void writeUntil(std::uint64_t sample);
  void writeSidecar(std::int64_t stopMicros, std::uint64_t dropped) const;

  Spec spec_;
  std::unique_ptr<WavWriter> wav_;    // null for pcap
  std::unique_ptr<PcapWriter> pcap_;  // null for wav
  std::int64_t lastFlushMicros_ = 0;
  std::array<RecordingChannel, 2> channels_;
  std::uint64_t written_ = 0;      // samples per channel written
  std::uint64_t lastPatch_ = 0;    // written_ at the last header patch
  std::int64_t newestMicros_ = 0;  // newest packet arrival
  bool failed_ = false;            // the disk refused a write: the rest is not written
  bool closed_ = false;
  std::vector<std::int16_t> left_;  // scratch, one chunk each
  std::vector<std::int16_t> right_;
  std::vector<std::int16_t> frames_;
};

}  // namespace rtcgate::media
