#include <spdlog/spdlog.h>

#include <algorithm>

#include "app/Commands.hpp"
#include "app/Gateway.hpp"
#include "app/OpenFileLimit.hpp"
#include "app/RelayCommand.hpp"
#include "media/relay/RelayOptions.hpp"

namespace rtcgate::app {
namespace {

// `embeddedRelay`: this process's relay opens a socket per media port.
void prepareOpenFiles(const Config& config, bool embeddedRelay) {
  const auto limit = raiseOpenFileLimit();
  if (limit.now != limit.before) {
    spdlog::info("open files limit raised from {} to {}", limit.before, limit.now);
  }
  if (!embeddedRelay) return;
  const auto warning = openFileLimitWarning(limit, config.media.portMin, config.media.portMax);
  if (!warning.empty()) spdlog::warn("{}", warning);
}

}  // namespace

int runCommand(const Config& config, const std::string& configPath) {
  const auto& relays = config.media.relay;
  prepareOpenFiles(config, std::find(relays.begin(), relays.end(), "embedded") != relays.end());
  Gateway gateway(config, configPath);
  if (!gateway.start()) return 1;
  return gateway.run();
}

int relayCommand(const Config& config, const std::string& configPath) {
  prepareOpenFiles(config, true);
  return runRelayCommand(config, configPath);
}

media::RelayOptions relayOptions(const Config& config) {
  media::RelayOptions options;
  options.listen = config.relay.listen;
  options.allowedSources = config.relay.allowedSources;
  options.advertise = config.media.advertise;
  options.portMin = config.media.portMin;
  options.portMax = config.media.portMax;
  options.mediaTimeout = std::chrono::seconds(config.media.timeout);
  options.workers = config.media.workers;
  options.maxStreamsPerOffer = config.media.maxStreamsPerOffer;
  options.learningDelay = Duration(config.media.learningDelayMs);
  options.packetIo = config.media.packetIo == "io_uring" ? media::RelayOptions::PacketIo::IoUring
                     : config.media.packetIo == "epoll"  ? media::RelayOptions::PacketIo::Epoll
                                                         : media::RelayOptions::PacketIo::Auto;
  options.dtlsCertificate = config.media.dtlsCertificate;
  options.dtlsPrivateKey = config.media.dtlsPrivateKey;
  options.bindAddress = config.media.bind;
  options.dtmfLogDest = config.relay.dtmfLogDest;
  options.recordDir = config.recordDirPath();
  options.mediaDir = config.mediaDirPath();
  for (const MediaInterface& interface : config.media.interfaces) {
    options.interfaces.push_back({interface.name, interface.bind, interface.advertise});
  }
  return options;
}

}  // namespace rtcgate::app
