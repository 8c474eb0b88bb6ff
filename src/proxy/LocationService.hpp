#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proxy/Binding.hpp"
#include "store/Store.hpp"

namespace rtcgate::proxy {

// Where each address-of-record can be reached: AOR -> contact bindings, in memory for lookups on
// every call, written through to the Store so that registrations survive a restart. Bindings
// that can only be reached over their connection -- RFC 5626 flows (reg-id), WebSocket clients,
// `.invalid` contacts -- die with it (the flow failed); a phone that registered over TCP/TLS with
// a routable Contact stays, and is reached by a new connection to its Contact, as Kamailio does;
// so does it after a restart, when the previous process's connections are gone.
// Single-threaded: owned by the signalling loop.
class LocationService {
 public:
  // Where a binding whose connection closed can be reached now (connectionId 0), or nullopt
  // when only that connection could reach it.
  using Reconnect = std::function<std::optional<sip::Flow>(const Binding& binding)>;

  // store may be null: memory only (tests, benchmarks).
  explicit LocationService(store::Store* store) : store_(store) {}

  // Start-up: restores unexpired bindings from the store -- those that were on a connection of
  // the previous process at the flow `reconnect` gives -- and deletes the rest there.
  // Returns how many were restored.
  std::size_t load(WallSeconds now, const Reconnect& reconnect = {});

  // Inserts, or replaces the binding with the same key in the AOR.
  void save(std::string_view aor, Binding binding);
  // false when there was no such binding.
  bool remove(std::string_view aor, std::string_view key);
  std::size_t removeAll(std::string_view aor);

  // Live bindings, best first: q descending, then the most recently registered. Copies, so they
  // stay valid while the caller forks the request.
  std::vector<Binding> lookup(std::string_view aor, WallSeconds now) const;
  // The stored bindings of an AOR (expired ones included until the next expire()), or nullptr.
  const std::vector<Binding>* find(std::string_view aor) const;

  // A connection closed: its bindings move to the flow `reconnect` gives, or are dropped.
  // Returns how many were dropped.
  std::size_t onConnectionClosed(std::uint64_t connectionId, const Reconnect& reconnect = {});
  // The bindings registered over this connection, with their AOR (copies).
  std::vector<std::pair<std::string, Binding>> bindingsOn(std::uint64_t connectionId) const;
  bool carriesBindings(std::uint64_t connectionId) const {
    return connectionId != 0 && aorsByConnection_.contains(connectionId);
  }
  // Periodic sweep of expired bindings, memory and store. Returns how many were dropped.
  std::size_t expire(WallSeconds now);
  // Writes every binding to the store again: after the store was recreated (its file removed),
  // memory is the only complete copy.
  void persistAll();

  // Calls fn(aor, binding) for every stored binding (for the management API).
  template <class Fn>
  void forEach(Fn&& fn) const {
    for (const auto& [aor, bindings] : aors_) {
      for (const auto& binding : bindings) fn(aor, binding);
    }
  }

  // Told of every change (for the events API): "added", "refreshed", "removed" (unregistered,
  // deleted by the API, or its connection closed) and "expired".
  using Listener =
      std::function<void(std::string_view event, std::string_view aor, const Binding& binding)>;
  void onChange(Listener listener) { listener_ = std::move(listener); }

  std::size_t bindingCount() const { return bindingCount_; }
  std::size_t aorCount() const { return aors_.size(); }
  // Store operations that failed (logged by the store); memory stays authoritative meanwhile.
  std::uint64_t storeFailures() const { return storeFailures_; }

 private:
  // Heterogeneous lookup: find by string_view without building a std::string.
  struct AorHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view aor) const {
      return std::hash<std::string_view>{}(aor);
    }
  };
  using AorMap = std::unordered_map<std::string, std::vector<Binding>, AorHash, std::equal_to<>>;

  void persist(std::string_view aor, const Binding& binding);
  void unpersist(std::string_view aor, std::string_view key);
  void indexConnection(std::uint64_t connectionId, std::string_view aor);
  void eraseIfEmpty(AorMap::iterator aor);
  void count(const store::Status& status);

  store::Store* store_;
  AorMap aors_;
  // Connection id -> AORs that had a binding over it (a hint, checked when the connection
  // closes; cleared then).
  std::unordered_multimap<std::uint64_t, std::string> aorsByConnection_;
  std::size_t bindingCount_ = 0;
  Listener listener_;
  std::uint64_t storeFailures_ = 0;
};

}  // namespace rtcgate::proxy
