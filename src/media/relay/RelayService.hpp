#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "base/Result.hpp"
#include "base/SocketAddress.hpp"
#include "media/packet/EventLoop.hpp"
#include "media/relay/HeapTrimmer.hpp"
#include "media/relay/NgServer.hpp"
#include "media/relay/RelayEngine.hpp"
#include "media/relay/RelayOptions.hpp"

namespace rtcgate::media {

// The relay as a running thing: `workers` threads, each with its own loop and engine owning a
// slice of the port range, its calls and their sockets (shared nothing: the packet path never
// crosses threads). A call lives on the worker its call-id hashes to; the ng listeners run on
// worker 0 and hand each command to the right worker by message passing; list and statistics ask
// every worker and merge.
class RelayService {
 public:
  using Done = std::function<void(ng::Value)>;

  explicit RelayService(RelayOptions options);
  ~RelayService();
  RelayService(const RelayService&) = delete;
  RelayService& operator=(const RelayService&) = delete;

  // Binds the ng listeners (errors are returned here, on the caller's thread) and starts the
  // workers. `withNgListeners` false: embedded use without the UDP control socket.
  Result<bool> start(bool withNgListeners = true);
  void stop();
  // From now on the ng listeners answer these sources only (relay.allowed_sources on reload):
  // requests that arrive after it returns are checked against them. Any thread but a worker's.
  // An error, and no change, when one is not an address or CIDR block.
  Result<bool> allowSources(const std::vector<std::string>& sources);

  // Runs one ng request on the worker that owns its call (any thread); `done` gets the reply on
  // a worker thread.
  void dispatch(ng::Value request, Done done);
  std::vector<SocketAddress> ngAddresses() const { return ngAddresses_; }
  std::size_t workerCount() const { return workers_.size(); }
  // "io_uring" or "epoll": what the media workers use (media.packet_io).
  const char* packetIo() const;
  // Every worker's counters summed, from any thread, without waiting for the workers (they are
  // relaxed atomics): what the gateway's /metrics reads on a scrape.
  ng::RelayTotals totals() const;

 private:
  Result<bool> checkInterfaces() const;
  struct Worker {
    EventLoop loop;
    std::unique_ptr<RelayEngine> engine;  // declared after loop: destroyed before it
    std::thread thread;
  };

  Worker& workerFor(const ng::Value& request);
  // Adds the ng listener's own counters to a `statistics` reply (ngrequestsrefused).
  void addControlStatistics(ng::Value& reply) const;
  void fanOut(ng::Value request, Done done);

  RelayOptions options_;
  std::string packetIoProblem_;  // why io_uring was refused, when it was
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<NgServer> ngServer_;  // declared after workers_: destroyed before them
  std::vector<SocketAddress> ngAddresses_;
  std::unique_ptr<HeapTrimmer> trimmer_;  // while started
};

}  // namespace rtcgate::media
