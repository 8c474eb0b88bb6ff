#include "mediacontrol/RelayPool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace rtcgate::mediacontrol {

RelayPool::RelayPool(boost::asio::io_context& io, Timers& timers, std::vector<SocketAddress> relays,
                     Duration pingInterval, unsigned misses)
    : timers_(timers), pingInterval_(pingInterval), misses_(std::max(misses, 1u)) {
  // A ping must fail fast: one short try, the next round tries again.
  NgClientOptions pingable;
  pingable.timeout = std::chrono::milliseconds(500);
  pingable.tries = 3;
  // A question is for a person waiting: a short timeout, two tries.
  NgClientOptions quick;
  quick.timeout = std::chrono::milliseconds(300);
  quick.tries = 2;
  for (const auto& address : relays) {
    relays_.push_back({RelayState{address},
                       std::make_unique<NgClient>(io, timers, address, pingable),
                       std::make_unique<NgClient>(io, timers, address, quick)});
  }
  ping();
}

RelayPool::~RelayPool() {
  *alive_ = false;
  if (pingTimer_) timers_.cancel(pingTimer_);
}

std::vector<RelayPool::RelayState> RelayPool::relays() const {
  std::vector<RelayState> states;
  for (const auto& relay : relays_) states.push_back(relay.state);
  return states;
}

int RelayPool::pick(const std::vector<int>& skip) const {
  int best = -1;
  for (int i = 0; i < static_cast<int>(relays_.size()); ++i) {
    const auto& state = relays_[static_cast<std::size_t>(i)].state;
    if (!state.alive || std::find(skip.begin(), skip.end(), i) != skip.end()) continue;
    if (best < 0 || state.calls < relays_[static_cast<std::size_t>(best)].state.calls) best = i;
  }
  return best;
}

void RelayPool::request(ng::Value request, Callback done) {
  const std::string command(request.stringAt("command"));
  const std::string callId(request.stringAt("call-id"));
  auto placed = callRelay_.find(callId);
  if (placed != callRelay_.end()) return send(placed->second, std::move(request), std::move(done));
  if (command == "offer") return place(std::move(request), std::move(done), {});
  if (!callId.empty()) return broadcast(std::move(request), std::move(done));
  send(std::max(pick({}), 0), std::move(request), std::move(done));  // ping, list, statistics
}

void RelayPool::ask(ng::Value request, Callback done) {
  if (relays_.empty()) return done(RelayError::unreachable("no media relay"));
  const auto placed = callRelay_.find(std::string(request.stringAt("call-id")));
  const std::size_t index =
      placed != callRelay_.end() ? static_cast<std::size_t>(placed->second) : 0;
  relays_[index].quick->request(std::move(request), std::move(done));
}

// A new call: the least-loaded live relay; one that does not answer is marked down and the offer
// goes to the next one, so a dead relay costs a new call one timeout, not the call.
void RelayPool::place(ng::Value request, Callback done, std::vector<int> tried) {
  const int index = pick(tried);
  if (index < 0) return done(RelayError::unreachable("no live media relay"));
  const std::string callId(request.stringAt("call-id"));
  callRelay_[callId] = index;
  ++relays_[static_cast<std::size_t>(index)].state.calls;
  ng::Value copy = request;
  relays_[static_cast<std::size_t>(index)].client->request(
      std::move(copy), [this, alive = alive_, index, callId, request = std::move(request),
                        done = std::move(done), tried = std::move(tried)](Reply reply) mutable {
        if (!*alive) return done(std::move(reply));
        // A refusal is a reply (result "error"): the relay is alive, the offer is what it does
        // not want. Only no reply at all marks it down.
        if (reply) return done(std::move(reply));
        auto& state = relays_[static_cast<std::size_t>(index)].state;
        ++state.failures;
        // This call is not lost with the relay: it is placed again just below.
        if (callRelay_.erase(callId) > 0 && state.calls > 0) --state.calls;
        setAlive(static_cast<std::size_t>(index), false, reply.error().reason);
        tried.push_back(index);
        place(std::move(request), std::move(done), std::move(tried));
      });
}

void RelayPool::send(int index, ng::Value request, Callback done) {
  const std::string callId(request.stringAt("call-id"));
  const bool wholeCallDeleted =
      request.stringAt("command") == "delete" && request.stringAt("from-tag").empty();
  relays_[static_cast<std::size_t>(index)].client->request(
      std::move(request),
      [this, alive = alive_, index, callId, wholeCallDeleted, done = std::move(done)](Reply reply) {
        if (*alive) {
          auto& state = relays_[static_cast<std::size_t>(index)].state;
          if (wholeCallDeleted && callRelay_.erase(callId) > 0 && state.calls > 0) --state.calls;
          if (!reply) {
            // No reply after every try: the relay is as dead as one that misses its pings, and
            // waiting for the next ping would leave its calls without media for longer.
            ++state.failures;
            setAlive(static_cast<std::size_t>(index), false, reply.error().reason);
          }
        }
        done(std::move(reply));
      });
}

// The first relay that knows the call answers; if none does, the last reply goes back. Relays
// that are down are left out while another is up: the calls of a dead relay end with a delete
// that would otherwise wait for its timeout.
void RelayPool::broadcast(ng::Value request, Callback done) {
  struct Gather {
    std::size_t waiting;
    bool answered = false;
    Callback done;
  };
  const bool anyAlive = pick({}) >= 0;
  std::vector<NgClient*> targets;
  for (auto& relay : relays_) {
    if (relay.state.alive || !anyAlive) targets.push_back(relay.client.get());
  }
  auto gather = std::make_shared<Gather>(Gather{targets.size(), false, std::move(done)});
  for (auto* client : targets) {
    client->request(request, [gather](Reply reply) {
      --gather->waiting;
      if (gather->answered) return;
      const bool known = reply && reply->stringAt("result") == "ok";
      if (known || gather->waiting == 0) {
        gather->answered = true;
        gather->done(std::move(reply));
      }
    });
  }
}

void RelayPool::ping() {
  for (std::size_t i = 0; i < relays_.size(); ++i) {
    relays_[i].client->request(MediaControl::ping(), [this, alive = alive_, i](Reply reply) {
      if (*alive) pinged(i, reply);
    });
  }
  pingTimer_ = timers_.start(pingInterval_, [this] { ping(); });
}

void RelayPool::pinged(std::size_t index, const Reply& reply) {
  auto& relay = relays_[index];
  const bool up = reply && reply->stringAt("result") == "pong";
  if (up) {
    relay.missedPings = 0;
    setAlive(index, true, {});
    askStatistics(index);
    return;
  }
  if (++relay.missedPings < misses_ && relay.state.alive) return;
  setAlive(index, false,
           (!reply ? reply.error().reason : std::string("no pong")) + " (" +
               std::to_string(relay.missedPings) + " ping(s) missed)");
}

void RelayPool::setAlive(std::size_t index, bool up, const std::string& why) {
  auto& state = relays_[index].state;
  if (up == state.alive) return;
  state.alive = up;
  if (up) {
    spdlog::warn("media relay {} is back", state.address.toString());
  } else {
    spdlog::warn("media relay {} is down: {}", state.address.toString(), why);
  }
  if (healthChanged_) healthChanged_(state);
  if (up) return;
  auto lost = forgetCalls(static_cast<int>(index));
  if (lost.empty()) return;
  state.callsLost += lost.size();
  spdlog::warn("media relay {} held {} call(s): their media is gone", state.address.toString(),
               lost.size());
  if (callsLost_) callsLost_(state, lost);
}

// The calls placed on a relay that went down: forgotten, so that whatever happens to them next
// (a delete when they end, an offer that moves them) goes to the relays that are alive.
std::vector<std::string> RelayPool::forgetCalls(int index) {
  std::vector<std::string> lost;
  for (auto it = callRelay_.begin(); it != callRelay_.end();) {
    if (it->second == index) {
      lost.push_back(it->first);
      it = callRelay_.erase(it);
    } else {
      ++it;
    }
  }
  relays_[static_cast<std::size_t>(index)].state.calls = 0;
  return lost;
}

void RelayPool::askStatistics(std::size_t index) {
  ng::Value request = ng::Value::dict();
  request.set("command", "statistics");
  relays_[index].client->request(std::move(request), [this, alive = alive_, index](Reply reply) {
    if (!*alive || !reply || reply->stringAt("result") != "ok") return;
    auto& state = relays_[index].state;
    state.totals = totalsFrom(*reply);
    state.statisticsKnown = true;
  });
}

ng::RelayTotals RelayPool::totalsFrom(const ng::Value& reply) {
  ng::RelayTotals totals;
  const ng::Value* statistics = reply.find("statistics");
  if (statistics == nullptr || !statistics->isDict()) return totals;
  auto read = [](const ng::Value* dict, const char* key, std::uint64_t& into) {
    const ng::Value* value = dict != nullptr && dict->isDict() ? dict->find(key) : nullptr;
    if (value == nullptr) return;
    if (auto number = value->number(); number && *number >= 0) {
      into = static_cast<std::uint64_t>(*number);
    }
  };
  for (const auto& statistic : ng::kRelayStatistics) {
    read(statistics->find(statistic.section), statistic.key, totals.*statistic.field);
  }
  return totals;
}

}  // namespace rtcgate::mediacontrol
