#include "proxy/KeepAlivePinger.hpp"

#include <random>
#include <vector>

#include "sip/SipUri.hpp"

namespace rtcgate::proxy {

namespace {

constexpr std::chrono::seconds kSlot{1};

std::string entryKey(std::string_view aor, std::string_view key) {
  std::string out(aor);
  out += '\n';
  out.append(key);
  return out;
}

}  // namespace

KeepAlivePinger::KeepAlivePinger(KeepAliveOptions options, Timers& timers,
                                 LocationService& location, Send send, Dropped dropped)
    : options_(options),
      timers_(timers),
      location_(location),
      send_(std::move(send)),
      dropped_(std::move(dropped)) {
  // Call-IDs that no other process's pings share (a restart must not take old answers for new).
  std::random_device random;
  callIdPrefix_ = "ka-" + std::to_string(random()) + "-";
}

KeepAlivePinger::~KeepAlivePinger() { timers_.cancel(timer_); }

void KeepAlivePinger::start() {
  if (options_.interval.count() <= 0 || timer_ != 0) return;
  timer_ = timers_.start(kSlot, [this] {
    timer_ = 0;
    tick();
    start();
  });
}

bool KeepAlivePinger::behindNat(const Binding& binding) {
  // Behind an edge proxy (Path) the edge's flow is ours, the NAT its business.
  if (binding.flow.transport != sip::Transport::Udp || !binding.path.empty()) return false;
  const auto uri = sip::parseUri(binding.contact);
  if (!uri) return false;
  const auto named = SocketAddress::parse(uri->hostNoBrackets(), uri->port ? uri->port : 5060);
  return !named || *named != binding.flow.remote;
}

// One slot of the interval: the bindings whose key hashes to it are pinged, so that each is
// pinged once per interval and the pings of many bindings do not all leave at once.
void KeepAlivePinger::tick() {
  const auto slots = static_cast<std::uint64_t>(options_.interval / kSlot);
  const auto slot = ticks_ % slots;
  cycle_ = ticks_ / slots;
  ++ticks_;
  std::vector<std::string> drop;
  location_.forEach([&](std::string_view aor, const Binding& binding) {
    if (std::hash<std::string_view>{}(binding.key) % slots != slot) return;
    if (!behindNat(binding)) return;
    ping(aor, binding, drop);
  });
  for (const auto& key : drop) {
    const auto newline = key.find('\n');
    location_.remove(std::string_view(key).substr(0, newline),
                     std::string_view(key).substr(newline + 1));
  }
  if (slot == slots - 1) forgetStale();
}

void KeepAlivePinger::ping(std::string_view aor, const Binding& binding,
                           std::vector<std::string>& drop) {
  auto key = entryKey(aor, binding.key);
  auto& entry = entries_[key];
  entry.cycle = cycle_;
  if (!entry.pending.empty()) {
    // The previous ping, one interval ago, went unanswered.
    byCallId_.erase(entry.pending);
    entry.pending.clear();
    ++entry.missed;
  }
  const bool options = options_.method == KeepAliveOptions::Method::Options;
  if (options && options_.maxMissed != 0 && entry.missed >= options_.maxMissed) {
    ++stats_.bindingsDropped;
    if (dropped_) dropped_(aor, binding, entry.missed);
    entries_.erase(key);
    drop.push_back(std::move(key));
    return;
  }
  std::string callId = options ? nextCallId() : std::string();
  ++stats_.pingsSent;
  send_(aor, binding, callId);
  if (!options) return;
  byCallId_.emplace(callId, key);
  entry.pending = std::move(callId);
}

bool KeepAlivePinger::answered(std::string_view callId) {
  if (!callId.starts_with(callIdPrefix_)) return false;
  const auto it = byCallId_.find(std::string(callId));
  if (it == byCallId_.end()) return true;  // ours, answered late or twice
  if (const auto entry = entries_.find(it->second); entry != entries_.end()) {
    entry->second.pending.clear();
    entry->second.missed = 0;
  }
  byCallId_.erase(it);
  ++stats_.pingsAnswered;
  return true;
}

// Bindings that were not pinged in the last cycle are gone (unregistered, expired) or no longer
// behind NAT: their counts go.
void KeepAlivePinger::forgetStale() {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.cycle + 1 < cycle_) {
      if (!it->second.pending.empty()) byCallId_.erase(it->second.pending);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

std::string KeepAlivePinger::nextCallId() { return callIdPrefix_ + std::to_string(++sequence_); }

}  // namespace rtcgate::proxy
