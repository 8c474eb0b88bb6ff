#include "media/recording/RecordingWriter.hpp"

#include <algorithm>

namespace rtcgate::media {

RecordingWriter::RecordingWriter(std::size_t slots) : queue_(slots), thread_([this] { run(); }) {}

RecordingWriter::~RecordingWriter() {
  stopping_.store(true, std::memory_order_release);
  thread_.join();
  drain();
  for (auto& recording : recordings_) recording->close(newestMicros_, 0);
}

bool RecordingWriter::start(std::unique_ptr<CallRecording>& recording, std::int64_t micros) {
  RecordingMessage* message = queue_.reserveControl();
  if (message == nullptr) return false;
  message->kind = RecordingMessage::Kind::Start;
  message->micros = micros;
  message->recording = recording.release();
  open_.fetch_add(1, std::memory_order_acq_rel);
  queue_.publish();
  return true;
}

bool RecordingWriter::stop(CallRecording* recording, std::int64_t micros, std::uint64_t dropped,
                           std::string_view toTag) {
  RecordingMessage* message = queue_.reserveControl();
  if (message == nullptr) return false;
  message->kind = RecordingMessage::Kind::Stop;
  message->micros = micros;
  message->recording = recording;
  message->dropped = dropped;
  message->length = static_cast<std::uint16_t>(std::min(toTag.size(), message->data.size()));
  std::copy_n(toTag.begin(), message->length, message->data.begin());
  queue_.publish();
  return true;
}

void RecordingWriter::run() {
  while (!stopping_.load(std::memory_order_acquire)) {
    drain();
    std::this_thread::sleep_for(recordings_.empty() ? kIdlePollInterval : kPollInterval);
  }
}

void RecordingWriter::drain() {
  while (RecordingMessage* message = queue_.front()) {
    handle(*message);
    queue_.pop();
  }
  for (auto& recording : recordings_) recording->advance(newestMicros_);
}

void RecordingWriter::handle(RecordingMessage& message) {
  newestMicros_ = std::max(newestMicros_, message.micros);
  switch (message.kind) {
    case RecordingMessage::Kind::Start:
      recordings_.emplace_back(message.recording);
      return;
    case RecordingMessage::Kind::Packet:
      message.recording->onPacket(message.channel, {message.data.data(), message.length},
                                  message.micros);
      return;
    case RecordingMessage::Kind::Stop: {
      const std::string_view toTag(reinterpret_cast<const char*>(message.data.data()),
                                   message.length);
      message.recording->close(message.micros, message.dropped, toTag);
      std::erase_if(recordings_, [&](const auto& each) { return each.get() == message.recording; });
      open_.fetch_sub(1, std::memory_order_acq_rel);
      return;
    }
  }
}

}  // namespace rtcgate::media
