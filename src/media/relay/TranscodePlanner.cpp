#include "media/relay/TranscodePlanner.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

#include "base/AsciiCase.hpp"
#include "base/SecureRandom.hpp"
#include "media/codec/Transcoder.hpp"

namespace rtcgate::media {
namespace {

// What the relay's codecs (media/codec) can produce, as an SDP names them; payload type -1 is
// dynamic. Opus in-band FEC lets the decoder conceal a loss from the next packet.
struct KnownCodec {
  std::string_view encoding;
  std::uint32_t clockRate;
  int staticType;
  unsigned channels;
  std::string_view fmtp;
};
constexpr std::array<KnownCodec, 4> kCodecs = {{{"PCMU", 8000, 0, 1, ""},
                                                {"PCMA", 8000, 8, 1, ""},
                                                {"G722", 8000, 9, 1, ""},
                                                {"opus", 48000, -1, 2, "useinbandfec=1"}}};

const KnownCodec* knownCodec(std::string_view encoding, std::uint32_t clockRate = 0) {
  for (const KnownCodec& codec : kCodecs) {
    if (equalsIgnoringCase(codec.encoding, encoding) &&
        (clockRate == 0 || codec.clockRate == clockRate)) {
      return &codec;
    }
  }
  return nullptr;
}

int payloadTypeOf(std::string_view format) {
  int type = -1;
  auto [ptr, ec] = std::from_chars(format.data(), format.data() + format.size(), type);
  return ec == std::errc() && type >= 0 && type < 128 ? type : -1;
}

std::string fmtpOf(const sdp::MediaSection& section, std::string_view format) {
  for (const sdp::SdpLine& line : section.lines) {
    if (!line.isAttribute("fmtp")) continue;
    const std::string_view value = line.attributeValue();
    if (value.starts_with(format) && value.size() > format.size() && value[format.size()] == ' ') {
      return std::string(value.substr(format.size() + 1));
    }
  }
  return {};
}

// The section's telephone-event format at `clockRate` (RFC 4733), none when it has none.
std::optional<sdp::AddedFormat> eventFormatOf(const sdp::MediaSection& section,
                                              std::uint32_t clockRate) {
  for (std::string_view format : section.formats()) {
    const int type = payloadTypeOf(format);
    if (type >= 0 && equalsIgnoringCase(section.encodingName(format), "telephone-event") &&
        section.clockRate(format) == clockRate) {
      return sdp::AddedFormat{type, std::string(section.encodingName(format)), clockRate, 1,
                              fmtpOf(section, format)};
    }
  }
  return std::nullopt;
}

std::optional<std::uint8_t> typeOf(const std::optional<sdp::AddedFormat>& format) {
  if (!format) return std::nullopt;
  return static_cast<std::uint8_t>(format->payloadType);
}

// The first format of the section that carries audio and that `accept` takes.
template <typename Accept>
std::optional<sdp::AddedFormat> firstCodec(const sdp::MediaSection& section, Accept accept) {
  for (std::string_view format : section.formats()) {
    const int type = payloadTypeOf(format);
    const sdp::AudioFormat audio{type, std::string(section.encodingName(format)),
                                 section.clockRate(format)};
    if (type < 0 || !audio.isAudioCodec()) continue;
    if (!accept(audio)) continue;
    const KnownCodec* known = knownCodec(audio.encoding, audio.clockRate);
    return sdp::AddedFormat{type, audio.encoding, audio.clockRate, known ? known->channels : 1u,
                            fmtpOf(section, format)};
  }
  return std::nullopt;
}

int freeDynamicType(const sdp::MediaSection& section, const std::vector<sdp::AddedFormat>& added) {
  for (int type = 96; type < 128; ++type) {
    const auto formats = section.formats();
    const bool used =
        std::any_of(formats.begin(), formats.end(),
                    [&](std::string_view format) { return payloadTypeOf(format) == type; }) ||
        std::any_of(added.begin(), added.end(),
                    [&](const sdp::AddedFormat& format) { return format.payloadType == type; });
    if (!used) return type;
  }
  return -1;
}

bool listsEncoding(const sdp::MediaSection& section, std::string_view encoding) {
  const auto formats = section.formats();
  return std::any_of(formats.begin(), formats.end(), [&](std::string_view format) {
    return equalsIgnoringCase(section.encodingName(format), encoding);
  });
}

unsigned ptimeOf(const sdp::MediaSection& section) {
  unsigned ptime = 20;
  if (const sdp::SdpLine* line = section.findAttribute("ptime")) {
    const std::string_view value = line->attributeValue();
    std::from_chars(value.data(), value.data() + value.size(), ptime);
  }
  const bool supported = ptime == 10 || ptime == 20 || ptime == 30 || ptime == 40 || ptime == 60;
  return supported ? ptime : 20;
}

Transcoder::Side sideOf(const sdp::AddedFormat& format, std::optional<std::uint8_t> eventType) {
  return {format.encoding, format.clockRate, format.fmtp,
          static_cast<std::uint8_t>(format.payloadType), eventType};
}

// Our own SSRC, sequence and timestamp origin for a direction (RFC 3550 §5.1: random).
std::unique_ptr<Transcoder> makeTranscoder(Transcoder::Side in, Transcoder::Side out,
                                           unsigned ptime) {
  const std::uint64_t random = SecureRandom::next64();
  const Transcoder::Options options{
      .in = std::move(in),
      .out = std::move(out),
      .outPtimeMs = ptime,
      .outSsrc = static_cast<std::uint32_t>(random),
      .firstSequence = static_cast<std::uint16_t>(random >> 32),
      .firstTimestamp = static_cast<std::uint32_t>(SecureRandom::next64()),
  };
  return std::make_unique<Transcoder>(options);
}

}  // namespace

std::vector<sdp::AddedFormat> TranscodePlanner::planOffer(const sdp::MediaSection& section,
                                                          const std::vector<std::string>& transcode,
                                                          CallMedia& offerer,
                                                          CallMedia& recipient) {
  recipient.addedFormats.clear();
  offerer.ownCodec = firstCodec(section, [](const sdp::AudioFormat& audio) {
    return knownCodec(audio.encoding, audio.clockRate) != nullptr;
  });
  if (transcode.empty() || section.mediaType() != "audio" || !offerer.ownCodec) return {};
  offerer.ownEvent = eventFormatOf(section, offerer.ownCodec->clockRate);
  std::vector<sdp::AddedFormat> added;
  for (const std::string& name : transcode) {
    const KnownCodec* known = knownCodec(name);
    if (known == nullptr || listsEncoding(section, known->encoding)) continue;
    const bool already = std::any_of(added.begin(), added.end(), [&](const auto& format) {
      return equalsIgnoringCase(format.encoding, known->encoding);
    });
    if (already) continue;
    const int type = known->staticType >= 0 ? known->staticType : freeDynamicType(section, added);
    if (type < 0) continue;  // all 32 dynamic types taken
    added.push_back({type, std::string(known->encoding), known->clockRate, known->channels,
                     std::string(known->fmtp)});
  }
  recipient.addedFormats = added;
  return added;
}

Result<bool> TranscodePlanner::planAnswer(const sdp::MediaSection& section, CallMedia& answerer,
                                          CallMedia& offerer, sdp::MediaPlan& plan) {
  stop(answerer);
  stop(offerer);
  const auto& added = answerer.addedFormats;
  const auto chosen = firstCodec(section, [](const sdp::AudioFormat&) { return true; });
  if (!chosen || !offerer.ownCodec) return false;
  const bool ours = std::any_of(added.begin(), added.end(), [&](const sdp::AddedFormat& format) {
    return format.payloadType == chosen->payloadType &&
           equalsIgnoringCase(format.encoding, chosen->encoding);
  });
  if (!ours) return false;
  const sdp::AddedFormat& own = *offerer.ownCodec;
  // Events cross only when both sides have a telephone-event type.
  auto answerEvents = typeOf(eventFormatOf(section, chosen->clockRate));
  auto offerEvents = answerEvents ? typeOf(offerer.ownEvent) : std::nullopt;
  if (!offerEvents) answerEvents.reset();
  plan.replaceFormats = true;
  plan.addFormats = {own};
  if (offerEvents) plan.addFormats.push_back(*offerer.ownEvent);
  const unsigned ptime = ptimeOf(section);
  try {
    offerer.transcoder =
        makeTranscoder(sideOf(own, offerEvents), sideOf(*chosen, answerEvents), ptime);
    answerer.transcoder =
        makeTranscoder(sideOf(*chosen, answerEvents), sideOf(own, offerEvents), ptime);
  } catch (const std::invalid_argument&) {
    stop(offerer);
    stop(answerer);
    return Error{"Transcoding not possible"};
  }
  offerer.rtp->transcoder = offerer.transcoder.get();
  answerer.rtp->transcoder = answerer.transcoder.get();
  // The offerer sends its own codec, whose clock times its jitter and DTMF.
  offerer.rtp->clockRate = own.clockRate;
  return true;
}

void TranscodePlanner::stop(CallMedia& media) {
  if (media.rtp) media.rtp->transcoder = nullptr;
  media.transcoder.reset();
}

}  // namespace rtcgate::media
