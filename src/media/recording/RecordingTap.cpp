#include "media/recording/RecordingTap.hpp"

#include <cstring>

namespace rtcgate::media {

void RecordingTap::onRtp(const std::uint8_t* data, std::size_t length, std::int64_t micros) {
  RecordingMessage* message =
      length <= RecordingMessage::kMaxPacket ? queue_.reservePacket() : nullptr;
  if (message == nullptr) {
    ++dropped_;
    ++relayDropped_;
    return;
  }
  message->kind = RecordingMessage::Kind::Packet;
  message->channel = channel_;
  message->length = static_cast<std::uint16_t>(length);
  message->micros = micros;
  message->recording = &recording_;
  std::memcpy(message->data.data(), data, length);
  queue_.publish();
}

}  // namespace rtcgate::media
