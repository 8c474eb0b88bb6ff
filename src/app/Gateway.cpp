#include "app/Gateway.hpp"

#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "app/ConfigLoader.hpp"
#include "app/DtmfEventPublisher.hpp"
#include "app/RelayCommand.hpp"
#include "app/SecretFileWarnings.hpp"
#include "app/StoreOpener.hpp"
#include "base/PrivateFiles.hpp"
#include "base/Version.hpp"
#include "http/Json.hpp"
#include "io/CertificateGenerator.hpp"
#include "media/relay/ListenUrl.hpp"
#include "mediacontrol/LoopMediaControl.hpp"
#include "mediacontrol/RelayPool.hpp"
#include "sip/SipUri.hpp"

namespace rtcgate::app {

namespace {

// The Record-Route token key: SHA-256 of the secret in sip.token_secret_file (any text of 16
// characters or more, the same on every node), generated into the data directory when absent.
std::optional<proxy::FlowToken::Key> tokenKey(const Config& config) {
  const auto path = config.tokenSecretPath();
  std::string why;
  const auto secret = loadOrCreateSecretFile(path, 32, why);
  if (!secret) {
    spdlog::error("sip.token_secret_file: {}", why);
    return std::nullopt;
  }
  if (secret->size() < 16) {
    spdlog::error("sip.token_secret_file: {} holds {} characters; 16 or more are needed", path,
                  secret->size());
    return std::nullopt;
  }
  proxy::FlowToken::Key key{};
  SHA256(reinterpret_cast<const unsigned char*>(secret->data()), secret->size(), key.data());
  return key;
}

// sip.auth_algorithms_sip / _ws, validated by the loader: "md5" or "sha-256".
std::vector<sip::DigestAlgorithm> digestAlgorithms(const std::vector<std::string>& names) {
  std::vector<sip::DigestAlgorithm> algorithms;
  for (const auto& name : names) {
    algorithms.push_back(name == "md5" ? sip::DigestAlgorithm::Md5 : sip::DigestAlgorithm::Sha256);
  }
  return algorithms;
}

constexpr auto kHousekeepingInterval = std::chrono::seconds(10);

io::TransportOptions transportOptions(const Config& config) {
  io::TransportOptions options;
  for (const auto& listen : config.sip.listen) {
    options.listen.push_back({listen.transport, listen.host, listen.port});
  }
  options.tlsCertificateFile = config.tlsCertificatePath();
  options.tlsPrivateKeyFile = config.tlsPrivateKeyPath();
  options.tlsCaFile = config.tls.ca;
  options.tlsVerifyPeer = config.tls.verifyPeer;
  options.maxMessageSize = config.sip.maxMessageSize;
  options.maxConnectionsPerSource = config.sip.maxConnectionsPerSource;
  options.maxConnections = config.sip.maxConnections;
  options.maxQueuedBytesPerConnection = config.sip.maxSendQueue;
  options.idleTimeout = std::chrono::seconds(config.sip.idleTimeout);
  options.udpBuffers = {config.sip.udpBuffer, config.sip.udpBuffer};
  options.webSocketAllowedOrigins = config.sip.wsAllowedOrigins;
  return options;
}

proxy::StaticRoutes staticRoutes(const std::vector<StaticRoute>& routes) {
  proxy::StaticRoutes out;
  for (const auto& route : routes) {
    std::optional<proxy::MediaLeg> media;
    if (route.srtp == "sdes") media = proxy::MediaLeg::SipSdes;
    if (route.srtp == "none") media = proxy::MediaLeg::Sip;
    if (route.srtp == "dtls") media = proxy::MediaLeg::WebRtc;
    proxy::StaticRoutes::Route entry;
    entry.pattern = route.match;
    entry.targets = route.to;
    if (!route.weights.empty()) {
      entry.rotation = std::make_shared<proxy::WeightedRotation>(route.weights);
    }
    entry.media = media;
    entry.trunk = route.trunk;
    entry.strip = route.strip;
    entry.prefix = route.prefix;
    entry.optionsPing = std::chrono::seconds(route.optionsPing);
    entry.mediaInterface = route.mediaInterface;
    entry.dtmf = proxy::parseDtmfMode(route.dtmf);
    entry.record = route.record;
    out.add(std::move(entry));
  }
  return out;
}

proxy::Trunk proxyTrunk(const TrunkConfig& config) {
  proxy::Trunk trunk;
  trunk.name = config.name;
  trunk.addresses = config.addresses;
  if (!config.weights.empty()) {
    trunk.rotation = std::make_shared<proxy::WeightedRotation>(config.weights);
  }
  trunk.username = config.username;
  trunk.password = config.password;
  trunk.registerExpires = std::chrono::seconds(config.registerExpires);
  trunk.fromUser = config.fromUser;
  for (const auto& source : config.sources) {
    if (auto range = AddressRange::parse(source)) trunk.sources.push_back(*range);
  }
  trunk.dids = config.dids;
  trunk.optionsPing = std::chrono::seconds(config.optionsPing);
  trunk.mediaInterface = config.mediaInterface;
  return trunk;
}

proxy::ProxyOptions proxyOptions(const Config& config, const std::vector<sip::Flow>& listeners) {
  proxy::ProxyOptions options;
  options.domains = config.sip.domains;
  options.auth = config.sip.auth;
  options.allowDirectUri = config.sip.allowDirectUri;
  const auto& ban = config.security.authBan;
  options.authBans.enabled = ban.enabled;
  options.authBans.sourceFailures = ban.failures;
  options.authBans.userFailures = ban.userFailures;
  options.authBans.window = std::chrono::seconds(ban.window);
  options.authBans.banTime = std::chrono::seconds(ban.banTime);
  options.maxTransactions = config.security.maxTransactions;
  options.maxDialogs = config.security.maxDialogs;
  options.maxStrangerCallsPerSource = config.security.maxUnauthenticatedCallsPerSource;
  options.authAlgorithmsSip = digestAlgorithms(config.sip.authAlgorithmsSip);
  options.authAlgorithmsWs = digestAlgorithms(config.sip.authAlgorithmsWs);
  options.nonceLifetime = std::chrono::seconds(config.sip.nonceLifetime);
  options.registrar.minExpires = std::chrono::seconds(config.sip.registrar.minExpires);
  options.registrar.maxExpires = std::chrono::seconds(config.sip.registrar.maxExpires);
  options.registrar.defaultExpires = std::chrono::seconds(config.sip.registrar.defaultExpires);
  options.registrar.maxContacts = config.sip.registrar.maxContacts;
  using Anchor = proxy::MediaPolicyOptions::Anchor;
  options.media.anchor = config.media.anchor == "always"  ? Anchor::Always
                         : config.media.anchor == "never" ? Anchor::Never
                                                          : Anchor::WebRtc;
  options.media.sipLeg =
      config.media.sipSrtp == "sdes" ? proxy::MediaLeg::SipSdes : proxy::MediaLeg::Sip;
  options.dialogTimeout = std::chrono::seconds(config.calls.dialogTimeout);
  options.reconnectGrace = std::chrono::seconds(config.calls.reconnectGrace);
  options.dtmf = proxy::parseDtmfMode(config.calls.dtmf).value_or(proxy::DtmfMode::Auto);
  options.mediaTimeout = std::chrono::seconds(config.media.timeout);
  options.sessionTimers.minSessionExpires = config.calls.minSessionExpires;
  options.sessionTimers.sessionExpires = config.calls.sessionExpires;
  const auto& keepalive = config.nat.keepalive;
  options.keepAlive.interval = std::chrono::seconds(keepalive.interval);
  options.keepAlive.method = keepalive.method == "crlf" ? proxy::KeepAliveOptions::Method::Crlf
                                                        : proxy::KeepAliveOptions::Method::Options;
  options.keepAlive.maxMissed = keepalive.maxMissed;
  options.failoverTimeout = std::chrono::seconds(config.sip.failoverTimeout);
  options.blacklistFor = std::chrono::seconds(config.dns.blacklistSeconds);
  for (const auto& trunk : config.trunks) options.trunks.push_back(proxyTrunk(trunk));
  for (const auto& flow : listeners) {
    options.listeners.push_back(
        {flow.transport, flow.local,
         config.sip.advertise.empty() ? flow.local.host() : config.sip.advertise});
  }
  return options;
}

// security.rate_limit: applied by the SIP ingress, before parsing.
transaction::RateLimitOptions rateLimitOptions(const Config& config) {
  transaction::RateLimitOptions options;
  options.requestsPerSecond = config.security.rateLimit.requestsPerSecond;
  options.burst = config.security.rateLimit.burst;
  return options;
}

// How the signalling loop sends: through the transports, each message in the trace log.
transaction::SendFunction sendThrough(io::TransportManager& transports) {
  return [&transports](const sip::Flow& flow, std::string_view bytes) {
    if (spdlog::should_log(spdlog::level::trace)) {
      spdlog::trace("send {} {} bytes to {}:\n{}", sip::viaTransportName(flow.transport),
                    bytes.size(), flow.remote.toString(), bytes);
    }
    return transports.send(flow, bytes);
  };
}

bool needsTls(const Config& config) {
  for (const auto& listen : config.sip.listen) {
    if (sip::isSecure(listen.transport)) return true;
  }
  return false;
}

}  // namespace

Gateway::Gateway(Config config, std::string configPath)
    : config_(std::move(config)),
      signals_(io_, SIGINT, SIGTERM),
      hangup_(io_, SIGHUP),
      configPath_(std::move(configPath)),
      timers_(io_) {}

void Gateway::waitForHangup() {
  hangup_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    reloader_->reloadAndLog();
    waitForHangup();
  });
}

Gateway::~Gateway() {
  if (housekeeping_) timers_.cancel(housekeeping_);
  if (api_) api_->stop();
  api_.reset();
  proxy_.reset();
  if (relay_) relay_->stop();
  if (transports_) transports_->stop();
}

// The trunks' registrations and probes start once their events and DNS are there; their state
// shows in GET /api/v1/trunks, the rtcgate_trunk_* / rtcgate_probe_* metrics and the trunk.up,
// trunk.down, target.up and target.down events.
// A trunk's TLS servers are verified (we send them our credentials) unless it says otherwise:
// under the name its address gives, or the address itself when it is one.
void Gateway::verifyTrunkServers() {
  for (const auto& trunk : config_.trunks) {
    if (!trunk.tlsVerify) continue;
    for (const auto& address : trunk.addresses) {
      const auto uri = sip::parseUri(address);
      if (!uri) continue;
      const std::string host(uri->hostNoBrackets());
      const auto literal = SocketAddress::parse(host, 0);
      transports_->alwaysVerify(literal ? literal->host() : host);
    }
  }
}

bool Gateway::startTrunks() {
  verifyTrunkServers();
  proxy_->startTrunks(
      [this](const proxy::Trunk& trunk, const proxy::TrunkRegistration::Status& status) {
        const bool up = status.state == proxy::TrunkRegistration::State::Registered;
        events_->publish(up ? "trunk.up" : "trunk.down",
                         api::TrunksApi::registrationJson(trunk, status, proxy_->wallNow()));
      },
      [this](const proxy::DestinationProber::Destination& destination) {
        events_->publish(destination.up ? "target.up" : "target.down",
                         api::TrunksApi::destinationJson(destination));
      });
  trunksApi_ = std::make_unique<api::TrunksApi>(*proxy_);
  if (const auto status = trunksApi_->declareMetrics(api_->metrics()); !status) {
    spdlog::error("trunks: {}", status.error());
    return false;
  }
  if (api_->server()) trunksApi_->registerRoutes(*api_->server());
  for (const auto& trunk : proxy_->trunks().all()) {
    spdlog::info("trunk {}: {}{}", trunk->name, trunk->address(),
                 trunk->registerExpires.count() > 0 ? ", registering" : "");
  }
  return true;
}

// The relay the proxy anchors media with: the embedded one (the default) or the ng relays of
// media.relay.
bool Gateway::startMedia() {
  if (config_.media.anchor == "never") return true;
  const auto& relays = config_.media.relay;
  if (relays.size() == 1 && relays.front() == "embedded") {
    auto options = relayOptions(config_);
    if (options.bindAddress.empty())
      options.bindAddress = transports_->listeners().front().local.host();
    if ((options.bindAddress == "0.0.0.0" || options.bindAddress == "::") &&
        options.advertise.empty()) {
      spdlog::error("media.advertise: the relay binds {} and needs the address to put in SDP",
                    options.bindAddress);
      return false;
    }
    options.dtmfListener = std::make_shared<DtmfEventPublisher>(
        io_, [this](const media::DtmfEvent& digit) { publishDtmf(digit); });
    relay_ = std::make_unique<media::RelayService>(options);
    if (auto started = relay_->start(false); !started) {
      spdlog::error("media: the embedded relay cannot start: {}", started.error());
      return false;
    }
    inProcess_ = std::make_unique<media::InProcessMediaControl>(*relay_);
    mediaControl_ = std::make_unique<mediacontrol::LoopMediaControl>(*inProcess_, io_);
    spdlog::info("media: embedded relay on {}, ports {}-{}, {} worker(s), packet I/O {}",
                 options.bindAddress, options.portMin, options.portMax, options.workers,
                 relay_->packetIo());
  } else {
    std::vector<SocketAddress> addresses;
    for (std::size_t i = 0; i < relays.size(); ++i) {
      auto address = media::parseListenUrl(relays[i]);
      if (!address) {
        spdlog::error("media.relay[{}]: {}: {}", i, relays[i], address.error());
        return false;
      }
      addresses.push_back(*address);
    }
    mediaControl_ = std::make_unique<mediacontrol::RelayPool>(
        io_, timers_, std::move(addresses), std::chrono::seconds(config_.media.relayPingInterval),
        config_.media.relayPingMisses);
    spdlog::info("media: ng relays {}", fmt::join(relays, ", "));
  }
  // Relay failures become events once the events hub exists (it is created after the proxy).
  relayWatch_ = std::make_unique<RelayWatch>(
      *mediaControl_, [this](std::string_view type, const std::string& fields) {
        if (events_) events_->publish(type, fields);
      });
  if (auto* pool = dynamic_cast<mediacontrol::RelayPool*>(mediaControl_.get())) {
    relayWatch_->watch(*pool);
    relayLoss_ = std::make_unique<RelayLossHandler>(*proxy_);
    relayLoss_->watch(*pool);
  }
  proxy_->setMediaControl(relayWatch_.get());
  return true;
}

// Targets may be names (RFC 3263): the locator keeps the transports and families we listen on.
// A digit the embedded relay saw a party send (RFC 4733): the proxy reports it (call.dtmf) and
// sends it on as INFO to a side that takes no events.
void Gateway::publishDtmf(const media::DtmfEvent& digit) {
  if (proxy_) {
    proxy_->relayDigit(digit.callId, digit.fromTag, digit.digit, digit.durationMs, digit.volume);
  }
}

bool Gateway::startDns() {
  dns::DnsResolver::Options options;
  options.client.servers = config_.dns.servers;
  options.client.timeout = std::chrono::milliseconds(config_.dns.timeoutMs);
  options.client.tries = static_cast<int>(config_.dns.attempts);
  auto resolver = dns::DnsResolver::create(
      io_, timers_, options, [proxy = proxy_.get()](sip::Transport transport, bool v6) {
        return proxy->targetResolver().canSend(transport, v6);
      });
  if (!resolver) {
    spdlog::error("dns: {}", resolver.error());
    return false;
  }
  dns_ = std::move(*resolver);
  proxy_->setServerLocation(&dns_->locator(), &dns_->blacklist());
  proxy_->setServerNameHint([transports = transports_.get()](const SocketAddress& remote,
                                                             const std::string& host,
                                                             const std::string& domain) {
    transports->expectServerName(remote, host, domain);
  });
  return true;
}

// Without a configured certificate a self-signed one is generated on first start, so that wss
// works out of the box for development (browsers must be told to accept it once).
bool Gateway::prepareTls() {
  if (!needsTls(config_) || !config_.tls.certificate.empty()) return true;
  const auto cert = config_.tlsCertificatePath();
  const auto key = config_.tlsPrivateKeyPath();
  if (std::filesystem::exists(cert) && std::filesystem::exists(key)) return true;
  std::string why;
  if (!createPrivateDirectory(std::filesystem::path(cert).parent_path().string(), why)) {
    spdlog::error("tls: {}", why);
    return false;
  }
  const auto status = io::CertificateGenerator::generate(cert, key);
  if (!status) {
    spdlog::error("tls: cannot generate a self-signed certificate in {}: {}",
                  std::filesystem::path(cert).parent_path().string(), status.error());
    return false;
  }
  spdlog::info("tls: generated a self-signed certificate {} (set tls.certificate for production)",
               cert);
  return true;
}

bool Gateway::start() {
  std::string error;
  if (!createPrivateDirectory(config_.node.dataDir, error)) {
    spdlog::error("node.data_dir: {}", error);
    return false;
  }
  for (const auto& warning : exposedSecretFiles(config_, configPath_)) spdlog::warn("{}", warning);
  for (const auto& warning : configWarnings(config_)) spdlog::warn("{}", warning);
  store_ = openGatewayStore(config_, timers_, error);
  if (!store_) {
    spdlog::error("{}", error);
    return false;
  }
  loopWatch_.start();
  if (!prepareTls()) return false;

  transports_ = std::make_unique<io::TransportManager>(io_, transportOptions(config_));
  if (const auto status = transports_->start(); !status) {
    spdlog::error("sip.listen: {}", status.error());
    return false;
  }

  auto options = proxyOptions(config_, transports_->listeners());
  options.tokenKey = tokenKey(config_);
  if (!options.tokenKey) return false;

  location_ = std::make_unique<proxy::LocationService>(store_.get());
  store_->onReopened([this] { location_->persistAll(); });
  auto routes = staticRoutes(config_.routes);
  auto* transports = transports_.get();
  proxy_ =
      std::make_unique<proxy::ProxyCore>(std::move(options), timers_, sendThrough(*transports_),
                                         *store_, *location_, std::move(routes));
  proxy_->setConnectionLookup(
      [transports](std::uint64_t id) { return transports->connectionFlow(id); });
  if (!startDns()) return false;
  const auto restored = proxy_->restoreRegistrations();
  transports_->keepWhile([this](std::uint64_t id) { return proxy_->connectionInUse(id); });
  // What the transports receive goes up one way: ingress, transaction layer, proxy.
  ingress_ = std::make_unique<transaction::SipIngress>(
      timers_, sendThrough(*transports_), proxy_->transactions(), rateLimitOptions(config_));
  transports_->onMessage([this](std::string message, const sip::Flow& flow) {
    ingress_->onMessage(std::move(message), flow);
  });
  transports_->onConnectionClosed([this](std::uint64_t id) { proxy_->onConnectionClosed(id); });
  transports_->onConnectFailed([this](const sip::Flow& flow) { proxy_->onConnectFailed(flow); });
  if (!startMedia()) return false;
  cdrs_ = std::make_unique<events::CdrWriter>(config_.calls.cdrFile == "off" ? std::string()
                                              : config_.calls.cdrFile.empty()
                                                  ? config_.node.dataDir + "/cdr.jsonl"
                                                  : config_.calls.cdrFile,
                                              store_.get());
  if (!cdrs_->ok()) return false;

  api_ = std::make_unique<ManagementApi>(
      io_, config_, timers_,
      ManagementApi::Parts{*transports_, *ingress_, *proxy_, *location_, store_.get(), &loopWatch_,
                           dns_.get()});
  callsApi_ = std::make_unique<api::CallsApi>(*proxy_, apiMediaControl(), timers_);
  recordingsApi_ = std::make_unique<api::RecordingsApi>(*proxy_);
  transfersApi_ = std::make_unique<api::TransfersApi>(*proxy_);
  // call.play events go to the hub, made below.
  playApi_ = std::make_unique<api::PlayApi>(
      *proxy_, timers_, [this](std::string_view type, const std::string& fields) {
        if (events_) (void)events_->publish(type, fields);
      });
  bansApi_ = std::make_unique<api::BansApi>(*proxy_);
  if (const auto status = bansApi_->declareMetrics(api_->metrics()); !status) {
    spdlog::error("bans: {}", status.error());
    return false;
  }
  if (api_->server()) {
    callsApi_->registerRoutes(*api_->server());
    recordingsApi_->registerRoutes(*api_->server());
    transfersApi_->registerRoutes(*api_->server());
    playApi_->registerRoutes(*api_->server());
    cdrs_->registerRoutes(*api_->server());
    bansApi_->registerRoutes(*api_->server());
  }
  events_ = std::make_unique<events::EventHub>(timers_);
  events_->attach(*location_);
  // Who hears about calls, in this order, and nowhere else: metrics, the relay watch, events,
  // the CDRs. Media quality metrics, call.ended and the CDRs wait for the relay's final
  // statistics (CallObserver::onCallRecord).
  auto& calls = proxy_->calls();
  calls.addObserver(api_->callMetrics());
  calls.addObserver(api_->mediaQualityMetrics());
  if (relayWatch_) calls.addObserver(*relayWatch_);
  calls.addObserver(*events_);
  calls.addObserver(*cdrs_);
  calls.addObserver(*playApi_);
  calls.addObserver(*recordingsApi_);  // last: a route's recording starts once all heard
  if (relay_) {
    if (const auto status = api_->declareRelayMetrics(*relay_); !status) {
      spdlog::error("metrics: {}", status.error());
      return false;
    }
  } else if (auto* pool = dynamic_cast<mediacontrol::RelayPool*>(mediaControl_.get())) {
    if (const auto status = api_->declareRelayMetrics(*pool); !status) {
      spdlog::error("metrics: {}", status.error());
      return false;
    }
  }
  if (api_->server()) events_->registerRoutes(*api_->server());
  if (const auto status = events_->declareMetrics(api_->metrics()); !status) {
    spdlog::error("events: {}", status.error());
    return false;
  }
  if (!startTrunks()) return false;
  events::WebhookOptions webhooks;
  webhooks.retries = config_.events.retries;
  if (const auto status = events_->startWebhooks(io_, timers_, config_.events.webhooks, webhooks);
      !status) {
    spdlog::error("{}", status.error());
    return false;
  }
  ConfigReloader::Appliers appliers;
  appliers.tls = [this](const Config& next) {
    return transports_->reloadTls(transportOptions(next));
  };
  appliers.routes = [this](const Config& next) { proxy_->setRoutes(staticRoutes(next.routes)); };
  reloader_ = std::make_unique<ConfigReloader>(configPath_, config_, std::move(appliers));
  if (api_->server()) reloader_->addRoute(*api_->server());
  if (const auto status = api_->start(); !status) {
    spdlog::error("{}", status.error());
    return false;
  }

  spdlog::info("rtcgate {} node {} serving {} (auth {}), {} registrations restored", kVersion,
               config_.node.id, fmt::join(config_.sip.domains, ", "),
               config_.sip.auth ? "on" : "off", restored);
  scheduleHousekeeping();
  return true;
}

// The management API's relay: the embedded one through the loop, or the ng relays' pool with
// the timeouts of a person waiting (the relay that holds a call answers for it); null without
// media anchoring.
mediacontrol::MediaControl* Gateway::apiMediaControl() {
  if (auto* pool = dynamic_cast<mediacontrol::RelayPool*>(mediaControl_.get())) {
    return &pool->questions();
  }
  return mediaControl_.get();
}

void Gateway::scheduleHousekeeping() {
  housekeeping_ = timers_.start(kHousekeepingInterval, [this] {
    const auto expired = location_->expire(proxy::wallSeconds(timers_.wallNow()));
    if (expired) spdlog::debug("{} registrations expired", expired);
    scheduleHousekeeping();
  });
}

void Gateway::logStatistics() const {
  const auto& in = ingress_->stats();
  const auto& s = proxy_->stats();
  const auto& t = transports_->stats();
  spdlog::info(
      "statistics: requests={} responses={} parse_errors={} answered_400={} dropped={} "
      "registrations={} auth_failures={} forwarded={} oversize_refused={} "
      "connection_limit_refused={}",
      in.requestsReceived, in.responsesReceived, in.parseErrors, in.badRequestsAnswered,
      in.datagramsDropped, s.registrations, s.authFailures, s.forwardedRequests, t.oversizeRefused,
      t.connectionLimitRefused);
}

int Gateway::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", signal);
    logStatistics();
    if (housekeeping_) timers_.cancel(housekeeping_);
    housekeeping_ = 0;
    hangup_.cancel();
    api_->stop();
    transports_->stop();
    io_.stop();
  });
  waitForHangup();
  io_.run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace rtcgate::app
