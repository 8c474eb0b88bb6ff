#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <unordered_map>

#include "base/Timers.hpp"

namespace rtcgate::io {

// rtcgate::Timers over an io_context: one steady_timer per pending timer, callbacks run on the
// loop's thread. Cancelling after the timer fired is a no-op, and destroying this object drops
// every pending callback (handlers still queued in the loop find the state gone).
class AsioTimers : public Timers {
 public:
  explicit AsioTimers(boost::asio::io_context& io);
  ~AsioTimers() override;
  AsioTimers(const AsioTimers&) = delete;
  AsioTimers& operator=(const AsioTimers&) = delete;

  Clock::time_point now() const override { return Clock::now(); }
  WallClock::time_point wallNow() const override { return WallClock::now(); }
  Id start(Duration after, std::function<void()> callback) override;
  void cancel(Id id) override;

  std::size_t pendingCount() const { return state_->pending.size(); }

 private:
  struct Pending {
    explicit Pending(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::function<void()> callback;
  };
  struct State {
    std::unordered_map<Id, std::unique_ptr<Pending>> pending;
  };

  static void fire(const std::weak_ptr<State>& weakState, Id id);

  boost::asio::io_context& io_;
  Id lastId_ = 0;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace rtcgate::io
