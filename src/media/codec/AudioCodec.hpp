#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace rtcgate::media {

// One audio codec of one direction of one call: turns RTP payloads into PCM (int16, mono, at the
// codec's PCM rate) and back. Pure: no I/O, no threads; the state a codec keeps between frames
// (predictor, concealment history, encoder state) is allocated at construction, so decode,
// conceal and encode allocate nothing and write into the caller's buffers.
class AudioCodec {
 public:
  virtual ~AudioCodec() = default;

  // The SDP rtpmap encoding name ("PCMU", "opus", ...).
  virtual std::string_view name() const = 0;
  // The RTP timestamp rate (rtpmap clock rate): 8000 for G.722 although it samples at 16 kHz.
  virtual std::uint32_t clockRate() const = 0;
  // The rate of the PCM decode() writes and encode() reads.
  virtual std::uint32_t pcmRate() const = 0;
  // The channel count the rtpmap names (Opus is always "opus/48000/2", RFC 7587); the PCM here is
  // mono whatever the wire carries.
  virtual unsigned channels() const = 0;

  // Decodes one payload into `pcm`; returns the samples written, 0 when the payload is not valid
  // for this codec or does not fit (the caller then conceals the frame instead).
  virtual std::size_t decode(std::span<const std::uint8_t> payload,
                             std::span<std::int16_t> pcm) = 0;
  // Fills `pcm` for one lost frame of that many samples from the decoder's history; returns the
  // samples written.
  virtual std::size_t conceal(std::span<std::int16_t> pcm) = 0;
  // Decodes a lost frame from redundancy the *next* packet carries (Opus in-band FEC); codecs
  // without any conceal instead.
  virtual std::size_t recover(std::span<const std::uint8_t> nextPayload,
                              std::span<std::int16_t> pcm) {
    (void)nextPayload;
    return conceal(pcm);
  }
  // Encodes one frame of PCM into `payload`; returns the bytes written, 0 when the frame length is
  // not one the codec can encode or `payload` is too small.
  virtual std::size_t encode(std::span<const std::int16_t> pcm,
                             std::span<std::uint8_t> payload) = 0;

  // RTP timestamp ticks for `samples` samples at the PCM rate.
  std::uint32_t ticksFor(std::size_t samples) const {
    return static_cast<std::uint32_t>(samples * clockRate() / pcmRate());
  }
};

}  // namespace rtcgate::media
