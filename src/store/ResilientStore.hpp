#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>

#include "base/Timers.hpp"
#include "store/Store.hpp"

namespace rtcgate::store {

// Store operations, for the error counters (rtcgate_store_errors_total{op}).
enum class StoreOp { SaveBinding, DeleteBinding, SaveCdr, Read, Subscriber, Expire, Reopen, Count };
const char* storeOpName(StoreOp op);

struct ResilientStoreOptions {
  std::size_t maxPending = 10000;                  // writes kept while the store fails
  Duration retryInterval{1000};                    // between attempts to write what waits
  Duration checkInterval{2000};                    // between checks that the file is still there
  Duration logInterval{std::chrono::seconds(10)};  // at most one error line per interval
  std::size_t writesPerAttempt = 500;              // then the loop gets a turn
};

// The store the gateway uses: a Store whose binding and CDR writes never fail to the caller.
// The signalling loop must not stop for a store fault (disk full, file removed, database locked
// by another process): what the backend refuses is queued, in order and bounded, and written
// when the backend takes writes again; meanwhile memory is authoritative (the location service
// keeps every binding), and health says why the store is behind. A removed or replaced file is
// noticed on a timer and the store reopened through `reopen`; `onReopened` lets the owner write
// again what only memory holds. Single-threaded, on the signalling loop, like Store.
class ResilientStore final : public Store {
 public:
  // Returns a new backend in place of the detached one (which it may read from), or nullptr
  // with error set.
  using Reopen =
      std::function<std::unique_ptr<Store>(std::unique_ptr<Store> old, std::string& error)>;

  ResilientStore(std::unique_ptr<Store> backend, Reopen reopen, Timers& timers,
                 ResilientStoreOptions options = {});
  ~ResilientStore() override;
  ResilientStore(const ResilientStore&) = delete;
  ResilientStore& operator=(const ResilientStore&) = delete;

  void onReopened(std::function<void()> callback) { onReopened_ = std::move(callback); }

  // Subscriber writes come from operators, who are told when they fail: not queued.
  Status putSubscriber(const Subscriber& subscriber) override;
  Result<bool> deleteSubscriber(std::string_view user, std::string_view domain) override;
  Result<std::vector<Subscriber>> listSubscribers() override;
  Result<std::optional<Subscriber>> findSubscriber(std::string_view user,
                                                   std::string_view domain) override;

  // Always ok: written now, or queued (dropped, and counted, only past maxPending).
  Status saveBinding(const BindingRecord& binding) override;
  Status deleteBinding(std::string_view aor, std::string_view key) override;
  Status deleteBindings(std::string_view aor) override;
  Result<std::vector<BindingRecord>> loadBindings() override;
  // Skipped while writes wait (they go first; the next sweep deletes).
  Result<int> deleteExpired(std::int64_t now) override;
  Status saveCdr(const CdrRecord& cdr) override;
  Result<std::vector<CdrRecord>> recentCdrs(int limit) override;

  std::string location() const override { return backend_ ? backend_->location() : location_; }
  std::string lastError() const override { return lastError_; }

  // Degraded: writes are waiting, or the last attempt failed. Reason for the health check.
  bool degraded() const { return !pending_.empty() || failing_; }
  std::string healthReason() const;
  std::size_t pendingWrites() const { return pending_.size(); }
  const std::uint64_t& errors(StoreOp op) const { return errors_[static_cast<int>(op)]; }
  const std::uint64_t& dropped() const { return dropped_; }
  const std::uint64_t& caughtUp() const { return caughtUp_; }
  const std::uint64_t& reopened() const { return reopened_; }

 private:
  struct SaveBindingWrite {
    BindingRecord record;
  };
  struct DeleteBindingWrite {
    std::string aor;
    std::string key;
  };
  struct DeleteAorWrite {
    std::string aor;
  };
  struct SaveCdrWrite {
    CdrRecord record;
  };
  using Write = std::variant<SaveBindingWrite, DeleteBindingWrite, DeleteAorWrite, SaveCdrWrite>;
  using Pending = std::list<Write>;

  static StoreOp opOf(const Write& write);
  static std::string bindingKeyOf(const Write& write);
  Status write(Write write);
  Status apply(const Write& write);
  void enqueue(Write write);
  void popFront();
  void retry();
  void check();
  bool reopenIfDetached();
  void scheduleRetry(Duration after);
  void failed(StoreOp op);
  void recovered();

  std::unique_ptr<Store> backend_;
  Reopen reopen_;
  Timers& timers_;
  ResilientStoreOptions options_;
  std::function<void()> onReopened_;
  std::string location_;  // the backend's, kept for messages while there is none
  Pending pending_;
  // The queued write of each binding ("aor\0key"): a newer write of it replaces it, so a phone
  // that re-registers every minute of an outage takes one slot, not one per REGISTER.
  std::unordered_map<std::string, Pending::iterator> pendingByBinding_;
  bool failing_ = false;
  std::string lastError_;
  std::uint64_t errors_[static_cast<int>(StoreOp::Count)] = {};
  std::uint64_t dropped_ = 0;
  std::uint64_t caughtUp_ = 0;
  std::uint64_t reopened_ = 0;
  std::uint64_t failuresSinceLog_ = 0;
  Clock::time_point lastLog_{};
  bool logged_ = false;
  Timers::Id retryTimer_ = 0;
  Timers::Id checkTimer_ = 0;
};

}  // namespace rtcgate::store
