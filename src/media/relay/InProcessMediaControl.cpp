#include "media/relay/InProcessMediaControl.hpp"

#include <future>

namespace rtcgate::media {

void InProcessMediaControl::request(ng::Value request, Callback done) {
  relay_.dispatch(std::move(request), [done = std::move(done)](ng::Value reply) { done(reply); });
}

mediacontrol::MediaControl::Reply InProcessMediaControl::requestBlocking(ng::Value request) {
  std::promise<Reply> promise;
  auto future = promise.get_future();
  this->request(std::move(request),
                [&promise](Reply reply) { promise.set_value(std::move(reply)); });
  return future.get();
}

}  // namespace rtcgate::media
