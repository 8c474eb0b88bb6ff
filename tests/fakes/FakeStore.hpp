#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "store/Store.hpp"

namespace rtcgate::testing {

// An in-memory Store whose writes and reads fail while `failing` is set (a locked or full
// database) and that reports itself `detached` on demand (a removed file). It records every
// write it took, in order, so tests can check what reached it and when.
class FakeStore final : public store::Store {
 public:
  bool failing = false;
  bool isDetached = false;
  std::map<std::pair<std::string, std::string>, store::BindingRecord> bindings;
  std::vector<store::CdrRecord> cdrs;
  std::vector<std::string> log;  // "save aor key", "delete aor key", "delete-all aor", "cdr id"
  std::map<std::pair<std::string, std::string>, store::Subscriber> subscribers;
  std::vector<std::string>* alsoLog = nullptr;  // outlives the fake, for its owner's destructor

  void note(std::string entry) {
    if (alsoLog) alsoLog->push_back(entry);
    log.push_back(std::move(entry));
  }

  store::Status putSubscriber(const store::Subscriber& subscriber) override {
    if (failing) return Error{"store write failed"};
    subscribers[{subscriber.user, subscriber.domain}] = subscriber;
    return store::ok();
  }
  Result<bool> deleteSubscriber(std::string_view user, std::string_view domain) override {
    if (failing) return Error{"store write failed"};
    return subscribers.erase({std::string(user), std::string(domain)}) > 0;
  }
  Result<std::vector<store::Subscriber>> listSubscribers() override {
    if (failing) return Error{"store read failed"};
    std::vector<store::Subscriber> out;
    for (const auto& [key, subscriber] : subscribers) out.push_back(subscriber);
    return out;
  }
  Result<std::optional<store::Subscriber>> findSubscriber(std::string_view user,
                                                          std::string_view domain) override {
    if (failing) return Error{"store read failed"};
    auto found = subscribers.find({std::string(user), std::string(domain)});
    if (found == subscribers.end()) return std::optional<store::Subscriber>{};
    return std::optional<store::Subscriber>{found->second};
  }
  store::Status saveBinding(const store::BindingRecord& binding) override {
    if (failing) return Error{"store write failed"};
    bindings[{binding.aor, binding.key}] = binding;
    note("save " + binding.aor + " " + binding.key);
    return store::ok();
  }
  store::Status deleteBinding(std::string_view aor, std::string_view key) override {
    if (failing) return Error{"store write failed"};
    bindings.erase({std::string(aor), std::string(key)});
    note("delete " + std::string(aor) + " " + std::string(key));
    return store::ok();
  }
  store::Status deleteBindings(std::string_view aor) override {
    if (failing) return Error{"store write failed"};
    std::erase_if(bindings, [&](const auto& entry) { return entry.first.first == aor; });
    note("delete-all " + std::string(aor));
    return store::ok();
  }
  Result<std::vector<store::BindingRecord>> loadBindings() override {
    if (failing) return Error{"store read failed"};
    std::vector<store::BindingRecord> out;
    for (const auto& [key, binding] : bindings) out.push_back(binding);
    return out;
  }
  Result<int> deleteExpired(std::int64_t now) override {
    if (failing) return Error{"store write failed"};
    return static_cast<int>(
        std::erase_if(bindings, [&](const auto& entry) { return entry.second.expiresAt <= now; }));
  }
  store::Status saveCdr(const store::CdrRecord& cdr) override {
    if (failing) return Error{"store write failed"};
    cdrs.push_back(cdr);
    cdrs.back().id = static_cast<std::int64_t>(cdrs.size());
    note("cdr " + cdr.callId);
    return store::ok();
  }
  Result<std::vector<store::CdrRecord>> recentCdrs(int limit) override {
    if (failing) return Error{"store read failed"};
    std::vector<store::CdrRecord> out(cdrs.rbegin(), cdrs.rend());
    if (out.size() > static_cast<std::size_t>(limit)) out.resize(limit);
    return out;
  }

  std::string location() const override { return "/fake/rtcgate.db"; }
  std::string lastError() const override { return failing ? "database is locked" : ""; }
  bool detached() const override { return isDetached; }
};

}  // namespace rtcgate::testing
