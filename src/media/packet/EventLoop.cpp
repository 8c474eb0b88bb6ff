#include "media/packet/EventLoop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <stdexcept>

namespace rtcgate::media {
namespace {

// The eventfd's own epoll tag: handlers are never at this address.
PollHandler* const kWakeupTag = nullptr;
// Epoll passes per ring wake-up before the loop checks its ring and timers again.
constexpr int kEpollRounds = 8;

}  // namespace

EventLoop::EventLoop() : now_(Clock::now()) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  wakeup_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_ < 0 || wakeup_ < 0) throw std::runtime_error("cannot create epoll/eventfd");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = kWakeupTag;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wakeup_, &event);
}

EventLoop::~EventLoop() {
  ring_.reset();  // its poll of the epoll set ends before the set is closed
  close(wakeup_);
  close(epoll_);
}

bool EventLoop::add(int fd, PollHandler* handler) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = handler;
  return epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) == 0;
}

void EventLoop::remove(int fd) { epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::run() {
  while (!stopped_.load(std::memory_order_relaxed)) runOnce(Duration(1000));
}

bool EventLoop::useDatagramRing(std::string& error) {
  ring_ = DatagramRing::create(error);
  if (ring_ == nullptr) return false;
  ring_->watchReadiness(epoll_);
  return true;
}

void EventLoop::runOnce(Duration maxWait) {
  if (ring_ != nullptr) {
    ring_->wait(epollPending_ ? Duration(0) : untilNextTimer(maxWait));
    now_ = Clock::now();
    if (ring_->dispatch() || epollPending_) {
      // The ring reports the epoll set's wake-ups, not its level: drain it, and come back without
      // sleeping if handlers leave it ready.
      int rounds = 0;
      while (dispatchReady(0) > 0 && ++rounds < kEpollRounds) {
      }
      epollPending_ = rounds == kEpollRounds;
    }
  } else {
    dispatchReady(static_cast<int>(untilNextTimer(maxWait).count()));
  }
  runDueTimers();
  runPosted();
}

int EventLoop::dispatchReady(int timeoutMs) {
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  const int count = epoll_wait(epoll_, events, kMaxEvents, timeoutMs);
  if (ring_ == nullptr) now_ = Clock::now();
  for (int i = 0; i < count; ++i) {
    auto* handler = static_cast<PollHandler*>(events[i].data.ptr);
    if (handler == kWakeupTag) {
      std::uint64_t ignored;
      [[maybe_unused]] ssize_t n = read(wakeup_, &ignored, sizeof ignored);
      continue;
    }
    handler->onReadable();
  }
  return count;
}

Duration EventLoop::untilNextTimer(Duration maxWait) const {
  if (timers_.empty()) return maxWait;
  const auto wait = std::chrono::ceil<Duration>(timers_.begin()->first.first - Clock::now());
  if (wait < Duration(0)) return Duration(0);
  return wait < maxWait ? wait : maxWait;
}

void EventLoop::stop() {
  stopped_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wakeup_, &one, sizeof one);
}

void EventLoop::post(std::function<void()> task) {
  {
    std::lock_guard lock(postedMutex_);
    posted_.push_back(std::move(task));
    hasPosted_.store(true, std::memory_order_release);
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wakeup_, &one, sizeof one);
}

void EventLoop::runPosted() {
  if (!hasPosted_.load(std::memory_order_acquire)) return;
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(postedMutex_);
    hasPosted_.store(false, std::memory_order_relaxed);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) task();
}

Timers::Id EventLoop::start(Duration after, std::function<void()> callback) {
  const Id id = ++lastId_;
  timers_.emplace(std::make_pair(now_ + after, id), std::move(callback));
  return id;
}

void EventLoop::cancel(Id id) {
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->first.second == id) {
      timers_.erase(it);
      return;
    }
  }
}

void EventLoop::runDueTimers() {
  while (!timers_.empty() && timers_.begin()->first.first <= now_) {
    auto node = timers_.extract(timers_.begin());
    node.mapped()();
  }
}

}  // namespace rtcgate::media
