#include "admin/EventQueue.hpp"

namespace rtcgate::admin {

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

}  // namespace rtcgate::admin
