#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <memory>
#include <string>

#include "api/BansApi.hpp"
#include "api/CallsApi.hpp"
#include "api/PlayApi.hpp"
#include "api/RecordingsApi.hpp"
#include "api/TransfersApi.hpp"
#include "api/TrunksApi.hpp"
#include "app/Config.hpp"
#include "app/ConfigReloader.hpp"
#include "app/ManagementApi.hpp"
#include "app/RelayLossHandler.hpp"
#include "app/RelayWatch.hpp"
#include "dns/DnsResolver.hpp"
#include "events/CdrWriter.hpp"
#include "events/EventHub.hpp"
#include "io/AsioTimers.hpp"
#include "io/LoopStallWatch.hpp"
#include "io/TransportManager.hpp"
#include "media/relay/InProcessMediaControl.hpp"
#include "media/relay/RelayService.hpp"
#include "mediacontrol/MediaControl.hpp"
#include "proxy/LocationService.hpp"
#include "proxy/ProxyCore.hpp"
#include "store/ResilientStore.hpp"
#include "transaction/SipIngress.hpp"

namespace rtcgate::app {

// `rtcgate run`: wires the transports, the proxy core and the store on one signalling event loop
// and runs it until SIGTERM/SIGINT.
class Gateway {
 public:
  explicit Gateway(Config config, std::string configPath = {});
  ~Gateway();

  // Opens the store, binds every listener; false (with the reason logged) when something is
  // wrong with the environment (address in use, unreadable certificate, store not writable).
  bool start();
  // Runs the loop until a stop signal; returns the exit status.
  int run();

 private:
  bool prepareTls();
  bool startMedia();
  void publishDtmf(const media::DtmfEvent& digit);
  bool startTrunks();
  void verifyTrunkServers();
  bool startDns();
  void waitForHangup();
  mediacontrol::MediaControl* apiMediaControl();
  void scheduleHousekeeping();
  void logStatistics() const;

  Config config_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::signal_set hangup_;  // SIGHUP: reload
  std::string configPath_;
  std::unique_ptr<ConfigReloader> reloader_;
  io::AsioTimers timers_;
  io::LoopStallWatch loopWatch_{timers_};
  std::unique_ptr<store::ResilientStore> store_;
  std::unique_ptr<io::TransportManager> transports_;
  // Before location_ and proxy_, whose hooks call it, so that it outlives them.
  std::unique_ptr<events::EventHub> events_;
  std::unique_ptr<proxy::LocationService> location_;
  // The relay: embedded (its own worker threads) or ng relays; declared before the proxy, which
  // holds on to mediaControl_, so that they outlive it.
  std::unique_ptr<media::RelayService> relay_;
  std::unique_ptr<media::InProcessMediaControl> inProcess_;
  std::unique_ptr<mediacontrol::MediaControl> mediaControl_;
  std::unique_ptr<RelayWatch> relayWatch_;       // between the proxy and mediaControl_
  std::unique_ptr<RelayLossHandler> relayLoss_;  // ends the calls of an ng relay that died
  std::unique_ptr<proxy::ProxyCore> proxy_;
  // Names for the proxy's targets: after proxy_, so that it goes first (its answers call the
  // proxy).
  std::unique_ptr<dns::DnsResolver> dns_;
  // Feeds proxy_'s transaction layer: declared after proxy_, so that it is destroyed first.
  std::unique_ptr<transaction::SipIngress> ingress_;
  std::unique_ptr<ManagementApi> api_;
  std::unique_ptr<api::CallsApi> callsApi_;
  std::unique_ptr<api::RecordingsApi> recordingsApi_;
  std::unique_ptr<api::TransfersApi> transfersApi_;
  std::unique_ptr<api::PlayApi> playApi_;
  std::unique_ptr<api::BansApi> bansApi_;
  std::unique_ptr<api::TrunksApi> trunksApi_;
  std::unique_ptr<events::CdrWriter> cdrs_;
  Timers::Id housekeeping_ = 0;
};

}  // namespace rtcgate::app
