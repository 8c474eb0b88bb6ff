#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <stdexcept>
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
#include "events/CdrWriter.hpp"
#include "events/EventHub.hpp"
#include "fakes/FakeTimers.hpp"
#include "io/TransportManager.hpp"
#include "proxy/LocationService.hpp"
#include "proxy/ProxyCore.hpp"
#include "store/SqliteStore.hpp"
#include "transaction/SipIngress.hpp"

namespace rtcgate::testing {

// The management server wired as Gateway::start wires it (ManagementApi with its pages and API
// routes, then the calls, CDR, events and reload routes), over an in-memory store, a proxy that
// sends nowhere and fake timers. Nothing is started: no socket is opened, so requests go in
// through HttpServer::handle. For the route-set test and the management API's fuzz target.
class ManagementRig {
 public:
  explicit ManagementRig(app::Config config) : config_(std::move(config)) {
    std::string error;
    store_ = store::SqliteStore::open(":memory:", error);
    if (!store_) throw std::runtime_error("in-memory store: " + error);
    transports_ = std::make_unique<io::TransportManager>(io_, io::TransportOptions{});
    location_ = std::make_unique<proxy::LocationService>(store_.get());
    const auto sendNowhere = [](const sip::Flow&, std::string_view) { return true; };
    proxy_ = std::make_unique<proxy::ProxyCore>(proxy::ProxyOptions{}, timers_, sendNowhere,
                                                *store_, *location_, proxy::StaticRoutes{});
    ingress_ =
        std::make_unique<transaction::SipIngress>(timers_, sendNowhere, proxy_->transactions());
    api_ = std::make_unique<app::ManagementApi>(
        io_, config_, timers_,
        app::ManagementApi::Parts{*transports_, *ingress_, *proxy_, *location_});
    if (api_->server() == nullptr) throw std::runtime_error("http.listen is invalid");
    registerRoutes(*api_->server());
  }

  http::HttpServer& server() { return *api_->server(); }

 private:
  void registerRoutes(http::HttpServer& server) {
    calls_ = std::make_unique<api::CallsApi>(*proxy_, nullptr, timers_);
    calls_->registerRoutes(server);
    recordings_ = std::make_unique<api::RecordingsApi>(*proxy_);
    recordings_->registerRoutes(server);
    transfers_ = std::make_unique<api::TransfersApi>(*proxy_);
    transfers_->registerRoutes(server);
    play_ = std::make_unique<api::PlayApi>(*proxy_, timers_, nullptr);
    play_->registerRoutes(server);
    cdrs_ = std::make_unique<events::CdrWriter>(std::string(), store_.get());
    cdrs_->registerRoutes(server);
    bans_ = std::make_unique<api::BansApi>(*proxy_);
    bans_->registerRoutes(server);
    trunks_ = std::make_unique<api::TrunksApi>(*proxy_);
    trunks_->registerRoutes(server);
    events_.registerRoutes(server);
    // Without a file: a reload is refused before anything is read.
    reloader_ = std::make_unique<app::ConfigReloader>("", config_, app::ConfigReloader::Appliers{});
    reloader_->addRoute(server);
  }

  boost::asio::io_context io_;
  FakeTimers timers_;
  app::Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<io::TransportManager> transports_;
  std::unique_ptr<proxy::LocationService> location_;
  std::unique_ptr<proxy::ProxyCore> proxy_;
  std::unique_ptr<transaction::SipIngress> ingress_;
  std::unique_ptr<app::ManagementApi> api_;
  std::unique_ptr<api::CallsApi> calls_;
  std::unique_ptr<api::RecordingsApi> recordings_;
  std::unique_ptr<api::TransfersApi> transfers_;
  std::unique_ptr<api::PlayApi> play_;
  std::unique_ptr<events::CdrWriter> cdrs_;
  std::unique_ptr<api::BansApi> bans_;
  std::unique_ptr<api::TrunksApi> trunks_;
  events::EventHub events_{timers_};
  std::unique_ptr<app::ConfigReloader> reloader_;
};

}  // namespace rtcgate::testing
