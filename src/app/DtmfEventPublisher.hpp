#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <functional>

#include "media/relay/DtmfListener.hpp"

namespace rtcgate::app {

// The embedded relay's digits, handed from its worker threads to the signalling loop (where the
// calls and the event hub live): one post per digit, which is rare next to packets.
class DtmfEventPublisher : public media::DtmfListener {
 public:
  // `deliver` runs on `loop`'s thread, once per digit, in the order each worker reported them.
  using Deliver = std::function<void(const media::DtmfEvent&)>;
  DtmfEventPublisher(boost::asio::io_context& loop, Deliver deliver)
      : loop_(loop), deliver_(std::move(deliver)) {}

  void onDtmf(const media::DtmfEvent& event) override {
    boost::asio::post(loop_, [deliver = deliver_, event] { deliver(event); });
  }

 private:
  boost::asio::io_context& loop_;
  Deliver deliver_;
};

}  // namespace rtcgate::app
