#pragma once

#include "media/relay/RelayService.hpp"
#include "mediacontrol/MediaControl.hpp"

namespace rtcgate::media {

// MediaControl over the embedded relay: the request is posted to the relay's worker thread and run
// there; `done` is called on that worker thread, so a caller with its own loop should post the
// result back to it (e.g. boost::asio::post(io, ...)). requestBlocking is for tests and tools.
class InProcessMediaControl : public mediacontrol::MediaControl {
 public:
  explicit InProcessMediaControl(RelayService& relay) : relay_(relay) {}

  void request(ng::Value request, Callback done) override;
  Reply requestBlocking(ng::Value request);

 private:
  RelayService& relay_;
};

}  // namespace rtcgate::media
