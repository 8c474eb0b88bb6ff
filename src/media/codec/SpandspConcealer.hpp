#pragma once

#include <cstdint>
#include <memory>
#include <span>

namespace rtcgate::media {

// spandsp's packet loss concealment (plc.h): keeps the recent decoded history and, for a lost
// frame, repeats the last pitch period with a fade-out (silence after about 60 ms of loss). Its
// pitch search spans 40..120 samples, which is 67..200 Hz at 8 kHz and 133..400 Hz at 16 kHz:
// both cover speech, so the 16 kHz G.722 PCM uses it too.
class SpandspConcealer {
 public:
  SpandspConcealer();
  ~SpandspConcealer();
  SpandspConcealer(const SpandspConcealer&) = delete;
  SpandspConcealer& operator=(const SpandspConcealer&) = delete;

  // Records a frame that arrived (the concealer may smooth the join after a loss, in place).
  void received(std::span<std::int16_t> pcm);
  // Fills `pcm` for a lost frame; returns the samples written.
  std::size_t fill(std::span<std::int16_t> pcm);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace rtcgate::media
