#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/Timers.hpp"
#include "media/packet/DatagramRing.hpp"

namespace rtcgate::media {

// Something with a file descriptor the loop watches for readability.
class PollHandler {
 public:
  virtual ~PollHandler() = default;
  virtual void onReadable() = 0;
};

// One media worker's epoll loop: sockets, timers and a queue of closures posted from other threads
// (the control path; the mutex guarding it is never touched by the packet path). now() is read once
// per wake-up, so packet handling does not call the clock per packet. With a DatagramRing the loop
// waits on io_uring instead, where the media sockets' datagrams arrive; the epoll set (control
// sockets, the wake-up of posted work) is then one readiness source among them.
class EventLoop : public Timers {
 public:
  EventLoop();
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool add(int fd, PollHandler* handler);
  void remove(int fd);

  // Moves the media sockets' I/O onto io_uring; false, with the reason in `error`, where the
  // kernel refuses it (the loop stays on epoll). Call before anything is registered.
  bool useDatagramRing(std::string& error);
  DatagramRing* datagramRing() { return ring_.get(); }

  // Runs until stop(); the thread calling run() owns everything registered with this loop.
  void run();
  // One wait of at most `maxWait`, then due timers and posted closures (for tests).
  void runOnce(Duration maxWait);
  void stop();                            // any thread
  void post(std::function<void()> task);  // any thread

  Clock::time_point now() const override { return now_; }
  WallClock::time_point wallNow() const override { return WallClock::now(); }
  Id start(Duration after, std::function<void()> callback) override;
  void cancel(Id id) override;

 private:
  void runDueTimers();
  void runPosted();
  Duration untilNextTimer(Duration maxWait) const;
  int dispatchReady(int timeoutMs);  // how many handlers were ready

  int epoll_ = -1;
  int wakeup_ = -1;
  std::atomic<bool> stopped_{false};
  Clock::time_point now_;
  Id lastId_ = 0;
  std::map<std::pair<Clock::time_point, Id>, std::function<void()>> timers_;
  std::atomic<bool> hasPosted_{false};  // checked without the mutex on every wake-up
  std::mutex postedMutex_;
  std::vector<std::function<void()>> posted_;
  bool epollPending_ = false;  // with a ring: the epoll set may still have ready handlers
  std::unique_ptr<DatagramRing> ring_;
};

}  // namespace rtcgate::media
