#include "http/EventQueue.hpp"

namespace rtcgate::http {

bool EventQueue::push(SharedText event) {
  bool kept = true;
  if (events_.size() >= capacity_) {
    events_.pop_front();
    ++dropped_;
    if (droppedTotal_) ++*droppedTotal_;
    kept = false;
  }
  events_.push_back(std::move(event));
  return kept;
}

}  // namespace rtcgate::http
