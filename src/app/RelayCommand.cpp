#include "app/RelayCommand.hpp"

#include <fmt/ranges.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "app/ConfigReloader.hpp"
#include "media/relay/RelayService.hpp"

namespace rtcgate::app {

int runRelayCommand(const Config& config, const std::string& configPath) {
  const auto options = relayOptions(config);
  // Block the signals before any thread starts, so only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
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
  for (const auto& interface : options.interfaces) {
    spdlog::info("media interface '{}' on {}, advertised as {}", interface.name, interface.bind,
                 interface.advertise.empty() ? interface.bind : interface.advertise);
  }
  ConfigReloader::Appliers appliers;
  appliers.allowedSources = [&relay](const Config& next) {
    // The loader has validated every entry, so this should not fail; if it does, the relay keeps
    // its previous list and says so rather than claiming the new one.
    if (const auto applied = relay.allowSources(next.relay.allowedSources); !applied) {
      spdlog::error("relay.allowed_sources not applied: {}", applied.error());
      return;
    }
    spdlog::info("ng control answers requests from {} only (relay.allowed_sources)",
                 fmt::join(next.relay.allowedSources, ", "));
  };
  ConfigReloader reloader(configPath, config, std::move(appliers), ConfigReloader::Role::Relay);
  int received = 0;
  for (;;) {
    sigwait(&signals, &received);
    if (received != SIGHUP) break;
    reloader.reloadAndLog();
  }
  spdlog::info("signal {}: stopping relay", received);
  relay.stop();
  return 0;
}

}  // namespace rtcgate::app
