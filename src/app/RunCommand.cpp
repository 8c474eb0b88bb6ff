#include "app/Commands.hpp"
#include "app/Gateway.hpp"
#include "app/RelayCommand.hpp"
#include "media/RelayOptions.hpp"

namespace rtcgate::app {

int runCommand(const Config& config, const std::string& configPath) {
  Gateway gateway(config, configPath);
  if (!gateway.start()) return 1;
  return gateway.run();
}

int relayCommand(const Config& config) { return runRelayCommand(relayOptions(config)); }

media::RelayOptions relayOptions(const Config& config) {
  media::RelayOptions options;
  options.listen = config.relay.listen;
  options.advertise = config.media.advertise;
  options.portMin = config.media.portMin;
  options.portMax = config.media.portMax;
  options.mediaTimeout = std::chrono::seconds(config.media.timeout);
  options.workers = config.media.workers;
  options.dtlsCertificate = config.media.dtlsCertificate;
  options.dtlsPrivateKey = config.media.dtlsPrivateKey;
  options.bindAddress = config.media.bind;
  return options;
}

}  // namespace rtcgate::app
