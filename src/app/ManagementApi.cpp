#include "app/ManagementApi.hpp"

#include <memory>
#include <optional>
#include <stdexcept>

#include "api/ApiRoutes.hpp"
#include "api/SipTrafficMetrics.hpp"
#include "base/HostPort.hpp"
#include "web/PhoneConfig.hpp"
#include "web/StaticFiles.hpp"

namespace rtcgate::app {

namespace {

http::HttpReply staticReply(std::string_view path) {
  const auto* file = web::StaticFiles::find(path);
  if (!file) return http::HttpReply::error(404, "no such file");
  return http::HttpReply{200, std::string(file->contentType), std::string(file->body)};
}

// What the ws/wss listeners show to a plain browser GET: the phone and what it loads, nothing else
// (the dashboard needs the management API, which is on another port).
bool isPhonePath(std::string_view path) {
  return path == "/phone" || path.starts_with("/phone/") || path.starts_with("/assets/");
}

std::optional<SocketAddress> parseHostPort(const std::string& text) {
  const auto address = HostPort::parse(text);
  if (!address || !address->port) return std::nullopt;
  return SocketAddress::parse(address->host, *address->port);
}

// A refused declaration is a bug in this file (a family declared twice with another help, a bad
// name), not a runtime condition: the start fails loudly instead of a metric going missing.
void require(const io::Status& status) {
  if (!status) throw std::logic_error(status.error());
}

}  // namespace

ManagementApi::ManagementApi(boost::asio::io_context& io, const Config& config,
                             const Timers& timers, Parts parts)
    : parts_(parts) {
  const auto listen = parseHostPort(config.http.listen);
  if (!listen) {
    listenError_ = "http.listen: expected IP:PORT, got '" + config.http.listen + "'";
    return;
  }
  server_ = std::make_unique<http::HttpServer>(io, *listen, config.http.token);
  server_->allowHosts(config.http.allowedHosts);
  turn_ = std::make_unique<api::TurnApi>(
      api::TurnApi::Settings{config.webrtc.iceServers, config.webrtc.turnSecret,
                             config.webrtc.turnTtl},
      timers);
  turn_->registerRoutes(*server_);
  serveWebPages(config);
  declareMetrics();
  api::ApiProviders providers;
  providers.health = [this] {
    std::vector<api::HealthCheck> checks;
    if (parts_.transports.listeners().empty()) {
      checks.push_back({"listeners", api::HealthLevel::Critical, "no SIP listener is bound"});
    }
    if (parts_.store != nullptr) {
      // Signalling goes on from memory meanwhile: degraded, not critical.
      if (parts_.store->degraded()) {
        checks.push_back({"store", api::HealthLevel::Degraded, parts_.store->healthReason()});
      }
    } else if (parts_.location.storeFailures() > 0) {
      checks.push_back({"store", api::HealthLevel::Degraded,
                        std::to_string(parts_.location.storeFailures()) + " store writes failed"});
    }
    // ng relays, as the pool's pings last saw them: calls need a live one to be anchored.
    if (pool_ != nullptr) {
      std::size_t down = 0;
      for (std::size_t i = 0; i < pool_->size(); ++i) down += pool_->relay(i).alive ? 0 : 1;
      if (down > 0) {
        checks.push_back(
            {"relay",
             down == pool_->size() ? api::HealthLevel::Critical : api::HealthLevel::Degraded,
             std::to_string(down) + " of " + std::to_string(pool_->size()) + " relays down"});
      }
    }
    return checks;
  };
  providers.registrations = [this, &timers] {
    std::vector<api::RegistrationInfo> out;
    const auto now = proxy::wallSeconds(timers.wallNow());
    parts_.location.forEach([&](const std::string& aor, const proxy::Binding& binding) {
      if (binding.expired(now)) return;
      out.push_back({aor, binding.contact,
                     std::string(sip::transportParamName(binding.flow.transport)),
                     binding.flow.remote.toString(), binding.flow.connectionId,
                     static_cast<std::int64_t>(binding.remaining(now).count()), binding.userAgent});
    });
    return out;
  };
  providers.removeRegistrations = [this](std::string_view aor) {
    return parts_.location.removeAll(aor);
  };
  api::addApiRoutes(*server_, metrics_, timers, std::move(providers));
}

io::Status ManagementApi::start() {
  if (!server_) return io::Status::failure(listenError_);
  auto status = server_->start();
  if (!status) return io::Status::failure("http.listen: " + status.error());
  return status;
}

void ManagementApi::stop() {
  if (server_) server_->stop();
}

std::string ManagementApi::wssUrl() const {
  for (const auto& flow : parts_.transports.listeners()) {
    if (flow.transport == sip::Transport::Wss) {
      return web::PhoneConfig::wssUrlFor(flow.local.host(), flow.local.port());
    }
  }
  return {};
}

void ManagementApi::serveWebPages(const Config& config) {
  const auto phoneConfig = std::make_shared<const std::string>(web::PhoneConfig{
      config.sip.domains, wssUrl(), config.webrtc.iceServers, !config.webrtc.turnSecret.empty()}
                                                                   .toJson());
  // Both servers share one TurnApi, hence one rate limit for the phone's credentials.
  auto* turn = turn_.get();
  parts_.transports.onHttpRequest(
      [phoneConfig, turn](std::string_view path) -> std::optional<io::HttpResponse> {
        if (path == "/phone/config.json") return io::HttpResponse{"application/json", *phoneConfig};
        if (path == "/phone/turn-credentials") {
          auto answer = turn->phoneCredentials();
          return io::HttpResponse{"application/json", std::move(answer.body), answer.status};
        }
        const auto* file = isPhonePath(path) ? web::StaticFiles::find(path) : nullptr;
        if (!file) return std::nullopt;
        return io::HttpResponse{std::string(file->contentType), std::string(file->body)};
      });

  constexpr auto kPublic = http::Access::Public;
  server_->add(
      "GET", "/", "the live dashboard (HTML)",
      [](const http::HttpRequest&) { return staticReply("/dashboard/"); }, kPublic);
  server_->add(
      "GET", "/phone/config.json", "the demo phone's defaults (SIP domains, wss URL)",
      [phoneConfig](const http::HttpRequest&) { return http::HttpReply::json(*phoneConfig); },
      kPublic);
  server_->add(
      "GET", "/phone/turn-credentials",
      "TURN credentials for the demo phone (user \"phone\", rate-limited)",
      [turn](const http::HttpRequest&) {
        auto answer = turn->phoneCredentials();
        return http::HttpReply::json(std::move(answer.body), answer.status);
      },
      kPublic);
  for (const std::string page : {"/phone", "/phone/"}) {
    server_->add(
        "GET", page, "the demo phone (HTML)",
        [](const http::HttpRequest&) { return staticReply("/phone/"); }, kPublic);
  }
  for (const std::string folder : {"/phone/", "/dashboard/", "/assets/"}) {
    server_->add(
        "GET", folder + "{file}", "static files of the pages",
        [folder](const http::HttpRequest& request) {
          return staticReply(folder + request.params.at("file"));
        },
        kPublic);
  }
}

// The components' stats lists (IngressStats, ProxyStats, KeepAlivePinger::Stats, TransportStats:
// each declares its families beside its fields), then the families that are not a plain field.
void ManagementApi::declareMetrics() {
  require(metrics_.addStatistics(transaction::kIngressStatistics, parts_.ingress.stats()));
  require(metrics_.addStatistics(proxy::kProxyStatistics, parts_.proxy.stats()));
  require(metrics_.addStatistics(proxy::kKeepAliveStatistics, parts_.proxy.keepAliveStats()));
  const auto& t = parts_.transports.stats();
  require(metrics_.addStatistics(io::kTransportStatistics, t));
  if (parts_.loopWatch != nullptr) declareLoopMetrics(*parts_.loopWatch);
  if (parts_.dns != nullptr) {
    require(metrics_.addStatistics(dns::kDnsStatistics, parts_.dns->clientStats()));
    require(metrics_.addStatistics(dns::kDnsCacheStatistics, parts_.dns->cacheStats()));
    require(metrics_.addStatistics(dns::kDnsBlacklistStatistics, parts_.dns->blacklistStats()));
  }
  require(metrics_.addCounter(
      "rtcgate_sip_udp_receive_drops_total",
      "datagrams the kernel dropped at a full SIP UDP receive buffer (sip.udp_buffer)", {},
      [&transports = parts_.transports] {
        return static_cast<double>(transports.udpReceiveDrops());
      }));
  declareHttpRefusals();
  for (const auto& line : io::kPerTransportStatistics) {
    if (line.metric == nullptr) continue;
    for (const auto transport : {sip::Transport::Udp, sip::Transport::Tcp, sip::Transport::Tls,
                                 sip::Transport::Ws, sip::Transport::Wss}) {
      const auto* value = &(t.*line.field)[io::TransportStats::at(transport)];
      require(metrics_.addStatistic(
          line.kind, line.metric, line.help,
          {{"transport", std::string(sip::transportParamName(transport))}}, value));
    }
  }
  declareStateMetrics();
  if (parts_.store != nullptr) declareStoreMetrics(*parts_.store);
  require(calls_.declare(metrics_, parts_.proxy.dialogs()));
  require(mediaQuality_.declare(metrics_));
  require(api::declareSipTrafficMetrics(metrics_, parts_.ingress, parts_.proxy.stats()));
}

void ManagementApi::declareLoopMetrics(const io::LoopStallWatch& watch) {
  const auto& loop = watch.stats();
  require(metrics_.addCounter(
      "rtcgate_loop_stalls_total",
      "times the signalling loop ran nothing for 100 ms or more (logged with their length)", {},
      &loop.stalls));
  require(metrics_.addCounter("rtcgate_loop_stalled_seconds_total", "the stalls' lengths, summed",
                              {}, [&loop] { return loop.stalledSeconds; }));
  require(metrics_.addGauge("rtcgate_loop_longest_stall_seconds",
                            "the longest stall of the signalling loop since start", {},
                            [&loop] { return loop.longestSeconds; }));
}

void ManagementApi::declareHttpRefusals() {
  const auto& refused = server_->guardRefusals();
  constexpr const char* kRefused = "management API requests refused, by reason";
  const std::pair<const char*, const std::uint64_t*> reasons[] = {
      {"host", &refused.host},
      {"origin", &refused.origin},
      {"content_type", &refused.contentType},
      {"token", &server_->tokenRefusals()}};
  for (const auto& [reason, value] : reasons) {
    require(
        metrics_.addCounter("rtcgate_http_refused_total", kRefused, {{"reason", reason}}, value));
  }
}

// Gauges of what the proxy and the location service hold now, and the transaction layer's
// counters (read through the proxy, which owns it).
void ManagementApi::declareStateMetrics() {
  auto& proxy = parts_.proxy;
  require(metrics_.addGauge(
      "rtcgate_transactions_live", "live SIP transactions", {{"side", "server"}},
      [&proxy] { return static_cast<double>(proxy.transactionStats().liveServerTransactions); }));
  require(metrics_.addGauge(
      "rtcgate_transactions_live", "live SIP transactions", {{"side", "client"}},
      [&proxy] { return static_cast<double>(proxy.transactionStats().liveClientTransactions); }));
  require(metrics_.addCounter(
      "rtcgate_transaction_retransmissions_total", "retransmissions sent", {},
      [&proxy] { return static_cast<double>(proxy.transactionStats().retransmissionsSent); }));
  require(metrics_.addCounter(
      "rtcgate_transaction_timeouts_total", "transaction timeouts", {},
      [&proxy] { return static_cast<double>(proxy.transactionStats().timeouts); }));
  auto& location = parts_.location;
  require(metrics_.addGauge("rtcgate_registered_contacts", "registered contacts", {},
                            [&location] { return static_cast<double>(location.bindingCount()); }));
  require(metrics_.addGauge("rtcgate_registered_aors", "addresses-of-record with contacts", {},
                            [&location] { return static_cast<double>(location.aorCount()); }));
}

void ManagementApi::declareStoreMetrics(const store::ResilientStore& store) {
  for (int i = 0; i < static_cast<int>(store::StoreOp::Count); ++i) {
    const auto op = static_cast<store::StoreOp>(i);
    require(metrics_.addCounter(
        "rtcgate_store_errors_total",
        "store operations that failed, by operation (binding and CDR writes are retried)",
        {{"op", store::storeOpName(op)}}, &store.errors(op)));
  }
  require(metrics_.addGauge("rtcgate_store_pending_writes",
                            "binding and CDR writes waiting for the store", {},
                            [&store] { return static_cast<double>(store.pendingWrites()); }));
  require(metrics_.addCounter("rtcgate_store_dropped_writes_total",
                              "writes dropped because the queue of waiting writes was full", {},
                              &store.dropped()));
  require(metrics_.addCounter("rtcgate_store_caught_up_writes_total",
                              "queued writes written once the store took writes again", {},
                              &store.caughtUp()));
  require(metrics_.addCounter("rtcgate_store_reopened_total",
                              "times the store file was found removed or replaced and reopened", {},
                              &store.reopened()));
}

io::Status ManagementApi::declareRelayMetrics(const media::RelayService& relay) {
  auto status = declareRelay(
      "embedded", [&relay] { return relay.totals(); }, [] { return true; });
  if (!status) return status;
  // An alert on io="epoll" catches a host where the kernel refused io_uring (media.packet_io).
  return metrics_.addGauge("rtcgate_relay_packet_io",
                           "1, labelled with the embedded relay's packet I/O: io_uring, or epoll",
                           {{"relay", "embedded"}, {"io", relay.packetIo()}}, [] { return 1.0; });
}

io::Status ManagementApi::declareRelayMetrics(const mediacontrol::RelayPool& pool) {
  pool_ = &pool;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    const std::string name = pool.relay(i).address.toString();
    auto status = declareRelay(
        name, [&pool, i] { return pool.relay(i).totals; },
        [&pool, i] { return pool.relay(i).alive; });
    if (!status) return status;
    status = metrics_.addCounter(
        "rtcgate_relay_ng_foreign_replies_total",
        "ng replies dropped because they came from another address or port than the relay's",
        {{"relay", name}}, [&pool, i] { return static_cast<double>(pool.foreignReplies(i)); });
    if (!status) return status;
    status = metrics_.addCounter(
        "rtcgate_relay_calls_lost_total",
        "calls the relay held when it went down (missed pings or an unanswered request)",
        {{"relay", name}}, [&pool, i] { return static_cast<double>(pool.relay(i).callsLost); });
    if (!status) return status;
  }
  return io::Status::success();
}

// One relay's series (ng/RelayTotals.hpp lists them); `totals` is called once per family on a
// scrape, on the signalling loop.
io::Status ManagementApi::declareRelay(const std::string& name, TotalsReader totals, UpReader up) {
  auto status = metrics_.addGauge("rtcgate_relay_up", "1 when the relay answers its pings",
                                  {{"relay", name}}, [up] { return up() ? 1.0 : 0.0; });
  if (!status) return status;
  for (const auto& statistic : ng::kRelayStatistics) {
    if (statistic.metric == nullptr) continue;
    http::MetricLabels labels{{"relay", name}};
    if (statistic.kind != nullptr) labels.emplace_back("kind", statistic.kind);
    auto read = [totals, field = statistic.field] { return static_cast<double>(totals().*field); };
    status = statistic.gauge
                 ? metrics_.addGauge(statistic.metric, statistic.help, std::move(labels), read)
                 : metrics_.addCounter(statistic.metric, statistic.help, std::move(labels), read);
    if (!status) return status;
  }
  return io::Status::success();
}

}  // namespace rtcgate::app
