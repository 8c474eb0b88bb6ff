#include "store/ResilientStore.hpp"

#include <spdlog/spdlog.h>

#include <iterator>

namespace rtcgate::store {
namespace {

template <class... Fns>
struct Overloaded : Fns... {
  using Fns::operator()...;
};
// Debian 12's clang (14) does not deduce an aggregate's template arguments by itself.
template <class... Fns>
Overloaded(Fns...) -> Overloaded<Fns...>;

}  // namespace

const char* storeOpName(StoreOp op) {
  switch (op) {
    case StoreOp::SaveBinding:
      return "save_binding";
    case StoreOp::DeleteBinding:
      return "delete_binding";
    case StoreOp::SaveCdr:
      return "save_cdr";
    case StoreOp::Read:
      return "read";
    case StoreOp::Subscriber:
      return "subscriber";
    case StoreOp::Expire:
      return "expire";
    case StoreOp::Reopen:
      return "reopen";
    case StoreOp::Count:
      break;
  }
  return "other";
}

ResilientStore::ResilientStore(std::unique_ptr<Store> backend, Reopen reopen, Timers& timers,
                               ResilientStoreOptions options)
    : backend_(std::move(backend)),
      reopen_(std::move(reopen)),
      timers_(timers),
      options_(options),
      location_(backend_ ? backend_->location() : std::string()) {
  checkTimer_ = timers_.start(options_.checkInterval, [this] { check(); });
}

ResilientStore::~ResilientStore() {
  timers_.cancel(checkTimer_);
  timers_.cancel(retryTimer_);
  // A last chance at shutdown for what still waits.
  while (backend_ && !pending_.empty() && apply(pending_.front())) popFront();
  if (!pending_.empty()) {
    spdlog::error("store: {} writes to {} lost at shutdown: {}", pending_.size(), location(),
                  lastError_);
  }
}

Status ResilientStore::putSubscriber(const Subscriber& subscriber) {
  if (!backend_) return Error{"store unavailable"};
  auto status = backend_->putSubscriber(subscriber);
  if (!status) failed(StoreOp::Subscriber);
  return status;
}

Result<bool> ResilientStore::deleteSubscriber(std::string_view user, std::string_view domain) {
  if (!backend_) return Error{"store unavailable"};
  auto deleted = backend_->deleteSubscriber(user, domain);
  if (!deleted) failed(StoreOp::Subscriber);
  return deleted;
}

Result<std::vector<Subscriber>> ResilientStore::listSubscribers() {
  if (!backend_) return Error{"store unavailable"};
  auto subscribers = backend_->listSubscribers();
  if (!subscribers) failed(StoreOp::Read);
  return subscribers;
}

Result<std::optional<Subscriber>> ResilientStore::findSubscriber(std::string_view user,
                                                                 std::string_view domain) {
  if (!backend_) return Error{"store unavailable"};
  auto found = backend_->findSubscriber(user, domain);
  if (!found) failed(StoreOp::Read);
  return found;
}

Status ResilientStore::saveBinding(const BindingRecord& binding) {
  return write(SaveBindingWrite{binding});
}

Status ResilientStore::deleteBinding(std::string_view aor, std::string_view key) {
  return write(DeleteBindingWrite{std::string(aor), std::string(key)});
}

Status ResilientStore::deleteBindings(std::string_view aor) {
  return write(DeleteAorWrite{std::string(aor)});
}

Result<std::vector<BindingRecord>> ResilientStore::loadBindings() {
  if (!backend_) return Error{"store unavailable"};
  auto bindings = backend_->loadBindings();
  if (!bindings) failed(StoreOp::Read);
  return bindings;
}

Result<int> ResilientStore::deleteExpired(std::int64_t now) {
  if (!backend_ || !pending_.empty()) return 0;
  auto deleted = backend_->deleteExpired(now);
  if (!deleted) {
    failed(StoreOp::Expire);
  } else if (failing_) {
    recovered();
  }
  return deleted;
}

Status ResilientStore::saveCdr(const CdrRecord& cdr) { return write(SaveCdrWrite{cdr}); }

Result<std::vector<CdrRecord>> ResilientStore::recentCdrs(int limit) {
  if (!backend_) return Error{"store unavailable"};
  auto cdrs = backend_->recentCdrs(limit);
  if (!cdrs) failed(StoreOp::Read);
  return cdrs;
}

std::string ResilientStore::healthReason() const {
  std::string reason;
  if (!pending_.empty()) reason = std::to_string(pending_.size()) + " writes waiting, ";
  reason += location() + ": " + (lastError_.empty() ? "failing" : lastError_);
  return reason;
}

Status ResilientStore::write(Write write) {
  // Queued writes go first: a binding's save and its later delete keep their order.
  if (backend_ && pending_.empty()) {
    if (apply(write)) {
      if (failing_) recovered();
      return ok();
    }
    enqueue(std::move(write));
    failed(opOf(pending_.back()));
  } else {
    enqueue(std::move(write));
  }
  scheduleRetry(options_.retryInterval);
  return ok();
}

Status ResilientStore::apply(const Write& write) {
  return std::visit(
      Overloaded{
          [this](const SaveBindingWrite& w) { return backend_->saveBinding(w.record); },
          [this](const DeleteBindingWrite& w) { return backend_->deleteBinding(w.aor, w.key); },
          [this](const DeleteAorWrite& w) { return backend_->deleteBindings(w.aor); },
          [this](const SaveCdrWrite& w) { return backend_->saveCdr(w.record); },
      },
      write);
}

StoreOp ResilientStore::opOf(const Write& write) {
  return std::visit(Overloaded{
                        [](const SaveBindingWrite&) { return StoreOp::SaveBinding; },
                        [](const DeleteBindingWrite&) { return StoreOp::DeleteBinding; },
                        [](const DeleteAorWrite&) { return StoreOp::DeleteBinding; },
                        [](const SaveCdrWrite&) { return StoreOp::SaveCdr; },
                    },
                    write);
}

std::string ResilientStore::bindingKeyOf(const Write& write) {
  return std::visit(
      Overloaded{
          [](const SaveBindingWrite& w) { return w.record.aor + '\0' + w.record.key; },
          [](const DeleteBindingWrite& w) { return w.aor + '\0' + w.key; },
          [](const DeleteAorWrite&) { return std::string(); },
          [](const SaveCdrWrite&) { return std::string(); },
      },
      write);
}

void ResilientStore::enqueue(Write write) {
  auto key = bindingKeyOf(write);
  if (!key.empty()) {
    if (auto older = pendingByBinding_.find(key); older != pendingByBinding_.end()) {
      pending_.erase(older->second);
      pendingByBinding_.erase(older);
    }
  }
  pending_.push_back(std::move(write));
  if (!key.empty()) pendingByBinding_.emplace(std::move(key), std::prev(pending_.end()));
  if (pending_.size() > options_.maxPending) {
    // The oldest goes: a binding's newer write replaces it anyway, and memory still has it.
    popFront();
    ++dropped_;
  }
}

void ResilientStore::popFront() {
  auto key = bindingKeyOf(pending_.front());
  if (auto it = pendingByBinding_.find(key);
      it != pendingByBinding_.end() && it->second == pending_.begin()) {
    pendingByBinding_.erase(it);
  }
  pending_.pop_front();
}

void ResilientStore::scheduleRetry(Duration after) {
  if (retryTimer_ == 0) retryTimer_ = timers_.start(after, [this] { retry(); });
}

void ResilientStore::retry() {
  retryTimer_ = 0;
  if (!reopenIfDetached()) return scheduleRetry(options_.retryInterval);
  std::size_t written = 0;
  while (!pending_.empty()) {
    // Long backlogs are written in slices, so that the loop serves messages in between.
    if (written == options_.writesPerAttempt) return scheduleRetry(Duration(1));
    if (!apply(pending_.front())) {
      failed(opOf(pending_.front()));
      return scheduleRetry(options_.retryInterval);
    }
    popFront();
    ++written;
    ++caughtUp_;
  }
  recovered();
}

void ResilientStore::check() {
  checkTimer_ = timers_.start(options_.checkInterval, [this] { check(); });
  if ((!backend_ || backend_->detached()) && retryTimer_ == 0) retry();
}

bool ResilientStore::reopenIfDetached() {
  if (backend_ && !backend_->detached()) return true;
  if (backend_) {
    spdlog::error(
        "store: {} was removed or replaced; reopening it, with what the removed file held",
        location());
  }
  std::string error;
  auto reopened = reopen_ ? reopen_(std::move(backend_), error) : nullptr;
  backend_ = std::move(reopened);
  if (!backend_) {
    lastError_ = error.empty() ? "cannot reopen" : error;
    failed(StoreOp::Reopen);
    return false;
  }
  ++reopened_;
  spdlog::warn("store: {} reopened", location());
  // What only memory holds (bindings written to the removed file) is written again.
  if (onReopened_) onReopened_();
  return true;
}

void ResilientStore::failed(StoreOp op) {
  ++errors_[static_cast<int>(op)];
  failing_ = true;
  if (backend_) lastError_ = backend_->lastError();
  const auto now = timers_.now();
  if (logged_ && now - lastLog_ < options_.logInterval) {
    ++failuresSinceLog_;
    return;
  }
  // Loud, but one line per interval: a store that is down fails every REGISTER.
  spdlog::error(
      "store: {} failed on {}: {}; bindings and CDRs wait in memory ({} writes waiting, "
      "{} dropped, {} more failures since the last report)",
      storeOpName(op), location(), lastError_, pending_.size(), dropped_, failuresSinceLog_);
  logged_ = true;
  lastLog_ = now;
  failuresSinceLog_ = 0;
}

void ResilientStore::recovered() {
  if (failing_ || logged_) {
    spdlog::warn("store: {} takes writes again ({} writes caught up so far, {} dropped)",
                 location(), caughtUp_, dropped_);
  }
  failing_ = false;
  logged_ = false;
  failuresSinceLog_ = 0;
}

}  // namespace rtcgate::store
