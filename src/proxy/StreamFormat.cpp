#include "proxy/StreamFormat.hpp"

#include <cmath>

namespace rtcgate::proxy {
namespace {

constexpr int kDefaultPtimeMs = 20;

const sdp::AudioFormat* formatSeen(const DialogSide& receiver, const ng::PartyMediaStats* seen) {
  if (seen == nullptr || seen->payloadType < 0) return nullptr;
  const sdp::AudioFormat* format = receiver.formats.find(seen->payloadType);
  return format != nullptr && format->isAudioCodec() ? format : nullptr;
}

int ptimeOf(const DialogSide& sender, const DialogSide& receiver, const ng::PartyMediaStats* seen) {
  if (seen != nullptr && seen->ptimeMs >= 1) return static_cast<int>(std::lround(seen->ptimeMs));
  if (receiver.formats.ptimeMs() > 0) return receiver.formats.ptimeMs();
  if (sender.formats.ptimeMs() > 0) return sender.formats.ptimeMs();
  return kDefaultPtimeMs;
}

}  // namespace

std::string StreamFormat::label() const {
  return known() ? codec + "/" + std::to_string(clockRate) : std::string("unknown");
}

StreamFormat streamFormat(const DialogSide& sender, const DialogSide& receiver,
                          const ng::PartyMediaStats* seen) {
  StreamFormat result;
  const sdp::AudioFormat* format = formatSeen(receiver, seen);
  if (format == nullptr) format = receiver.formats.chosenBy(sender.formats);
  if (format == nullptr) return result;
  result.codec = format->encoding;
  result.clockRate = format->clockRate;
  result.payloadType = format->payloadType;
  result.ptimeMs = ptimeOf(sender, receiver, seen);
  return result;
}

}  // namespace rtcgate::proxy
