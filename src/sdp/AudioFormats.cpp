#include "sdp/AudioFormats.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "base/AsciiCase.hpp"
#include "sdp/SessionDescription.hpp"

namespace rtcgate::sdp {
namespace {

int parseInt(std::string_view text, int fallback) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() ? value : fallback;
}

const MediaSection* firstAudioInUse(const SessionDescription& description) {
  for (const MediaSection& media : description.media()) {
    if (media.mediaType() == "audio" && media.port() != 0) return &media;
  }
  return nullptr;
}

}  // namespace

bool AudioFormat::isAudioCodec() const {
  constexpr std::array<std::string_view, 6> kHelpers = {"telephone-event", "CN",  "red",
                                                        "ulpfec",          "rtx", "flexfec-03"};
  return !encoding.empty() && std::none_of(kHelpers.begin(), kHelpers.end(), [this](auto name) {
    return equalsIgnoringCase(encoding, name);
  });
}

bool AudioFormat::sameCodec(const AudioFormat& other) const {
  return clockRate == other.clockRate && equalsIgnoringCase(encoding, other.encoding);
}

AudioFormats AudioFormats::parse(std::string_view sdp) {
  AudioFormats result;
  const auto description = SessionDescription::parse(sdp);
  if (!description) return result;
  const MediaSection* media = firstAudioInUse(*description);
  if (media == nullptr) return result;
  for (const std::string_view payloadType : media->formats()) {
    AudioFormat format;
    format.payloadType = parseInt(payloadType, -1);
    if (format.payloadType < 0 || format.payloadType > 127) continue;
    format.encoding = std::string(media->encodingName(payloadType));
    format.clockRate = media->clockRate(payloadType);
    result.formats_.push_back(std::move(format));
  }
  if (const SdpLine* ptime = media->findAttribute("ptime")) {
    result.ptimeMs_ = std::max(0, parseInt(ptime->attributeValue(), 0));
  }
  return result;
}

bool AudioFormats::hasTelephoneEvent() const {
  return std::any_of(formats_.begin(), formats_.end(), [](const AudioFormat& format) {
    return equalsIgnoringCase(format.encoding, "telephone-event");
  });
}

const AudioFormat* AudioFormats::find(int payloadType) const {
  const auto it = std::find_if(formats_.begin(), formats_.end(), [payloadType](const auto& f) {
    return f.payloadType == payloadType;
  });
  return it == formats_.end() ? nullptr : &*it;
}

const AudioFormat* AudioFormats::chosenBy(const AudioFormats& sender) const {
  for (const AudioFormat& format : formats_) {
    if (!format.isAudioCodec()) continue;
    if (sender.empty()) return &format;
    const bool shared = std::any_of(sender.formats_.begin(), sender.formats_.end(),
                                    [&](const AudioFormat& f) { return f.sameCodec(format); });
    if (shared) return &format;
  }
  return nullptr;
}

}  // namespace rtcgate::sdp
