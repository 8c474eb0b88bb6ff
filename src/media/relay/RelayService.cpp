#include "media/relay/RelayService.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <mutex>

#include "media/packet/PeerAddress.hpp"
#include "media/relay/ListenUrl.hpp"
#include "ng/NgRequest.hpp"

namespace rtcgate::media {
namespace {

// Adds the integer statistics of `part` into `total` (same layout); uptime is not a sum.
void addStatistics(ng::Value& total, const ng::Value& part) {
  for (std::size_t i = 0; i < total.size() && i < part.size(); ++i) {
    ng::Value& mine = total.items()[i];
    const ng::Value& theirs = part.items()[i];
    if (mine.isDict()) {
      addStatistics(mine, theirs);
    } else if (mine.isInteger() && theirs.isInteger() && total.keys()[i] != "uptime") {
      mine = ng::Value::integer(mine.integerValue() + theirs.integerValue());
    }
  }
}

Result<std::vector<AddressRange>> parseSources(const std::vector<std::string>& texts) {
  std::vector<AddressRange> sources;
  for (const std::string& text : texts) {
    auto range = AddressRange::parse(text);
    if (!range) return Error{"relay.allowed_sources: not an address or CIDR block"};
    sources.push_back(*range);
  }
  return sources;
}

ng::Value merge(const std::string& command, std::int64_t limit, std::vector<ng::Value>& parts) {
  ng::Value merged = std::move(parts.front());
  for (std::size_t k = 1; k < parts.size(); ++k) {
    if (command == "statistics") {
      addStatistics(merged, parts[k]);
      continue;
    }
    ng::Value* calls = merged.find("calls");
    const ng::Value* more = parts[k].find("calls");
    if (calls == nullptr || more == nullptr) continue;
    for (const ng::Value& call : more->items()) {
      if (static_cast<std::int64_t>(calls->size()) >= limit) break;
      calls->push(call);
    }
  }
  return merged;
}

}  // namespace

RelayService::RelayService(RelayOptions options) : options_(std::move(options)) {
  const unsigned count = options_.workers == 0 ? 1 : options_.workers;
  // Each worker gets its own even-aligned slice of the port range, so no port is shared.
  const std::uint32_t span = options_.portMax - options_.portMin + 1u;
  const std::uint32_t slice = std::max<std::uint32_t>(2, (span / count) & ~1u);
  for (unsigned k = 0; k < count; ++k) {
    RelayOptions mine = options_;
    mine.portMin = static_cast<std::uint16_t>(options_.portMin + k * slice);
    mine.portMax =
        k + 1 == count ? options_.portMax : static_cast<std::uint16_t>(mine.portMin + slice - 1);
    auto worker = std::make_unique<Worker>();
    // Before the engine: its packet path takes the loop's ring, if there is one, when made.
    if (options_.packetIo != RelayOptions::PacketIo::Epoll && packetIoProblem_.empty())
      worker->loop.useDatagramRing(packetIoProblem_);
    worker->engine = std::make_unique<RelayEngine>(worker->loop, mine);
    workers_.push_back(std::move(worker));
  }
  EventLoop& control = workers_.front()->loop;
  ngServer_ = std::make_unique<NgServer>(
      control,
      [this, &control](const ng::Value& request, NgServer::ReplyFn reply) {
        const bool statistics = request.stringAt("command") == "statistics";
        // The reply goes back to the listener's loop, which owns the cookie cache.
        dispatch(request, [this, &control, statistics, reply = std::move(reply)](ng::Value value) {
          control.post([this, statistics, reply, value = std::move(value)]() mutable {
            if (statistics) addControlStatistics(value);
            reply(value);
          });
        });
      },
      options_.cookieCacheTime);
}

RelayService::~RelayService() { stop(); }

const char* RelayService::packetIo() const {
  return workers_.front()->loop.datagramRing() != nullptr ? "io_uring" : "epoll";
}

// An interface whose address is not this host's is found at start, not by the first call that
// needs a port there (a 503 and a log line nobody reads at start).
Result<bool> RelayService::checkInterfaces() const {
  std::vector<RelayOptions::Interface> interfaces = options_.interfaces;
  if (interfaces.empty()) interfaces.push_back({"default", options_.bindAddress, {}});
  for (const auto& interface : interfaces) {
    if (interface.bind.empty()) continue;  // the engine picks the first SIP listener's
    const auto address = SocketAddress::parse(interface.bind, 0);
    int error = EINVAL;
    if (address) {
      const auto peer = PeerAddress::from(*address);
      const int fd = ::socket(address->isV6() ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (fd < 0) return Error{"media: cannot open a UDP socket"};
      error = ::bind(fd, reinterpret_cast<const sockaddr*>(&peer.storage), peer.length) == 0
                  ? 0
                  : errno;
      ::close(fd);
    }
    if (error != 0) {
      spdlog::error("media interface '{}': cannot bind {}: {} (is it an address of this host?)",
                    interface.name, interface.bind, std::strerror(error));
      return Error{"a media interface's address cannot be bound (see the log)"};
    }
  }
  return true;
}

Result<bool> RelayService::start(bool withNgListeners) {
  if (auto checked = checkInterfaces(); !checked) return checked;
  if (!packetIoProblem_.empty()) {
    if (options_.packetIo == RelayOptions::PacketIo::IoUring) {
      spdlog::error("media.packet_io: io_uring is unavailable: {}", packetIoProblem_);
      return Error{"media.packet_io is io_uring, which this system refuses (see the log)"};
    }
    spdlog::warn("media.packet_io: io_uring is unavailable ({}); the media workers use epoll",
                 packetIoProblem_);
  }
  if (withNgListeners) {
    auto sources = parseSources(options_.allowedSources);
    if (!sources) return Error{sources.error()};
    ngServer_->allowSources(std::move(*sources));
    for (const std::string& url : options_.listen) {
      auto address = parseListenUrl(url);
      if (!address) return Error{address.error()};
      auto bound = ngServer_->listen(*address);
      if (!bound) return bound;
    }
    ngAddresses_ = ngServer_->localAddresses();
  }
  for (auto& worker : workers_) {
    worker->thread = std::thread([loop = &worker->loop] { loop->run(); });
  }
  trimmer_ = std::make_unique<HeapTrimmer>();
  return true;
}

void RelayService::stop() {
  for (auto& worker : workers_) {
    if (!worker->thread.joinable()) continue;
    worker->loop.stop();
    worker->thread.join();
  }
  trimmer_.reset();
}

Result<bool> RelayService::allowSources(const std::vector<std::string>& texts) {
  auto parsed = parseSources(texts);
  if (!parsed) return Error{parsed.error()};
  Worker& control = *workers_.front();  // the ng listeners' loop
  if (!control.thread.joinable()) {
    ngServer_->allowSources(std::move(*parsed));
    return true;
  }
  // Waits for the loop to take the list: a request that arrives after this returns is checked
  // against it.
  std::promise<void> applied;
  control.loop.post([this, &applied, sources = std::move(*parsed)]() mutable {
    ngServer_->allowSources(std::move(sources));
    applied.set_value();
  });
  applied.get_future().wait();
  return true;
}

RelayService::Worker& RelayService::workerFor(const ng::Value& request) {
  if (workers_.size() == 1) return *workers_.front();
  auto parsed = ng::NgRequest::parse(request);
  if (!parsed || parsed->callId.empty()) return *workers_.front();
  return *workers_[std::hash<std::string>{}(parsed->callId) % workers_.size()];
}

void RelayService::dispatch(ng::Value request, Done done) {
  const std::string_view command = request.stringAt("command");
  if (workers_.size() > 1 && (command == "list" || command == "statistics")) {
    fanOut(std::move(request), std::move(done));
    return;
  }
  Worker& worker = workerFor(request);
  worker.loop.post([&worker, request = std::move(request), done = std::move(done)] {
    done(worker.engine->handle(request));
  });
}

// On the ng listener's loop, which owns the count.
void RelayService::addControlStatistics(ng::Value& reply) const {
  ng::Value* statistics = reply.find("statistics");
  ng::Value* total = statistics != nullptr ? statistics->find("totalstatistics") : nullptr;
  if (total == nullptr || !total->isDict()) return;
  total->set("ngrequestsrefused",
             ng::Value::integer(static_cast<std::int64_t>(ngServer_->refusedSources())));
}

ng::RelayTotals RelayService::totals() const {
  ng::RelayTotals sum;
  for (const auto& worker : workers_) sum += worker->engine->totals();
  return sum;
}

void RelayService::fanOut(ng::Value request, Done done) {
  struct State {
    std::mutex mutex;  // the control path only: one lock per list/statistics request
    std::vector<ng::Value> parts;
    std::size_t remaining;
    std::string command;
    std::int64_t limit = 32;
    Done done;
  };
  auto state = std::make_shared<State>();
  state->parts.resize(workers_.size());
  state->remaining = workers_.size();
  state->command = request.stringAt("command");
  if (auto parsed = ng::NgRequest::parse(request)) state->limit = parsed->limit;
  state->done = std::move(done);
  for (std::size_t k = 0; k < workers_.size(); ++k) {
    Worker& worker = *workers_[k];
    worker.loop.post([&worker, k, request, state] {
      ng::Value part = worker.engine->handle(request);
      bool last = false;
      {
        std::lock_guard lock(state->mutex);
        state->parts[k] = std::move(part);
        last = --state->remaining == 0;
      }
      if (last) state->done(merge(state->command, state->limit, state->parts));
    });
  }
}

}  // namespace rtcgate::media
