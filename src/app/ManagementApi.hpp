#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "api/CallMetrics.hpp"
#include "api/MediaQualityMetrics.hpp"
#include "api/TurnApi.hpp"
#include "app/Config.hpp"
#include "dns/DnsResolver.hpp"
#include "http/HttpServer.hpp"
#include "http/MetricsRegistry.hpp"
#include "io/LoopStallWatch.hpp"
#include "io/Status.hpp"
#include "io/TransportManager.hpp"
#include "media/relay/RelayService.hpp"
#include "mediacontrol/RelayPool.hpp"
#include "proxy/LocationService.hpp"
#include "proxy/ProxyCore.hpp"
#include "store/ResilientStore.hpp"
#include "transaction/SipIngress.hpp"

namespace rtcgate::app {

// The management HTTP API of `rtcgate run` (docs/API.md): declares the gateway's metrics once,
// from the counters the components keep, and serves them with health and registrations.
class ManagementApi {
 public:
  struct Parts {
    io::TransportManager& transports;
    transaction::SipIngress& ingress;  // what arrives: counted, parse errors, rate limit
    proxy::ProxyCore& proxy;
    proxy::LocationService& location;
    const store::ResilientStore* store = nullptr;   // health and rtcgate_store_* metrics
    const io::LoopStallWatch* loopWatch = nullptr;  // rtcgate_loop_* metrics
    const dns::DnsResolver* dns = nullptr;          // rtcgate_dns_* metrics
  };

  ManagementApi(boost::asio::io_context& io, const Config& config, const Timers& timers,
                Parts parts);
  io::Status start();
  void stop();
  // For other parts of the API to add their routes (nullptr when http.listen was invalid).
  http::HttpServer* server() { return server_.get(); }
  // For other parts of the gateway to declare their metrics (the events hub).
  http::MetricsRegistry& metrics() { return metrics_; }
  // The rtcgate_relay_* families (docs/metrics.md): the embedded relay's counters, read from its
  // workers' atomics at scrape time, or each ng relay's health and the statistics the pool
  // cached from its last poll. Either way a scrape never waits for a relay. With a pool, the
  // health check also reports relays that are down (degraded; critical when all are).
  io::Status declareRelayMetrics(const media::RelayService& relay);
  io::Status declareRelayMetrics(const mediacontrol::RelayPool& pool);
  // The call metrics (set-up time histogram, end reasons): a CallObserver of the proxy's calls.
  api::CallMetrics& callMetrics() { return calls_; }
  api::MediaQualityMetrics& mediaQualityMetrics() { return mediaQuality_; }

 private:
  void declareMetrics();
  void declareLoopMetrics(const io::LoopStallWatch& watch);
  void declareHttpRefusals();
  void declareStateMetrics();
  void declareStoreMetrics(const store::ResilientStore& store);
  using TotalsReader = std::function<ng::RelayTotals()>;
  using UpReader = std::function<bool()>;
  io::Status declareRelay(const std::string& name, TotalsReader totals, UpReader up);
  // The dashboard (/) and the demo phone (/phone) here, and the phone on the ws/wss listeners'
  // HTTP side too; the pages are public, the API they call is not.
  // /phone/turn-credentials (the phone has no API token) there too.
  void serveWebPages(const Config& config);
  std::string wssUrl() const;

  Parts parts_;
  http::MetricsRegistry metrics_;
  api::CallMetrics calls_;
  api::MediaQualityMetrics mediaQuality_;
  const mediacontrol::RelayPool* pool_ = nullptr;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<api::TurnApi> turn_;  // GET /api/v1/turn-credentials, /phone/turn-credentials
  std::string listenError_;
};

}  // namespace rtcgate::app
