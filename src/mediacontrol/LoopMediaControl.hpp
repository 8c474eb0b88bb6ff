#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>

#include "mediacontrol/MediaControl.hpp"

namespace rtcgate::mediacontrol {

// Delivers another MediaControl's replies on an io_context: the embedded relay answers on its
// worker threads, and the signalling side is single-threaded on its own loop.
class LoopMediaControl : public MediaControl {
 public:
  LoopMediaControl(MediaControl& inner, boost::asio::io_context& io) : inner_(inner), io_(io) {}

  bool deleteReplyHasStatistics() const override { return inner_.deleteReplyHasStatistics(); }

  void request(ng::Value request, Callback done) override {
    inner_.request(std::move(request), [&io = io_, done = std::move(done)](Reply reply) mutable {
      boost::asio::post(io, [done = std::move(done), reply = std::move(reply)]() mutable {
        done(std::move(reply));
      });
    });
  }

 private:
  MediaControl& inner_;
  boost::asio::io_context& io_;
};

}  // namespace rtcgate::mediacontrol
