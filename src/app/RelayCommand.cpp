#include "app/RelayCommand.hpp"

#include <fmt/ranges.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "media/RelayService.hpp"

namespace rtcgate::app {

int runRelayCommand(const media::RelayOptions& options) {
  // Block the signals before any thread starts, so only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  media::RelayService relay(options);
  auto started = relay.start();
  if (!started) {
    std::fprintf(stderr, "rtcgate relay: %s\n", started.error());
    return 1;
  }
  for (const auto& address : relay.ngAddresses()) {
    spdlog::info("ng control listening on udp {}", address.toString());
  }
  spdlog::info("ng control answers requests from {} only (relay.allowed_sources)",
               fmt::join(options.allowedSources, ", "));
  spdlog::info("media ports {}-{}, {} worker(s), packet I/O {}", options.portMin, options.portMax,
               relay.workerCount(), relay.packetIo());
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("signal {}: stopping relay", received);
  relay.stop();
  return 0;
}

}  // namespace rtcgate::app
