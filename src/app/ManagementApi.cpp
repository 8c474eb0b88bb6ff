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
  providers.registrations = [this] {
    std::vector<api::RegistrationInfo> out;
    const auto now = proxy::wallNow();
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
  const auto phoneConfig =
      std::make_shared<const std::string>(web::PhoneConfig{config.sip.domains, wssUrl()}.toJson());
  parts_.transports.onHttpRequest(
      [phoneConfig](std::string_view path) -> std::optional<io::HttpResponse> {
        if (path == "/phone/config.json") return io::HttpResponse{"application/json", *phoneConfig};
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

void ManagementApi::declareMetrics() {
  const auto& p = parts_.proxy.stats();
  const auto& t = parts_.transports.stats();
  auto counter = [this](const char* name, const char* help, const std::uint64_t* value,
                        http::MetricLabels labels = {}) {
    metrics_.addCounter(name, help, std::move(labels), value);
  };
  counter("rtcgate_sip_requests_received_total", "SIP requests received", &p.requestsReceived);
  counter("rtcgate_sip_responses_received_total", "SIP responses received", &p.responsesReceived);
  counter("rtcgate_sip_parse_errors_total", "messages that did not parse", &p.parseErrors);
  counter("rtcgate_sip_limit_refused_total",
          "messages refused for a parsing cap (URI part, header length or count, Via/Route)",
          &p.limitRefused);
  counter("rtcgate_sip_bad_requests_answered_total", "malformed requests answered with 400/505",
          &p.badRequestsAnswered);
  counter("rtcgate_sip_dropped_total", "unparseable messages dropped unanswered",
          &p.datagramsDropped);
  counter("rtcgate_auth_challenges_total", "digest challenges sent (401/407)", &p.authChallenges);
  counter("rtcgate_auth_failures_total", "wrong passwords, unknown users, bad credentials",
          &p.authFailures);
  counter("rtcgate_registrations_total", "REGISTER requests answered 200", &p.registrations);
  counter("rtcgate_proxy_branches_total", "request branches forwarded", &p.forwardedRequests);
  counter("rtcgate_proxy_stateless_forwards_total", "ACKs for 2xx forwarded", &p.statelessForwards);
  counter("rtcgate_proxy_loops_total", "requests refused with 482", &p.loopsDetected);
  counter("rtcgate_proxy_too_many_hops_total", "requests refused with 483", &p.tooManyHops);
  counter("rtcgate_proxy_relay_refused_total", "requests refused with 403 (no open relay)",
          &p.relayRefused);
  counter("rtcgate_proxy_direct_uri_refused_total",
          "requests refused with 403: no route accounts for their target (toll fraud)",
          &p.directUriRefused);
  counter("rtcgate_proxy_in_dialog_refused_total",
          "in-dialog requests and CANCELs refused with 481: no dialog of ours, or a foreign token",
          &p.inDialogRefused);
  counter("rtcgate_proxy_acks_dropped_total", "ACKs dropped: no transaction and no dialog of ours",
          &p.acksDropped);
  counter("rtcgate_proxy_stray_responses_dropped_total",
          "responses dropped: they match no client transaction", &p.strayResponsesDropped);
  counter("rtcgate_proxy_rate_limited_total",
          "requests dropped by the per-source rate limit (security.rate_limit)", &p.rateLimited);
  counter("rtcgate_proxy_overload_refused_total",
          "requests refused with 503: security.max_transactions or max_dialogs reached",
          &p.overloaded);
  counter("rtcgate_proxy_not_found_total", "requests answered 404", &p.notFound);
  counter("rtcgate_proxy_unavailable_total", "requests answered 480", &p.unavailable);
  counter("rtcgate_proxy_branch_timeouts_total", "branches without a final response",
          &p.branchTimeouts);
  counter("rtcgate_proxy_route_failovers_total", "static route failovers", &p.routeFailovers);
  counter("rtcgate_proxy_session_interval_too_small_total",
          "INVITEs and UPDATEs refused with 422: Session-Expires below calls.min_session_expires",
          &p.sessionIntervalTooSmall);
  counter("rtcgate_proxy_session_expired_total",
          "calls ended with BYE to both sides: no session refresh in time (RFC 4028)",
          &p.sessionsExpired);
  const auto& k = parts_.proxy.keepAliveStats();
  counter("rtcgate_nat_keepalive_pings_total",
          "keep-alive pings sent to UDP contacts behind NAT (nat.keepalive)", &k.pingsSent);
  counter("rtcgate_nat_keepalive_answered_total", "keep-alive OPTIONS answered", &k.pingsAnswered);
  counter("rtcgate_nat_keepalive_dropped_total",
          "registrations dropped: nat.keepalive.max_missed pings in a row unanswered",
          &k.bindingsDropped);
  counter("rtcgate_transport_oversize_refused_total", "messages refused for size",
          &t.oversizeRefused);
  counter("rtcgate_transport_framing_errors_total", "stream connections closed for bad framing",
          &t.framingErrors);
  counter("rtcgate_transport_connection_limit_refused_total",
          "connections refused by the per-source limit", &t.connectionLimitRefused);
  counter("rtcgate_transport_connection_cap_refused_total",
          "connections refused or not opened: sip.max_connections reached",
          &t.connectionCapRefused);
  counter("rtcgate_proxy_reconnect_waits_total",
          "Answered calls kept after their browser's WebSocket closed (calls.reconnect_grace)",
          &p.reconnectWaits);
  counter("rtcgate_proxy_reconnects_resumed_total",
          "Calls moved to the new connection of a browser that registered again in time",
          &p.reconnectsResumed);
  counter("rtcgate_proxy_reconnects_expired_total",
          "Calls ended because their browser did not reconnect within calls.reconnect_grace",
          &p.reconnectsExpired);
  counter("rtcgate_proxy_relay_moves_total",
          "Answered calls moved to another relay after theirs died (a re-INVITE to each side)",
          &p.relayMoves);
  counter("rtcgate_proxy_relay_moves_failed_total",
          "Moves to another relay that failed (the call then ended as relay-lost)",
          &p.relayMovesFailed);
  counter("rtcgate_proxy_unauthenticated_calls_refused_total",
          "INVITEs refused with 503: security.max_unauthenticated_calls_per_source reached",
          &p.strangerCallsRefused);
  counter("rtcgate_transport_idle_closed_total", "connections closed for idleness",
          &t.connectionsIdleClosed);
  counter("rtcgate_transport_idle_kept_total",
          "idle connections kept open because they carry a call or a registration",
          &t.idleConnectionsKept);
  counter("rtcgate_transport_queue_overflow_closed_total",
          "connections cut off: their peer left sip.max_send_queue bytes unread",
          &t.queueOverflowClosed);
  counter("rtcgate_transport_send_failures_total", "sends that failed", &t.sendFailures);
  if (const auto* watch = parts_.loopWatch) {
    const auto& loop = watch->stats();
    counter("rtcgate_loop_stalls_total",
            "times the signalling loop ran nothing for 100 ms or more (logged with their length)",
            &loop.stalls);
    metrics_.addCounter("rtcgate_loop_stalled_seconds_total", "the stalls' lengths, summed", {},
                        [&loop] { return loop.stalledSeconds; });
    metrics_.addGauge("rtcgate_loop_longest_stall_seconds",
                      "the longest stall of the signalling loop since start", {},
                      [&loop] { return loop.longestSeconds; });
  }
  metrics_.addCounter(
      "rtcgate_sip_udp_receive_drops_total",
      "datagrams the kernel dropped at a full SIP UDP receive buffer (sip.udp_buffer)", {},
      [&transports = parts_.transports] {
        return static_cast<double>(transports.udpReceiveDrops());
      });
  counter("rtcgate_transport_websocket_handshake_failures_total", "refused WebSocket upgrades",
          &t.webSocketHandshakeFailures);
  counter("rtcgate_transport_tls_handshake_failures_total", "failed TLS handshakes",
          &t.tlsHandshakeFailures);
  const auto& refused = server_->guardRefusals();
  constexpr const char* kRefused = "management API requests refused, by reason";
  counter("rtcgate_http_refused_total", kRefused, &refused.host, {{"reason", "host"}});
  counter("rtcgate_http_refused_total", kRefused, &refused.origin, {{"reason", "origin"}});
  counter("rtcgate_http_refused_total", kRefused, &refused.contentType,
          {{"reason", "content_type"}});
  counter("rtcgate_http_refused_total", kRefused, &server_->tokenRefusals(), {{"reason", "token"}});
  for (const auto transport : {sip::Transport::Udp, sip::Transport::Tcp, sip::Transport::Tls,
                               sip::Transport::Ws, sip::Transport::Wss}) {
    const std::string name(sip::transportParamName(transport));
    const auto index = io::TransportStats::at(transport);
    counter("rtcgate_sip_messages_received_total", "complete SIP messages received",
            &t.messagesReceived[index], {{"transport", name}});
    metrics_.addGauge("rtcgate_connections_open", "open connections", {{"transport", name}},
                      [&t, index] { return static_cast<double>(t.connectionsOpen[index]); });
  }
  auto& proxy = parts_.proxy;
  metrics_.addGauge(
      "rtcgate_transactions_live", "live SIP transactions", {{"side", "server"}},
      [&proxy] { return static_cast<double>(proxy.transactionStats().liveServerTransactions); });
  metrics_.addGauge(
      "rtcgate_transactions_live", "live SIP transactions", {{"side", "client"}},
      [&proxy] { return static_cast<double>(proxy.transactionStats().liveClientTransactions); });
  metrics_.addCounter(
      "rtcgate_transaction_retransmissions_total", "retransmissions sent", {},
      [&proxy] { return static_cast<double>(proxy.transactionStats().retransmissionsSent); });
  metrics_.addCounter("rtcgate_transaction_timeouts_total", "transaction timeouts", {},
                      [&proxy] { return static_cast<double>(proxy.transactionStats().timeouts); });
  auto& location = parts_.location;
  metrics_.addGauge("rtcgate_registered_contacts", "registered contacts", {},
                    [&location] { return static_cast<double>(location.bindingCount()); });
  metrics_.addGauge("rtcgate_registered_aors", "addresses-of-record with contacts", {},
                    [&location] { return static_cast<double>(location.aorCount()); });
  if (parts_.store != nullptr) declareStoreMetrics(*parts_.store);
  if (const auto status = calls_.declare(metrics_, parts_.proxy.dialogs()); !status) {
    throw std::logic_error("call metrics: " + status.error());
  }
  api::declareSipTrafficMetrics(metrics_, parts_.proxy);
}

void ManagementApi::declareStoreMetrics(const store::ResilientStore& store) {
  for (int i = 0; i < static_cast<int>(store::StoreOp::Count); ++i) {
    const auto op = static_cast<store::StoreOp>(i);
    metrics_.addCounter(
        "rtcgate_store_errors_total",
        "store operations that failed, by operation (binding and CDR writes are retried)",
        {{"op", store::storeOpName(op)}}, &store.errors(op));
  }
  metrics_.addGauge("rtcgate_store_pending_writes", "binding and CDR writes waiting for the store",
                    {}, [&store] { return static_cast<double>(store.pendingWrites()); });
  metrics_.addCounter("rtcgate_store_dropped_writes_total",
                      "writes dropped because the queue of waiting writes was full", {},
                      &store.dropped());
  metrics_.addCounter("rtcgate_store_caught_up_writes_total",
                      "queued writes written once the store took writes again", {},
                      &store.caughtUp());
  metrics_.addCounter("rtcgate_store_reopened_total",
                      "times the store file was found removed or replaced and reopened", {},
                      &store.reopened());
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
