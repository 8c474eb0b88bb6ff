#include "proxy/LocationService.hpp"

#include <algorithm>
#include <charconv>

namespace rtcgate::proxy {
namespace {

std::int64_t unixSeconds(WallSeconds time) { return time.time_since_epoch().count(); }
WallSeconds fromUnix(std::int64_t seconds) { return WallSeconds(std::chrono::seconds(seconds)); }

// "192.0.2.1:5060" or "[2001:db8::1]:5060", as SocketAddress::toString() writes them.
SocketAddress parseAddress(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return {};
  unsigned port = 0;
  const auto digits = text.substr(colon + 1);
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (error != std::errc() || end != digits.data() + digits.size() || port > 65535) return {};
  return SocketAddress::parse(text.substr(0, colon), static_cast<std::uint16_t>(port))
      .value_or(SocketAddress{});
}

store::BindingRecord toRecord(std::string_view aor, const Binding& binding) {
  store::BindingRecord record;
  record.aor = aor;
  record.key = binding.key;
  record.contact = binding.contact;
  record.q = binding.q;
  record.expiresAt = unixSeconds(binding.expiresAt);
  record.registeredAt = unixSeconds(binding.registeredAt);
  record.callId = binding.callId;
  record.cseq = binding.cseq;
  record.path = binding.path;
  record.instance = binding.instance;
  record.regId = binding.regId;
  record.userAgent = binding.userAgent;
  record.transport = sip::transportParamName(binding.flow.transport);
  record.source = binding.flow.remote.toString();
  record.local = binding.flow.local.toString();
  record.connectionId = binding.flow.connectionId;
  record.flags = binding.flags;
  return record;
}

Binding fromRecord(store::BindingRecord&& record) {
  Binding binding;
  binding.key = std::move(record.key);
  binding.contact = std::move(record.contact);
  binding.q = static_cast<std::uint16_t>(std::clamp(record.q, 0, 1000));
  binding.expiresAt = fromUnix(record.expiresAt);
  binding.registeredAt = fromUnix(record.registeredAt);
  binding.callId = std::move(record.callId);
  binding.cseq = record.cseq;
  binding.path = std::move(record.path);
  binding.instance = std::move(record.instance);
  binding.regId = record.regId;
  binding.userAgent = std::move(record.userAgent);
  sip::parseTransport(record.transport, binding.flow.transport);
  binding.flow.remote = parseAddress(record.source);
  binding.flow.local = parseAddress(record.local);
  binding.flow.connectionId = 0;
  binding.flags = record.flags;
  return binding;
}

bool betterFirst(const Binding& a, const Binding& b) {
  if (a.q != b.q) return a.q > b.q;
  return a.registeredAt > b.registeredAt;
}

}  // namespace

void LocationService::count(const store::Status& status) {
  if (!status.ok()) ++storeFailures_;
}

void LocationService::persist(std::string_view aor, const Binding& binding) {
  if (store_) count(store_->saveBinding(toRecord(aor, binding)));
}

void LocationService::unpersist(std::string_view aor, std::string_view key) {
  if (store_) count(store_->deleteBinding(aor, key));
}

std::size_t LocationService::load(WallSeconds now, const Reconnect& reconnect) {
  if (!store_) return 0;
  auto records = store_->loadBindings();
  if (!records.ok()) {
    ++storeFailures_;
    return 0;
  }
  std::size_t restored = 0;
  for (auto& record : *records) {
    sip::Transport transport = sip::Transport::Udp;
    const bool known = sip::parseTransport(record.transport, transport);
    std::string aor = std::move(record.aor);
    const auto connectionId = record.connectionId;
    const bool onConnection = connectionId != 0;
    Binding binding = fromRecord(std::move(record));
    // A binding that was on a connection of the previous process comes back only where it can
    // be reached without that connection.
    std::optional<sip::Flow> reachable = binding.flow;
    if (onConnection) {
      binding.flow.connectionId = connectionId;  // as it was, for reconnect to judge
      reachable = reconnect ? reconnect(binding) : std::nullopt;
    }
    if (!known || !reachable || binding.expired(now)) {
      unpersist(aor, binding.key);
      continue;
    }
    if (onConnection) {
      binding.flow = *reachable;
      persist(aor, binding);
    }
    auto& list = aors_[aor];
    list.push_back(std::move(binding));
    ++bindingCount_;
    ++restored;
  }
  return restored;
}

void LocationService::save(std::string_view aor, Binding binding) {
  persist(aor, binding);
  if (binding.flow.connectionId != 0) indexConnection(binding.flow.connectionId, aor);
  auto found = aors_.find(aor);
  if (found == aors_.end()) found = aors_.emplace(std::string(aor), std::vector<Binding>{}).first;
  auto& list = found->second;
  auto same = std::find_if(list.begin(), list.end(),
                           [&](const Binding& existing) { return existing.key == binding.key; });
  if (same != list.end()) {
    *same = std::move(binding);
    if (listener_) listener_("refreshed", aor, *same);
  } else {
    list.push_back(std::move(binding));
    ++bindingCount_;
    if (listener_) listener_("added", aor, list.back());
  }
}

bool LocationService::remove(std::string_view aor, std::string_view key) {
  auto found = aors_.find(aor);
  if (found == aors_.end()) return false;
  auto& list = found->second;
  auto same = std::find_if(list.begin(), list.end(),
                           [&](const Binding& existing) { return existing.key == key; });
  if (same == list.end()) return false;
  unpersist(aor, key);
  if (listener_) listener_("removed", aor, *same);
  list.erase(same);
  --bindingCount_;
  eraseIfEmpty(found);
  return true;
}

std::size_t LocationService::removeAll(std::string_view aor) {
  auto found = aors_.find(aor);
  if (found == aors_.end()) return 0;
  const std::size_t removed = found->second.size();
  if (store_) count(store_->deleteBindings(aor));
  if (listener_) {
    for (const auto& binding : found->second) listener_("removed", aor, binding);
  }
  bindingCount_ -= removed;
  aors_.erase(found);
  return removed;
}

std::vector<Binding> LocationService::lookup(std::string_view aor, WallSeconds now) const {
  std::vector<Binding> live;
  auto found = aors_.find(aor);
  if (found == aors_.end()) return live;
  for (const auto& binding : found->second) {
    if (!binding.expired(now)) live.push_back(binding);
  }
  std::stable_sort(live.begin(), live.end(), betterFirst);
  return live;
}

const std::vector<Binding>* LocationService::find(std::string_view aor) const {
  auto found = aors_.find(aor);
  return found == aors_.end() ? nullptr : &found->second;
}

void LocationService::indexConnection(std::uint64_t connectionId, std::string_view aor) {
  auto [begin, end] = aorsByConnection_.equal_range(connectionId);
  for (auto it = begin; it != end; ++it) {
    if (it->second == aor) return;
  }
  aorsByConnection_.emplace(connectionId, std::string(aor));
}

std::vector<std::pair<std::string, Binding>> LocationService::bindingsOn(
    std::uint64_t connectionId) const {
  std::vector<std::pair<std::string, Binding>> found;
  if (connectionId == 0) return found;
  auto [begin, end] = aorsByConnection_.equal_range(connectionId);
  for (auto it = begin; it != end; ++it) {
    const auto* bindings = find(it->second);
    if (bindings == nullptr) continue;
    for (const auto& binding : *bindings) {
      if (binding.flow.connectionId == connectionId) found.emplace_back(it->second, binding);
    }
  }
  return found;
}

std::size_t LocationService::onConnectionClosed(std::uint64_t connectionId,
                                                const Reconnect& reconnect) {
  if (connectionId == 0) return 0;
  auto [begin, end] = aorsByConnection_.equal_range(connectionId);
  std::size_t removed = 0;
  for (auto it = begin; it != end; ++it) {
    auto found = aors_.find(it->second);
    if (found == aors_.end()) continue;
    auto& list = found->second;
    std::erase_if(list, [&](Binding& binding) {
      if (binding.flow.connectionId != connectionId) return false;
      if (auto flow = reconnect ? reconnect(binding) : std::nullopt) {
        binding.flow = *flow;
        persist(found->first, binding);
        return false;
      }
      unpersist(found->first, binding.key);
      if (listener_) listener_("removed", found->first, binding);
      ++removed;
      return true;
    });
    eraseIfEmpty(found);
  }
  aorsByConnection_.erase(connectionId);
  bindingCount_ -= removed;
  return removed;
}

std::size_t LocationService::expire(WallSeconds now) {
  std::size_t removed = 0;
  for (auto it = aors_.begin(); it != aors_.end();) {
    removed += std::erase_if(it->second, [&](const Binding& binding) {
      if (!binding.expired(now)) return false;
      if (listener_) listener_("expired", it->first, binding);
      return true;
    });
    it = it->second.empty() ? aors_.erase(it) : std::next(it);
  }
  bindingCount_ -= removed;
  if (store_) {
    auto deleted = store_->deleteExpired(unixSeconds(now));
    if (!deleted.ok()) ++storeFailures_;
  }
  return removed;
}

void LocationService::persistAll() {
  forEach([this](const std::string& aor, const Binding& binding) { persist(aor, binding); });
}

void LocationService::eraseIfEmpty(AorMap::iterator aor) {
  if (aor->second.empty()) aors_.erase(aor);
}

}  // namespace rtcgate::proxy
