#include "app/ConfigReloader.hpp"

#include <spdlog/spdlog.h>

#include <tuple>

#include "app/ConfigLoader.hpp"
#include "http/Json.hpp"

namespace rtcgate::app {

namespace {

// Collects changed key paths into the list their reloadability says.
class Differ {
 public:
  explicit Differ(ConfigChanges& changes) : changes_(changes) {}

  template <class T>
  bool restart(const char* key, const T& running, const T& next) {
    if (running == next) return false;
    changes_.needsRestart.push_back(key);
    return true;
  }

  template <class T>
  bool reload(const char* key, const T& running, const T& next) {
    if (running == next) return false;
    changes_.applied.push_back(key);
    return true;
  }

 private:
  ConfigChanges& changes_;
};

std::vector<std::string> listenTexts(const std::vector<ListenAddress>& listen) {
  std::vector<std::string> out;
  for (const auto& address : listen) {
    out.push_back(std::string(sip::transportParamName(address.transport)) + "://" + address.host +
                  ":" + std::to_string(address.port));
  }
  return out;
}

void diffSip(Differ& d, const Config::Sip& a, const Config::Sip& b) {
  d.restart("sip.domains", a.domains, b.domains);
  d.restart("sip.listen", listenTexts(a.listen), listenTexts(b.listen));
  d.restart("sip.advertise", a.advertise, b.advertise);
  d.restart("sip.auth", a.auth, b.auth);
  d.restart("sip.allow_direct_uri", a.allowDirectUri, b.allowDirectUri);
  d.restart("sip.token_secret_file", a.tokenSecretFile, b.tokenSecretFile);
  d.restart("sip.auth_algorithms_sip", a.authAlgorithmsSip, b.authAlgorithmsSip);
  d.restart("sip.auth_algorithms_ws", a.authAlgorithmsWs, b.authAlgorithmsWs);
  d.restart("sip.nonce_lifetime", a.nonceLifetime, b.nonceLifetime);
  d.restart("sip.max_message_size", a.maxMessageSize, b.maxMessageSize);
  d.restart("sip.max_connections_per_source", a.maxConnectionsPerSource, b.maxConnectionsPerSource);
  d.restart("sip.max_connections", a.maxConnections, b.maxConnections);
  d.restart("sip.max_send_queue", a.maxSendQueue, b.maxSendQueue);
  d.restart("sip.idle_timeout", a.idleTimeout, b.idleTimeout);
  d.restart("sip.ws_allowed_origins", a.wsAllowedOrigins, b.wsAllowedOrigins);
  d.restart("sip.registrar.min_expires", a.registrar.minExpires, b.registrar.minExpires);
  d.restart("sip.registrar.max_expires", a.registrar.maxExpires, b.registrar.maxExpires);
  d.restart("sip.registrar.default_expires", a.registrar.defaultExpires,
            b.registrar.defaultExpires);
  d.restart("sip.registrar.max_contacts", a.registrar.maxContacts, b.registrar.maxContacts);
}

std::vector<std::string> interfaceTexts(const std::vector<MediaInterface>& interfaces) {
  std::vector<std::string> out;
  for (const MediaInterface& interface : interfaces) {
    out.push_back(interface.name + "/" + interface.bind + "!" + interface.advertise);
  }
  return out;
}

// The media.* keys a relay reads (embedded or `rtcgate relay`): all fixed at start.
void diffRelayMedia(Differ& d, const Config& a, const Config& b) {
  d.restart("media.ports", std::make_pair(a.media.portMin, a.media.portMax),
            std::make_pair(b.media.portMin, b.media.portMax));
  d.restart("media.bind", a.media.bind, b.media.bind);
  d.restart("media.advertise", a.media.advertise, b.media.advertise);
  d.restart("media.interfaces", interfaceTexts(a.media.interfaces),
            interfaceTexts(b.media.interfaces));
  d.restart("media.timeout", a.media.timeout, b.media.timeout);
  d.restart("media.workers", a.media.workers, b.media.workers);
  d.restart("media.max_streams_per_offer", a.media.maxStreamsPerOffer, b.media.maxStreamsPerOffer);
  d.restart("media.learning_delay_ms", a.media.learningDelayMs, b.media.learningDelayMs);
  d.restart("media.packet_io", a.media.packetIo, b.media.packetIo);
  d.restart("media.dtls_certificate", a.media.dtlsCertificate, b.media.dtlsCertificate);
  d.restart("media.dtls_private_key", a.media.dtlsPrivateKey, b.media.dtlsPrivateKey);
}

void diffMedia(Differ& d, const Config& a, const Config& b) {
  d.restart("media.relay", a.media.relay, b.media.relay);
  d.restart("media.anchor", a.media.anchor, b.media.anchor);
  d.restart("media.sip_srtp", a.media.sipSrtp, b.media.sipSrtp);
  diffRelayMedia(d, a, b);
  d.restart("calls.dialog_timeout", a.calls.dialogTimeout, b.calls.dialogTimeout);
  d.restart("calls.reconnect_grace", a.calls.reconnectGrace, b.calls.reconnectGrace);
  d.restart("calls.cdr_file", a.calls.cdrFile, b.calls.cdrFile);
  d.restart("calls.min_session_expires", a.calls.minSessionExpires, b.calls.minSessionExpires);
  d.restart("calls.session_expires", a.calls.sessionExpires, b.calls.sessionExpires);
  const auto& natA = a.nat.keepalive;
  const auto& natB = b.nat.keepalive;
  d.restart("nat.keepalive.interval", natA.interval, natB.interval);
  d.restart("nat.keepalive.method", natA.method, natB.method);
  d.restart("nat.keepalive.max_missed", natA.maxMissed, natB.maxMissed);
  d.restart("sip.failover_timeout", a.sip.failoverTimeout, b.sip.failoverTimeout);
  d.restart("dns.servers", a.dns.servers, b.dns.servers);
  d.restart("dns.timeout_ms", a.dns.timeoutMs, b.dns.timeoutMs);
  d.restart("dns.attempts", a.dns.attempts, b.dns.attempts);
  d.restart("dns.blacklist_seconds", a.dns.blacklistSeconds, b.dns.blacklistSeconds);
  const auto& banA = a.security.authBan;
  const auto& banB = b.security.authBan;
  d.restart("security.auth_ban.enabled", banA.enabled, banB.enabled);
  d.restart("security.auth_ban.failures", banA.failures, banB.failures);
  d.restart("security.auth_ban.user_failures", banA.userFailures, banB.userFailures);
  d.restart("security.auth_ban.window", banA.window, banB.window);
  d.restart("security.auth_ban.ban_time", banA.banTime, banB.banTime);
  d.restart("security.rate_limit.requests_per_second", a.security.rateLimit.requestsPerSecond,
            b.security.rateLimit.requestsPerSecond);
  d.restart("security.rate_limit.burst", a.security.rateLimit.burst, b.security.rateLimit.burst);
  d.restart("security.max_transactions", a.security.maxTransactions, b.security.maxTransactions);
  d.restart("security.max_dialogs", a.security.maxDialogs, b.security.maxDialogs);
  d.restart("security.max_unauthenticated_calls_per_source",
            a.security.maxUnauthenticatedCallsPerSource,
            b.security.maxUnauthenticatedCallsPerSource);
  d.restart("relay.listen", a.relay.listen, b.relay.listen);
  d.restart("relay.allowed_sources", a.relay.allowedSources, b.relay.allowedSources);
  d.restart("relay.dtmf_log_dest", a.relay.dtmfLogDest, b.relay.dtmfLogDest);
  d.restart("relay.record_dir", a.recordDirPath(), b.recordDirPath());
  d.restart("relay.media_dir", a.mediaDirPath(), b.mediaDirPath());
}

void appendList(std::string& out, const char* key, const std::vector<std::string>& items) {
  out += ",\"";
  out += key;
  out += "\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    http::appendJsonString(out, items[i]);
  }
  out += ']';
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// node.id and log.*: what every command reads.
void diffNodeAndLog(Differ& d, ConfigChanges& changes, const Config& a, const Config& b) {
  d.restart("node.id", a.node.id, b.node.id);
  changes.logLevel = d.reload("log.level", a.log.level, b.log.level);
  d.restart("log.format", a.log.format, b.log.format);
}

// The ICE servers and TURN secret are baked into the phone's config.json and the credentials
// endpoints at start. A rewritten secret file with the same path counts as a change too.
void diffWebRtc(Differ& d, const Config::WebRtc& a, const Config::WebRtc& b) {
  d.restart("webrtc.ice_servers", a.iceServers, b.iceServers);
  d.restart("webrtc.turn_secret_file", std::tie(a.turnSecretFile, a.turnSecret),
            std::tie(b.turnSecretFile, b.turnSecret));
  d.restart("webrtc.turn_ttl", a.turnTtl, b.turnTtl);
}

}  // namespace

ConfigChanges diffConfig(const Config& running, const Config& next) {
  ConfigChanges changes;
  Differ d(changes);
  diffNodeAndLog(d, changes, running, next);
  d.restart("node.data_dir", running.node.dataDir, next.node.dataDir);
  diffSip(d, running.sip, next.sip);
  const bool certificate =
      d.reload("tls.certificate", running.tls.certificate, next.tls.certificate);
  const bool key = d.reload("tls.private_key", running.tls.privateKey, next.tls.privateKey);
  const bool ca = d.reload("tls.ca", running.tls.ca, next.tls.ca);
  const bool verify = d.reload("tls.verify_peer", running.tls.verifyPeer, next.tls.verifyPeer);
  changes.tls = certificate || key || ca || verify;
  diffMedia(d, running, next);
  d.restart("store", running.store, next.store);
  d.restart("store_file", running.storeFile, next.storeFile);
  d.restart("store_sync", running.storeSync, next.storeSync);
  d.restart("http.listen", running.http.listen, next.http.listen);
  d.restart("http.token", running.http.token, next.http.token);
  d.restart("http.token_file", running.http.tokenFile, next.http.tokenFile);
  d.restart("http.allowed_hosts", running.http.allowedHosts, next.http.allowedHosts);
  // Trunks hold registrations and probes: a restart starts them anew.
  d.restart("trunks", running.trunks, next.trunks);
  changes.routes = d.reload("routes", running.routes, next.routes);
  diffWebRtc(d, running.webrtc, next.webrtc);
  return changes;
}

ConfigChanges diffRelayConfig(const Config& running, const Config& next) {
  ConfigChanges changes;
  Differ d(changes);
  diffNodeAndLog(d, changes, running, next);
  diffRelayMedia(d, running, next);
  d.restart("relay.listen", running.relay.listen, next.relay.listen);
  d.restart("relay.dtmf_log_dest", running.relay.dtmfLogDest, next.relay.dtmfLogDest);
  d.restart("relay.record_dir", running.recordDirPath(), next.recordDirPath());
  d.restart("relay.media_dir", running.mediaDirPath(), next.mediaDirPath());
  changes.allowedSources =
      d.reload("relay.allowed_sources", running.relay.allowedSources, next.relay.allowedSources);
  return changes;
}

bool applyLogLevel(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  // from_str answers "off" for any name it does not know; only "off" itself means off.
  if (parsed == spdlog::level::off && level != "off") return false;
  spdlog::set_level(parsed);
  return true;
}

ConfigReloader::ConfigReloader(std::string path, Config running, Appliers appliers, Role role)
    : path_(std::move(path)),
      running_(std::move(running)),
      appliers_(std::move(appliers)),
      role_(role) {}

ConfigReloader::Outcome ConfigReloader::reload() {
  Outcome outcome;
  if (path_.empty()) {
    outcome.error = "no configuration file to reload (started without --config)";
    return outcome;
  }
  auto loaded = loadConfigFile(path_);
  if (!loaded.ok()) {
    outcome.error = loaded.errors.front();
    if (loaded.errors.size() > 1) {
      outcome.error += " (and " + std::to_string(loaded.errors.size() - 1) + " more)";
    }
    return outcome;
  }
  outcome.changes = role_ == Role::Relay ? diffRelayConfig(running_, loaded.config)
                                         : diffConfig(running_, loaded.config);
  auto& changes = outcome.changes;
  // Only the reloadable parts move; the rest keeps running as started.
  Config next = running_;
  next.routes = loaded.config.routes;
  next.tls = loaded.config.tls;
  next.log.level = loaded.config.log.level;
  next.relay.allowedSources = loaded.config.relay.allowedSources;

  const auto demote = [&changes](std::string_view prefix) {
    std::erase_if(changes.applied, [&](const std::string& key) {
      if (key.rfind(prefix, 0) != 0) return false;
      changes.needsRestart.push_back(key);
      return true;
    });
  };
  if (appliers_.tls) {
    if (auto status = appliers_.tls(next); !status) {
      outcome.error = status.error();
      return outcome;
    }
    outcome.tlsReread = true;
  } else if (changes.tls) {
    demote("tls.");
    next.tls = running_.tls;
  }
  if (changes.routes && appliers_.routes) {
    appliers_.routes(next);
  } else if (changes.routes) {
    demote("routes");
    next.routes = running_.routes;
  }
  if (changes.allowedSources && appliers_.allowedSources) {
    appliers_.allowedSources(next);
  } else {
    if (changes.allowedSources) demote("relay.allowed_sources");
    next.relay.allowedSources = running_.relay.allowedSources;
  }
  if (changes.logLevel) applyLogLevel(next.log.level);
  running_ = std::move(next);
  outcome.ok = true;
  return outcome;
}

ConfigReloader::Outcome ConfigReloader::reloadAndLog() {
  auto outcome = reload();
  if (outcome.ok) {
    spdlog::info("{}", outcome.summary());
  } else {
    spdlog::error("{}", outcome.summary());
  }
  return outcome;
}

void ConfigReloader::addRoute(http::HttpServer& server) {
  server.add("POST", "/api/v1/reload",
             "re-read the configuration file (routes, TLS files, log level)",
             [this](const http::HttpRequest&) {
               const auto outcome = reloadAndLog();
               return http::HttpReply::json(outcome.json(), outcome.ok ? 200 : 400);
             });
}

std::string ConfigReloader::Outcome::json() const {
  if (!ok) return http::jsonError(error);
  std::string out = "{\"reloaded\":true";
  appendList(out, "applied", changes.applied);
  appendList(out, "needs_restart", changes.needsRestart);
  out += ",\"tls_reread\":";
  out += tlsReread ? "true" : "false";
  out += '}';
  return out;
}

std::string ConfigReloader::Outcome::summary() const {
  if (!ok) return "configuration reload refused: " + error;
  std::string out = "configuration reloaded";
  out += changes.applied.empty() ? ": nothing to apply" : ": applied " + joined(changes.applied);
  if (tlsReread) out += "; TLS files re-read";
  if (!changes.needsRestart.empty()) out += "; needs restart: " + joined(changes.needsRestart);
  return out;
}

}  // namespace rtcgate::app
