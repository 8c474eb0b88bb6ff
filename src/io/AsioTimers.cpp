#include "io/AsioTimers.hpp"

namespace rtcgate::io {

AsioTimers::AsioTimers(boost::asio::io_context& io) : io_(io) {}

AsioTimers::~AsioTimers() {
  // Destroying the steady_timers aborts their waits; the handlers see the weak state expire.
  state_->pending.clear();
}

Timers::Id AsioTimers::start(Duration after, std::function<void()> callback) {
  const Id id = ++lastId_;
  auto pending = std::make_unique<Pending>(io_);
  pending->callback = std::move(callback);
  pending->timer.expires_after(after);
  pending->timer.async_wait(
      [weakState = std::weak_ptr<State>(state_), id](const boost::system::error_code& error) {
        if (!error) fire(weakState, id);
      });
  state_->pending.emplace(id, std::move(pending));
  return id;
}

void AsioTimers::cancel(Id id) { state_->pending.erase(id); }

void AsioTimers::fire(const std::weak_ptr<State>& weakState, Id id) {
  auto state = weakState.lock();
  if (!state) return;
  auto it = state->pending.find(id);
  // Gone: cancelled after the expiry was already queued.
  if (it == state->pending.end()) return;
  auto callback = std::move(it->second->callback);
  state->pending.erase(it);
  callback();
}

}  // namespace rtcgate::io
