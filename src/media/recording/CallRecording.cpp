#include "media/recording/CallRecording.hpp"

#include <algorithm>
#include <ctime>
#include <fstream>

#include "base/JsonString.hpp"

namespace rtcgate::media {
namespace {

constexpr std::size_t kChunk = 1024;  // samples per channel per write

std::string isoTime(WallClock::time_point time) {
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis % 1000));
  return std::string(text, n) + fraction;
}

void appendList(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    appendJsonString(out, items[i]);
  }
  out += ']';
}

std::int16_t mix(std::int16_t a, std::int16_t b) {
  return static_cast<std::int16_t>(std::clamp(int{a} + int{b}, -32768, 32767));
}

}  // namespace

Result<std::unique_ptr<CallRecording>, RecordingError> CallRecording::open(Spec spec) {
  if (spec.pcap) {
    auto pcap = PcapWriter::create(spec.path);
    if (!pcap) return pcap.error();
    return std::unique_ptr<CallRecording>(
        new CallRecording(std::move(spec), nullptr, std::move(*pcap)));
  }
  auto wav = WavWriter::create(spec.path, spec.rate, spec.mono ? 1 : 2);
  if (!wav) return wav.error();
  return std::unique_ptr<CallRecording>(
      new CallRecording(std::move(spec), std::move(*wav), nullptr));
}

CallRecording::CallRecording(Spec spec, std::unique_ptr<WavWriter> wav,
                             std::unique_ptr<PcapWriter> pcap)
    : spec_(std::move(spec)),
      wav_(std::move(wav)),
      pcap_(std::move(pcap)),
      channels_{RecordingChannel(spec_.formats[0], spec_.rate),
                RecordingChannel(spec_.formats[1], spec_.rate)},
      left_(kChunk),
      right_(kChunk),
      frames_(2 * kChunk) {}

CallRecording::~CallRecording() = default;

std::uint64_t CallRecording::sampleAt(std::int64_t micros) const {
  const std::int64_t since = micros - spec_.startMicros;
  return since <= 0 ? 0 : static_cast<std::uint64_t>(since * spec_.rate / 1000000);
}

void CallRecording::onPacket(std::uint8_t channel, std::span<const std::uint8_t> rtp,
                             std::int64_t micros) {
  if (closed_ || channel > 1) return;
  newestMicros_ = std::max(newestMicros_, micros);
  if (pcap_) {
    const auto since = std::chrono::microseconds(micros - spec_.startMicros);
    failed_ =
        !pcap_->write(spec_.flows[channel], rtp,
                      spec_.startWall + std::chrono::duration_cast<WallClock::duration>(since)) ||
        failed_;
    return;
  }
  channels_[channel].onPacket(rtp, micros - spec_.startMicros);
}

void CallRecording::advance(std::int64_t micros) {
  if (closed_) return;
  if (pcap_) {  // written as they come; flushed once a second for a reader of the growing file
    if (micros - lastFlushMicros_ >= 1000000) {
      pcap_->flush();
      lastFlushMicros_ = micros;
    }
    return;
  }
  writeUntil(sampleAt(std::max(micros, newestMicros_) - kLatencyMicros));
  if (written_ - lastPatch_ >= spec_.rate) {
    wav_->patchSizes();
    lastPatch_ = written_;
  }
}

void CallRecording::writeUntil(std::uint64_t sample) {
  while (written_ < sample && !failed_) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, sample - written_));
    channels_[0].take({left_.data(), n});
    channels_[1].take({right_.data(), n});
    std::span<const std::int16_t> out;
    if (spec_.mono) {
      for (std::size_t i = 0; i < n; ++i) frames_[i] = mix(left_[i], right_[i]);
      out = {frames_.data(), n};
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        frames_[2 * i] = left_[i];
        frames_[2 * i + 1] = right_[i];
      }
      out = {frames_.data(), 2 * n};
    }
    failed_ = !wav_->write(out);
    written_ += n;
  }
}

void CallRecording::close(std::int64_t stopMicros, std::uint64_t dropped, std::string_view toTag) {
  if (closed_) return;
  if (spec_.toTag.empty()) spec_.toTag = toTag;
  if (pcap_) {
    pcap_->close();
  } else {
    writeUntil(sampleAt(stopMicros));
    wav_->close();
  }
  writeSidecar(stopMicros, dropped);
  closed_ = true;
}

std::vector<std::string> CallRecording::codecsOf(std::uint8_t channel) const {
  if (!pcap_) return channels_[channel].codecsUsed();
  std::vector<std::string> codecs;
  for (const sdp::AudioFormat& format : spec_.formats[channel]) {
    if (format.isAudioCodec()) {
      codecs.push_back(format.encoding + "/" + std::to_string(format.clockRate));
    }
  }
  return codecs;
}

void CallRecording::writeSidecar(std::int64_t stopMicros, std::uint64_t dropped) const {
  const WallClock::time_point stopWall =
      spec_.startWall + std::chrono::duration_cast<WallClock::duration>(std::chrono::microseconds(
                            std::max<std::int64_t>(0, stopMicros - spec_.startMicros)));
  std::string json = "{\"call-id\":";
  appendJsonString(json, spec_.callId);
  json += ",\"from-tag\":";
  appendJsonString(json, spec_.fromTag);
  json += ",\"to-tag\":";
  appendJsonString(json, spec_.toTag);
  json += ",\"start\":\"" + isoTime(spec_.startWall) + "\"";
  json += ",\"stop\":\"" + isoTime(stopWall) + "\"";
  json += pcap_ ? ",\"format\":\"pcap\"" : ",\"format\":\"wav\"";
  if (!pcap_) {
    json += spec_.mono ? ",\"mix\":\"mono\"" : ",\"mix\":\"stereo\"";
    json += ",\"rate\":" + std::to_string(spec_.rate);
  }
  json += ",\"file\":";
  appendJsonString(json, spec_.path);
  json += ",\"channels\":[{\"tag\":";
  appendJsonString(json, spec_.fromTag);
  json += ",\"codecs\":";
  appendList(json, codecsOf(0));
  json += "},{\"tag\":";
  appendJsonString(json, spec_.toTag);
  json += ",\"codecs\":";
  appendList(json, codecsOf(1));
  json += "}],\"dropped\":" + std::to_string(dropped) + ",\"write-failed\":";
  json += failed_ ? "true" : "false";
  json += "}\n";
  std::ofstream out(spec_.path + ".json", std::ios::trunc);
  out << json;
}

}  // namespace rtcgate::media
