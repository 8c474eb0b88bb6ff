#include "media/codec/Transcoder.hpp"

#include <algorithm>
#include <stdexcept>

#include "base/AsciiCase.hpp"
#include "media/codec/AudioCodecFactory.hpp"
#include "media/packet/TelephoneEvent.hpp"

namespace rtcgate::media {
namespace {

// The longest frame a decoder may produce: 120 ms of Opus at 48 kHz.
constexpr std::size_t kMaxFrameSamples = 5760;

// A codec's own PCM rate, 0 for Opus, which decodes and encodes at whatever rate we ask.
std::uint32_t fixedPcmRate(const std::string& codec) {
  if (equalsIgnoringCase(codec, "PCMU") || equalsIgnoringCase(codec, "PCMA")) return 8000;
  if (equalsIgnoringCase(codec, "G722")) return 16000;
  return 0;
}

// The PCM rate for one side: its own, else the other side's (no resampling at all between Opus
// and anything), else full band.
std::uint32_t pcmRateFor(const std::string& codec, const std::string& other) {
  if (const std::uint32_t own = fixedPcmRate(codec)) return own;
  if (const std::uint32_t theirs = fixedPcmRate(other)) return theirs;
  return 48000;
}

std::unique_ptr<AudioCodec> makeCodec(const Transcoder::Side& side, const Transcoder::Side& other) {
  auto codec =
      makeAudioCodec(side.codec, side.clockRate, pcmRateFor(side.codec, other.codec), side.fmtp);
  if (!codec) throw std::invalid_argument("transcoder: no codec " + side.codec);
  return codec;
}

std::size_t checkedFrameSamples(const Transcoder::Options& options, const AudioCodec& out) {
  const unsigned ptime = options.outPtimeMs;
  const bool valid = ptime == 10 || ptime == 20 || ptime == 30 || ptime == 40 || ptime == 60;
  if (!valid || (ptime == 30 && out.name() == "opus")) {
    throw std::invalid_argument("transcoder: packet time " + std::to_string(ptime) + " ms");
  }
  return out.pcmRate() * ptime / 1000;
}

// A gap in the input timeline longer than this is a new stream, not silence to reproduce.
constexpr std::int64_t kMaxSilenceSeconds = 60;

}  // namespace

// Where process() writes: the caller's frames and payload storage, and how much of each is used.
struct Transcoder::Output {
  std::span<std::uint8_t> storage;
  std::span<RtpFrame> frames;
  std::size_t bytes = 0;
  std::size_t count = 0;
};

Transcoder::Transcoder(const Options& options)
    : options_(options),
      inCodec_(makeCodec(options.in, options.out)),
      outCodec_(makeCodec(options.out, options.in)),
      jitter_({.capacity = 16,
               .maxPayload = kMaxPayload,
               .reorderDepth = options.reorderDepth,
               .maxTimestampJump = options.in.clockRate * 10}),
      resampler_(inCodec_->pcmRate(), outCodec_->pcmRate()),
      outFrameSamples_(checkedFrameSamples(options, *outCodec_)),
      decoded_(kMaxFrameSamples),
      pending_(outFrameSamples_ + 2 * kMaxFrameSamples),
      encoded_(kMaxPayload),
      outSsrc_(options.outSsrc),
      outSequence_(options.firstSequence),
      outTimestamp_(options.firstTimestamp),
      lastFrameSamples_(inCodec_->pcmRate() / 50) {}

std::size_t Transcoder::process(const RtpFrame& in, std::span<std::uint8_t> storage,
                                std::span<RtpFrame> out) {
  Output output{storage, out};
  if (inSsrc_ && *inSsrc_ != in.ssrc) jitter_.reset();
  inSsrc_ = in.ssrc;
  // Comfort noise and the like go into the buffer too, so they do not look like losses.
  jitter_.push(in.sequence, in.timestamp, in.payload, in.payloadType, in.marker);
  for (auto frame = jitter_.pop(); frame.kind != JitterBuffer::Kind::none; frame = jitter_.pop()) {
    handleFrame(frame, output);
  }
  return output.count;
}

void Transcoder::handleFrame(const JitterBuffer::Frame& frame, Output& output) {
  if (frame.kind == JitterBuffer::Kind::missing) {
    handleMissing(output);
  } else if (frame.payloadType == options_.in.payloadType) {
    handleAudio(frame, output);
  } else if (options_.in.eventPayloadType && frame.payloadType == *options_.in.eventPayloadType) {
    handleEvent(frame, output);
  }
}

void Transcoder::handleAudio(const JitterBuffer::Frame& frame, Output& output) {
  std::size_t samples = inCodec_->decode(frame.payload, decoded_);
  if (samples == 0) {
    // Undecodable: as good as lost.
    handleMissing(output);
    return;
  }
  lastFrameSamples_ = samples;
  afterEvent_ = false;
  // An event whose end packets were all lost ends when audio is well past its last duration.
  if (eventActive_ &&
      static_cast<std::int32_t>(frame.timestamp - eventInTimestamp_ - eventDuration_) >
          static_cast<std::int32_t>(options_.in.clockRate / 4)) {
    eventActive_ = false;
    markNext_ = true;
  }
  if (eventActive_) return;
  followTimeline(frame);
  if (frame.marker) markNext_ = true;
  expectedInTimestamp_ = frame.timestamp + inCodec_->ticksFor(samples);
  enqueue(std::span(decoded_).first(samples), output);
}

void Transcoder::handleMissing(Output& output) {
  // A gap during an event or right after one is most likely a lost event packet: nothing to
  // conceal (if it was audio, the next frame's timestamp moves our timeline on anyway).
  if (eventActive_ || afterEvent_) return;
  ++concealed_;
  const std::span<std::int16_t> frame = std::span(decoded_).first(lastFrameSamples_);
  // The next packet's in-band FEC (Opus) may hold this frame, if it is audio.
  const JitterBuffer::Frame next = jitter_.upcoming();
  const bool nextIsAudio =
      next.kind == JitterBuffer::Kind::frame && next.payloadType == options_.in.payloadType;
  const std::size_t samples =
      inCodec_->recover(nextIsAudio ? next.payload : std::span<const std::uint8_t>{}, frame);
  if (expectedInTimestamp_) *expectedInTimestamp_ += inCodec_->ticksFor(lastFrameSamples_);
  enqueue(frame.first(samples), output);
}

// Reproduces on our timeline what the input's timestamps say: time it skipped (silence left out)
// moves our timestamps on as much; a restart of its timeline cannot be mapped and just continues
// ours. Either way the next packet starts a talk spurt.
void Transcoder::followTimeline(const JitterBuffer::Frame& frame) {
  if (!expectedInTimestamp_) return;
  const auto gap = static_cast<std::int32_t>(frame.timestamp - *expectedInTimestamp_);
  if (gap == 0 && !frame.discontinuity) return;
  skipPending();
  if (gap > 0 && gap <= kMaxSilenceSeconds * options_.in.clockRate && !frame.discontinuity) {
    outTimestamp_ += toOutTicks(gap);
  }
  markNext_ = true;
}

// Drops the samples waiting for a packet (less than one), keeping our timeline where it was.
void Transcoder::skipPending() {
  outTimestamp_ += outCodec_->ticksFor(pendingCount_);
  pendingCount_ = 0;
}

std::uint32_t Transcoder::toOutTicks(std::int64_t inTicks) const {
  return static_cast<std::uint32_t>(inTicks * options_.out.clockRate / options_.in.clockRate);
}

void Transcoder::enqueue(std::span<const std::int16_t> pcm, Output& output) {
  // pending_ holds less than a packet between calls plus room for the longest frame resampled.
  pendingCount_ += resampler_.process(pcm, std::span(pending_).subspan(pendingCount_));
  std::size_t used = 0;
  while (pendingCount_ - used >= outFrameSamples_) {
    const auto frame = std::span(pending_).subspan(used, outFrameSamples_);
    const std::size_t bytes = outCodec_->encode(frame, encoded_);
    if (bytes > 0) {
      emit(options_.out.payloadType, outTimestamp_, markNext_, std::span(encoded_).first(bytes),
           output);
      markNext_ = false;
    }
    outTimestamp_ += outCodec_->ticksFor(outFrameSamples_);
    used += outFrameSamples_;
  }
  std::copy(pending_.begin() + static_cast<long>(used),
            pending_.begin() + static_cast<long>(pendingCount_), pending_.begin());
  pendingCount_ -= used;
}

void Transcoder::handleEvent(const JitterBuffer::Frame& frame, Output& output) {
  afterEvent_ = true;
  if (!options_.out.eventPayloadType) return;
  const auto parsed = TelephoneEvent::parse(frame.payload.data(), frame.payload.size());
  if (!parsed) return;
  const TelephoneEvent& event = *parsed;
  const bool newEvent = !eventSeen_ || frame.timestamp != eventInTimestamp_;
  if (newEvent) {
    // The event starts where our audio stands; the partial packet before it is dropped.
    skipPending();
    eventSeen_ = true;
    eventActive_ = true;
    eventInTimestamp_ = frame.timestamp;
    eventOutTimestamp_ = outTimestamp_;
  }
  eventDuration_ = newEvent ? event.duration : std::max(eventDuration_, event.duration);
  const std::size_t bytes = TelephoneEvent::rescale(frame.payload, options_.in.clockRate,
                                                    options_.out.clockRate, encoded_);
  emit(*options_.out.eventPayloadType, eventOutTimestamp_, newEvent,
       std::span(encoded_).first(bytes), output);
  if (event.end && eventActive_) {
    // Audio resumes after the event's length on both timelines, as a new talk spurt.
    eventActive_ = false;
    outTimestamp_ = eventOutTimestamp_ + toOutTicks(event.duration);
    expectedInTimestamp_ = eventInTimestamp_ + event.duration;
    markNext_ = true;
  }
}

bool Transcoder::emit(std::uint8_t payloadType, std::uint32_t timestamp, bool marker,
                      std::span<const std::uint8_t> payload, Output& output) {
  if (output.count == output.frames.size() ||
      output.storage.size() - output.bytes < payload.size()) {
    ++dropped_;
    return false;
  }
  const auto destination = output.storage.subspan(output.bytes, payload.size());
  std::copy(payload.begin(), payload.end(), destination.begin());
  output.bytes += payload.size();
  output.frames[output.count++] = {payloadType, marker,   outSequence_++,
                                   timestamp,   outSsrc_, destination};
  return true;
}

}  // namespace rtcgate::media
