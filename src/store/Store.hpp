#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/Result.hpp"

namespace rtcgate::store {

// Success without a value, or the static reason of a failed store operation.
using Status = rtcgate::Status;
inline Status ok() { return success(); }

// A local user. Passwords are never stored, only the two digest HA1 hashes (RFC 7616) computed
// with realm = domain, so the store leaks no clear-text password and auth needs no hashing of it.
struct Subscriber {
  std::string user;
  std::string domain;
  std::string ha1Md5;
  std::string ha1Sha256;
};

// One contact binding of an address-of-record as persisted. `key` identifies the binding inside
// its AOR: the Contact URI for plain RFC 3261 bindings, the instance (and reg-id) for RFC 5626
// ones, whose flows may share a Contact URI. The flow fields are text so any backend can keep them.
struct BindingRecord {
  std::string aor;
  std::string key;
  std::string contact;            // the Contact URI (without header parameters)
  int q = 1000;                   // 0..1000 (q-value times 1000)
  std::int64_t expiresAt = 0;     // unix seconds
  std::int64_t registeredAt = 0;  // unix seconds of the last REGISTER that refreshed it
  std::string callId;
  std::uint32_t cseq = 0;
  std::string path;      // Path header values joined with ", "
  std::string instance;  // +sip.instance value, e.g. "<urn:uuid:...>"
  std::uint32_t regId = 0;
  std::string userAgent;
  std::string transport;           // "udp", "tcp", "tls", "ws", "wss"
  std::string source;              // peer "ip:port"
  std::string local;               // our socket "ip:port"
  std::uint64_t connectionId = 0;  // only meaningful while the process that wrote it runs
  std::uint32_t flags = 0;

  friend bool operator==(const BindingRecord&, const BindingRecord&) = default;
};

// One ended call (a call detail record): the parties, times, outcome, and the relay's media
// statistics as JSON (empty when the media did not go through the relay).
struct CdrRecord {
  std::int64_t id = 0;  // assigned by the store
  std::string callId;
  std::string from;
  std::string to;
  std::string sourceTransport;
  std::string destinationTransport;
  std::int64_t start = 0;   // unix seconds
  std::int64_t answer = 0;  // 0: never answered
  std::int64_t end = 0;
  std::int64_t duration = 0;  // seconds from answer to end
  std::string endReason;
  int sipCode = 0;
  std::string mediaJson;

  friend bool operator==(const CdrRecord&, const CdrRecord&) = default;
};

// Persistent state of the gateway. SQLite is the embedded implementation; a shared PostgreSQL
// one lets several nodes see the same users and registrations. Single-threaded: called on the
// signalling loop that owns it.
class Store {
 public:
  virtual ~Store() = default;

  // Inserts or replaces the subscriber (user, domain).
  virtual Status putSubscriber(const Subscriber& subscriber) = 0;
  // Result false when there was no such subscriber.
  virtual Result<bool> deleteSubscriber(std::string_view user, std::string_view domain) = 0;
  virtual Result<std::vector<Subscriber>> listSubscribers() = 0;
  virtual Result<std::optional<Subscriber>> findSubscriber(std::string_view user,
                                                           std::string_view domain) = 0;

  // Inserts or replaces the binding (aor, key).
  virtual Status saveBinding(const BindingRecord& binding) = 0;
  virtual Status deleteBinding(std::string_view aor, std::string_view key) = 0;
  virtual Status deleteBindings(std::string_view aor) = 0;
  virtual Result<std::vector<BindingRecord>> loadBindings() = 0;
  // Deletes bindings with expiresAt <= now; returns how many.
  virtual Result<int> deleteExpired(std::int64_t now) = 0;

  virtual Status saveCdr(const CdrRecord& cdr) = 0;
  // The newest `limit` records, newest first.
  virtual Result<std::vector<CdrRecord>> recentCdrs(int limit) = 0;

  // For operators' messages: where the data lives (a file path), and the backend's own words
  // about the last operation that failed (SQLite's message), since Error holds a static reason.
  virtual std::string location() const { return {}; }
  virtual std::string lastError() const { return {}; }
  // True when the storage this store opened is no longer where it was (its file was removed or
  // replaced): writes still "succeed" but go nowhere, so the store must be reopened.
  virtual bool detached() const { return false; }
};

}  // namespace rtcgate::store
