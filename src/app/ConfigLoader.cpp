#include "app/ConfigLoader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "base/AddressRange.hpp"
#include "base/HostPort.hpp"
#include "base/PrivateFiles.hpp"
#include "base/SocketAddress.hpp"
#include "events/Webhook.hpp"
#include "media/relay/ListenUrl.hpp"
#include "proxy/StaticRoutes.hpp"
#include "web/IceServerUrl.hpp"

namespace rtcgate::app {

namespace {

// Walks the YAML tree with the schema written out in code, so that every key read is also the
// list of keys allowed, and every error carries the path that led to it.
class ConfigReader {
 public:
  ConfigReader(std::vector<std::string>& errors, const SecretFileReader& secrets)
      : errors_(errors), secrets_(secrets) {}

  // Reports keys of a mapping that are not in `allowed`; false when node is not a mapping.
  bool mapping(const YAML::Node& node, const std::string& path,
               std::initializer_list<const char*> allowed) {
    if (!node) return false;
    if (!node.IsMap()) {
      error(path, "expected a mapping");
      return false;
    }
    std::set<std::string> known(allowed.begin(), allowed.end());
    for (const auto& entry : node) {
      // YAML allows any node as a key ("? [a, b]: c", "{[a]: b}"); as<std::string>() throws on
      // those (found by fuzz/app/ConfigYaml).
      if (!entry.first.IsScalar()) {
        error(path.empty() ? "(top level)" : path, "expected plain words as keys");
        continue;
      }
      const auto key = entry.first.as<std::string>();
      if (!known.count(key)) error(join(path, key), "unknown key");
    }
    return true;
  }

  void read(const YAML::Node& parent, const std::string& path, const char* key, std::string& out) {
    const auto node = parent[key];
    if (!node) return;
    if (!node.IsScalar()) return error(join(path, key), "expected a string");
    out = node.as<std::string>();
  }

  void read(const YAML::Node& parent, const std::string& path, const char* key, bool& out) {
    const auto node = parent[key];
    if (!node) return;
    if (!node.IsScalar()) return error(join(path, key), "expected true or false");
    const auto text = node.as<std::string>();
    if (text == "true" || text == "yes" || text == "on") {
      out = true;
    } else if (text == "false" || text == "no" || text == "off") {
      out = false;
    } else {
      error(join(path, key), "expected true or false, got '" + text + "'");
    }
  }

  template <class Int>
  void read(const YAML::Node& parent, const std::string& path, const char* key, Int& out,
            Int min = 0, Int max = std::numeric_limits<Int>::max()) {
    const auto node = parent[key];
    if (!node) return;
    const auto text = node.IsScalar() ? node.as<std::string>() : std::string();
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
        value > max) {
      return error(join(path, key), "expected a whole number from " + std::to_string(min) + " to " +
                                        std::to_string(max) + ", got '" + text + "'");
    }
    out = static_cast<Int>(value);
  }

  // A list of strings; a single string is accepted as a list of one.
  void read(const YAML::Node& parent, const std::string& path, const char* key,
            std::vector<std::string>& out) {
    const auto node = parent[key];
    if (!node) return;
    if (node.IsScalar()) {
      out = {node.as<std::string>()};
      return;
    }
    if (!node.IsSequence()) return error(join(path, key), "expected a list");
    out.clear();
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) {
        error(join(path, key) + "[" + std::to_string(i) + "]", "expected a string");
        continue;
      }
      out.push_back(node[i].as<std::string>());
    }
  }

  void error(const std::string& path, const std::string& what) {
    errors_.push_back(path + ": " + what);
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  std::optional<std::string> secretFile(const std::string& file, std::string& why) const {
    return secrets_(file, why);
  }

 private:
  std::vector<std::string>& errors_;
  const SecretFileReader& secrets_;
};

// A secret given inline (`key`) or in a file (`key`_file, read now: at load and at every reload).
void readSecret(ConfigReader& r, const YAML::Node& parent, const std::string& path,
                const std::string& key, std::string& secret, std::string& file) {
  const std::string fileKey = key + "_file";
  r.read(parent, path, fileKey.c_str(), file);
  if (file.empty()) return;
  const std::string keyPath = ConfigReader::join(path, fileKey);
  if (parent[key]) return r.error(keyPath, "give " + key + " or " + fileKey + ", not both");
  std::string why;
  if (auto content = r.secretFile(file, why)) {
    secret = std::move(*content);
  } else {
    r.error(keyPath, why);
  }
}

// A number prefix a route may add: dial-string characters only, so that nothing but a number can
// be written into the Request-URI's user part.
bool isNumberPrefix(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](char ch) { return (ch >= '0' && ch <= '9') || ch == '+' || ch == '*'; });
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return text;
}

// "https://app.example.com[:port]": a scheme, a host, an optional port and nothing else, as
// browsers send it in Origin (a trailing slash is forgiven).
bool isOrigin(const std::string& text) {
  const auto scheme = text.find("://");
  if (scheme == std::string::npos) return false;
  const std::string name = text.substr(0, scheme);
  const std::string rest = text.substr(scheme + 3);
  return (name == "http" || name == "https") && !rest.empty() &&
         rest.find_first_of("/?#@ ") == std::string::npos;
}

void readNode(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["node"];
  if (!r.mapping(node, "node", {"id", "data_dir"})) return;
  r.read(node, "node", "id", c.node.id);
  r.read(node, "node", "data_dir", c.node.dataDir);
}

void readLog(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["log"];
  if (!r.mapping(node, "log", {"level", "format"})) return;
  r.read(node, "log", "level", c.log.level);
  r.read(node, "log", "format", c.log.format);
  static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error"};
  if (!levels.count(c.log.level)) {
    r.error("log.level", "expected trace, debug, info, warn or error, got '" + c.log.level + "'");
  }
  if (c.log.format != "text" && c.log.format != "json") {
    r.error("log.format", "expected text or json, got '" + c.log.format + "'");
  }
}

void readRegistrar(ConfigReader& r, const YAML::Node& sip, Config::Registrar& reg) {
  const auto node = sip["registrar"];
  const std::string path = "sip.registrar";
  if (!r.mapping(node, path, {"min_expires", "max_expires", "default_expires", "max_contacts"})) {
    return;
  }
  r.read(node, path, "min_expires", reg.minExpires, 1u, 86400u);
  r.read(node, path, "max_expires", reg.maxExpires, 1u, 604800u);
  r.read(node, path, "default_expires", reg.defaultExpires, 1u, 604800u);
  r.read(node, path, "max_contacts", reg.maxContacts, 1u, 1000u);
  if (reg.minExpires > reg.maxExpires) r.error(path, "min_expires is larger than max_expires");
}

// One digest algorithm list: sha-256 and md5, any case, at least one.
void readAlgorithmList(ConfigReader& r, const YAML::Node& sip, const char* key,
                       std::vector<std::string>& out) {
  const std::string path = ConfigReader::join("sip", key);
  r.read(sip, "sip", key, out);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = lowercase(out[i]);
    if (out[i] != "sha-256" && out[i] != "md5") {
      r.error(path + "[" + std::to_string(i) + "]",
              "expected sha-256 or md5, got '" + out[i] + "'");
    }
  }
  if (out.empty()) r.error(path, "at least one is needed");
}

// sip.auth_algorithms sets the order for every transport; sip.auth_algorithms_sip (UDP, TCP, TLS)
// and sip.auth_algorithms_ws (WS, WSS) set one each, and may not be mixed with it.
void readAuthAlgorithms(ConfigReader& r, const YAML::Node& sip, Config::Sip& c) {
  if (sip["auth_algorithms"]) {
    if (sip["auth_algorithms_sip"] || sip["auth_algorithms_ws"]) {
      return r.error("sip.auth_algorithms",
                     "sets the order for every transport: give it or auth_algorithms_sip and "
                     "auth_algorithms_ws, not both");
    }
    readAlgorithmList(r, sip, "auth_algorithms", c.authAlgorithmsSip);
    c.authAlgorithmsWs = c.authAlgorithmsSip;
    return;
  }
  readAlgorithmList(r, sip, "auth_algorithms_sip", c.authAlgorithmsSip);
  readAlgorithmList(r, sip, "auth_algorithms_ws", c.authAlgorithmsWs);
}

void readSip(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["sip"];
  if (!r.mapping(
          node, "sip",
          {"domains", "listen", "advertise", "auth", "auth_algorithms", "auth_algorithms_sip",
           "auth_algorithms_ws", "nonce_lifetime", "max_message_size", "max_connections_per_source",
           "max_connections", "max_send_queue", "idle_timeout", "udp_buffer", "ws_allowed_origins",
           "registrar", "allow_direct_uri", "token_secret_file", "failover_timeout"})) {
    return;
  }
  r.read(node, "sip", "domains", c.sip.domains);
  if (c.sip.domains.empty()) r.error("sip.domains", "at least one domain is needed");
  std::vector<std::string> listen;
  r.read(node, "sip", "listen", listen);
  if (node["listen"]) {
    c.sip.listen.clear();
    for (std::size_t i = 0; i < listen.size(); ++i) {
      ListenAddress address;
      std::string why;
      if (parseListenAddress(listen[i], address, why)) {
        c.sip.listen.push_back(address);
      } else {
        r.error("sip.listen[" + std::to_string(i) + "]", why);
      }
    }
    if (listen.empty()) r.error("sip.listen", "at least one listen address is needed");
  }
  r.read(node, "sip", "advertise", c.sip.advertise);
  r.read(node, "sip", "auth", c.sip.auth);
  r.read(node, "sip", "allow_direct_uri", c.sip.allowDirectUri);
  r.read(node, "sip", "failover_timeout", c.sip.failoverTimeout, 0u, 300u);
  r.read(node, "sip", "token_secret_file", c.sip.tokenSecretFile);
  readAuthAlgorithms(r, node, c.sip);
  r.read(node, "sip", "nonce_lifetime", c.sip.nonceLifetime, 10u, 86400u);
  r.read(node, "sip", "max_message_size", c.sip.maxMessageSize, 1024u, 1048576u);
  r.read(node, "sip", "max_connections_per_source", c.sip.maxConnectionsPerSource, 1u, 100000u);
  r.read(node, "sip", "max_connections", c.sip.maxConnections, 1u, 10000000u);
  r.read(node, "sip", "max_send_queue", c.sip.maxSendQueue, 65536u, 1073741824u);
  r.read(node, "sip", "idle_timeout", c.sip.idleTimeout, 1u, 86400u);
  r.read(node, "sip", "udp_buffer", c.sip.udpBuffer, 65536u, 268435456u);
  r.read(node, "sip", "ws_allowed_origins", c.sip.wsAllowedOrigins);
  for (std::size_t i = 0; i < c.sip.wsAllowedOrigins.size(); ++i) {
    auto& origin = c.sip.wsAllowedOrigins[i];
    origin = lowercase(origin);
    if (origin.ends_with('/')) origin.pop_back();
    if (!isOrigin(origin)) {
      r.error("sip.ws_allowed_origins[" + std::to_string(i) + "]",
              "expected an origin such as https://app.example.com, got '" + origin + "'");
    }
  }
  readRegistrar(r, node, c.sip.registrar);
}

void readTls(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["tls"];
  if (!r.mapping(node, "tls", {"certificate", "private_key", "ca", "verify_peer"})) return;
  r.read(node, "tls", "certificate", c.tls.certificate);
  r.read(node, "tls", "private_key", c.tls.privateKey);
  r.read(node, "tls", "ca", c.tls.ca);
  r.read(node, "tls", "verify_peer", c.tls.verifyPeer);
  if (c.tls.certificate.empty() != c.tls.privateKey.empty()) {
    r.error("tls", "certificate and private_key go together");
  }
}

bool parsePortRange(const std::string& text, std::uint16_t& low, std::uint16_t& high) {
  const auto dash = text.find('-');
  if (dash == std::string::npos) return false;
  unsigned a = 0, b = 0;
  const auto* first = text.data();
  const auto r1 = std::from_chars(first, first + dash, a);
  const auto r2 = std::from_chars(first + dash + 1, first + text.size(), b);
  if (r1.ec != std::errc() || r1.ptr != first + dash || r2.ec != std::errc() ||
      r2.ptr != first + text.size()) {
    return false;
  }
  if (a < 1024 || b > 65535 || a >= b) return false;
  low = static_cast<std::uint16_t>(a);
  high = static_cast<std::uint16_t>(b);
  return true;
}

bool isIpAddress(const std::string& text) {
  return static_cast<bool>(SocketAddress::parse(text, 0));
}

// media.interfaces: named, each on an address of its own; media.bind / media.advertise are the
// one-interface shorthand and do not mix with it.
void readMediaInterfaces(ConfigReader& r, const YAML::Node& media, Config& c) {
  const auto node = media["interfaces"];
  if (!node) return;
  if (!node.IsSequence() || node.size() == 0) {
    return r.error("media.interfaces", "expected a list of {name, bind, advertise}");
  }
  if (media["bind"] || media["advertise"]) {
    r.error("media.interfaces", "give either media.interfaces or media.bind/media.advertise");
  }
  std::set<std::string> names, binds;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = "media.interfaces[" + std::to_string(i) + "]";
    if (!r.mapping(node[i], path, {"name", "bind", "advertise"})) continue;
    MediaInterface interface;
    r.read(node[i], path, "name", interface.name);
    r.read(node[i], path, "bind", interface.bind);
    r.read(node[i], path, "advertise", interface.advertise);
    if (interface.name.empty()) r.error(path + ".name", "a name is needed");
    if (!names.insert(interface.name).second) {
      r.error(path + ".name", "'" + interface.name + "' is used by another interface");
    }
    if (!isIpAddress(interface.bind)) {
      r.error(path + ".bind", "expected an IP address, got '" + interface.bind + "'");
    } else if (!binds.insert(interface.bind).second) {
      r.error(path + ".bind", interface.bind + " is bound by another interface");
    }
    if (!interface.advertise.empty() && !isIpAddress(interface.advertise)) {
      r.error(path + ".advertise", "expected an IP address, got '" + interface.advertise + "'");
    }
    const bool wildcard = interface.bind == "0.0.0.0" || interface.bind == "::";
    if (wildcard && interface.advertise.empty()) {
      r.error(path + ".advertise", "needed: " + interface.bind + " is no address to put in SDP");
    }
    c.media.interfaces.push_back(std::move(interface));
  }
}

// A route's media.interface must be one the embedded relay has; an ng relay's interfaces are its
// own business (RTPEngine's --interface names), passed on as they are.
void checkRouteInterfaces(ConfigReader& r, const Config& c) {
  const bool embedded = c.media.relay.size() == 1 && c.media.relay.front() == "embedded";
  if (!embedded) return;
  auto check = [&](const std::string& name, const std::string& path) {
    if (name.empty()) return;
    const bool known =
        c.media.interfaces.empty()
            ? name == "default"
            : std::any_of(c.media.interfaces.begin(), c.media.interfaces.end(),
                          [&](const MediaInterface& interface) { return interface.name == name; });
    if (!known) r.error(path, "no media interface named '" + name + "' (media.interfaces)");
  };
  for (std::size_t i = 0; i < c.routes.size(); ++i) {
    check(c.routes[i].mediaInterface, "routes[" + std::to_string(i) + "].media.interface");
  }
  for (std::size_t i = 0; i < c.trunks.size(); ++i) {
    check(c.trunks[i].mediaInterface, "trunks[" + std::to_string(i) + "].media.interface");
  }
}

void readMedia(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["media"];
  if (!r.mapping(
          node, "media",
          {"relay", "ports", "bind", "advertise", "timeout", "workers", "packet_io",
           "dtls_certificate", "dtls_private_key", "anchor", "sip_srtp", "max_streams_per_offer",
           "learning_delay_ms", "relay_ping_interval", "relay_ping_misses", "interfaces"})) {
    return;
  }
  readMediaInterfaces(r, node, c);
  r.read(node, "media", "bind", c.media.bind);
  r.read(node, "media", "anchor", c.media.anchor);
  if (c.media.anchor != "webrtc" && c.media.anchor != "always" && c.media.anchor != "never") {
    r.error("media.anchor", "expected webrtc, always or never, got '" + c.media.anchor + "'");
  }
  r.read(node, "media", "sip_srtp", c.media.sipSrtp);
  if (c.media.sipSrtp != "none" && c.media.sipSrtp != "sdes") {
    r.error("media.sip_srtp", "expected none or sdes, got '" + c.media.sipSrtp + "'");
  }
  r.read(node, "media", "relay", c.media.relay);
  for (std::size_t i = 0; i < c.media.relay.size(); ++i) {
    const auto& relay = c.media.relay[i];
    if (relay == "embedded" && c.media.relay.size() == 1) continue;
    if (relay.rfind("udp://", 0) != 0) {
      r.error("media.relay[" + std::to_string(i) + "]",
              "expected 'embedded' or an ng URL udp://HOST:PORT, got '" + relay + "'");
    }
  }
  std::string ports;
  r.read(node, "media", "ports", ports);
  if (!ports.empty() && !parsePortRange(ports, c.media.portMin, c.media.portMax)) {
    r.error("media.ports", "expected LOW-HIGH within 1024-65535, got '" + ports + "'");
  }
  r.read(node, "media", "advertise", c.media.advertise);
  r.read(node, "media", "timeout", c.media.timeout, 1u, 86400u);
  r.read(node, "media", "relay_ping_interval", c.media.relayPingInterval, 1u, 3600u);
  r.read(node, "media", "relay_ping_misses", c.media.relayPingMisses, 1u, 100u);
  r.read(node, "media", "workers", c.media.workers, 1u, 64u);
  r.read(node, "media", "max_streams_per_offer", c.media.maxStreamsPerOffer, 1u, 64u);
  r.read(node, "media", "learning_delay_ms", c.media.learningDelayMs, 0u, 10000u);
  r.read(node, "media", "packet_io", c.media.packetIo);
  if (c.media.packetIo != "auto" && c.media.packetIo != "io_uring" && c.media.packetIo != "epoll") {
    r.error("media.packet_io", "expected auto, io_uring or epoll, got '" + c.media.packetIo + "'");
  }
  r.read(node, "media", "dtls_certificate", c.media.dtlsCertificate);
  r.read(node, "media", "dtls_private_key", c.media.dtlsPrivateKey);
  if (c.media.dtlsCertificate.empty() != c.media.dtlsPrivateKey.empty()) {
    r.error("media", "dtls_certificate and dtls_private_key go together");
  }
}

void checkDtmfMode(ConfigReader& r, const std::string& key, const std::string& mode) {
  if (!proxy::parseDtmfMode(mode)) {
    r.error(key, "expected auto, rfc4733 or info, got '" + mode + "'");
  }
}

void readCalls(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["calls"];
  if (!r.mapping(node, "calls",
                 {"dialog_timeout", "reconnect_grace", "cdr_file", "min_session_expires",
                  "session_expires", "dtmf"})) {
    return;
  }
  r.read(node, "calls", "dialog_timeout", c.calls.dialogTimeout, 0u, 604800u);
  r.read(node, "calls", "reconnect_grace", c.calls.reconnectGrace, 0u, 300u);
  r.read(node, "calls", "cdr_file", c.calls.cdrFile);
  r.read(node, "calls", "min_session_expires", c.calls.minSessionExpires, 1u, 86400u);
  r.read(node, "calls", "session_expires", c.calls.sessionExpires, 0u, 86400u);
  r.read(node, "calls", "dtmf", c.calls.dtmf);
  checkDtmfMode(r, "calls.dtmf", c.calls.dtmf);
  if (c.calls.sessionExpires != 0 && c.calls.sessionExpires < c.calls.minSessionExpires) {
    r.error("calls.session_expires", "must be 0 or at least calls.min_session_expires (" +
                                         std::to_string(c.calls.minSessionExpires) + "), got " +
                                         std::to_string(c.calls.sessionExpires));
  }
}

void readNat(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["nat"];
  if (!r.mapping(node, "nat", {"keepalive"})) return;
  const auto keepalive = node["keepalive"];
  auto& k = c.nat.keepalive;
  if (!r.mapping(keepalive, "nat.keepalive", {"interval", "method", "max_missed"})) return;
  r.read(keepalive, "nat.keepalive", "interval", k.interval, 0u, 3600u);
  r.read(keepalive, "nat.keepalive", "method", k.method);
  if (k.method != "options" && k.method != "crlf") {
    r.error("nat.keepalive.method", "expected options or crlf, got '" + k.method + "'");
  }
  r.read(keepalive, "nat.keepalive", "max_missed", k.maxMissed, 0u, 100u);
}

// Name servers are addresses ("192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]:53"): a name
// server found by name would need a name server first.
void readDns(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["dns"];
  if (!r.mapping(node, "dns", {"servers", "timeout_ms", "attempts", "blacklist_seconds"})) return;
  r.read(node, "dns", "servers", c.dns.servers);
  for (std::size_t i = 0; i < c.dns.servers.size(); ++i) {
    const auto hostPort = HostPort::parse(c.dns.servers[i]);
    if (!hostPort || !SocketAddress::parse(hostPort->host, 53) || hostPort->port == 0) {
      r.error("dns.servers[" + std::to_string(i) + "]",
              "expected an IP address with an optional port, got '" + c.dns.servers[i] + "'");
    }
  }
  r.read(node, "dns", "timeout_ms", c.dns.timeoutMs, 100u, 30000u);
  r.read(node, "dns", "attempts", c.dns.attempts, 1u, 10u);
  r.read(node, "dns", "blacklist_seconds", c.dns.blacklistSeconds, 0u, 86400u);
}

void readRateLimit(ConfigReader& r, const YAML::Node& security, Config& c) {
  const auto node = security["rate_limit"];
  const std::string path = "security.rate_limit";
  if (!r.mapping(node, path, {"requests_per_second", "burst"})) return;
  auto& limit = c.security.rateLimit;
  r.read(node, path, "requests_per_second", limit.requestsPerSecond, 0u, 10000000u);
  r.read(node, path, "burst", limit.burst, 1u, 10000000u);
}

void readSecurity(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["security"];
  if (!r.mapping(node, "security",
                 {"auth_ban", "rate_limit", "max_transactions", "max_dialogs",
                  "max_unauthenticated_calls_per_source"})) {
    return;
  }
  r.read(node, "security", "max_transactions", c.security.maxTransactions, 10u, 10000000u);
  r.read(node, "security", "max_dialogs", c.security.maxDialogs, 10u, 10000000u);
  r.read(node, "security", "max_unauthenticated_calls_per_source",
         c.security.maxUnauthenticatedCallsPerSource, 0u, 10000000u);
  readRateLimit(r, node, c);
  const auto ban = node["auth_ban"];
  const std::string path = "security.auth_ban";
  auto& b = c.security.authBan;
  if (!r.mapping(ban, path, {"enabled", "failures", "user_failures", "window", "ban_time"})) {
    return;
  }
  r.read(ban, path, "enabled", b.enabled);
  r.read(ban, path, "failures", b.failures, 1u, 100000u);
  r.read(ban, path, "user_failures", b.userFailures, 1u, 1000000u);
  r.read(ban, path, "window", b.window, 1u, 86400u);
  r.read(ban, path, "ban_time", b.banTime, 1u, 604800u);
}

void readRelay(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["relay"];
  if (!r.mapping(node, "relay",
                 {"listen", "allowed_sources", "dtmf_log_dest", "record_dir", "media_dir"})) {
    return;
  }
  r.read(node, "relay", "record_dir", c.relay.recordDir);
  r.read(node, "relay", "media_dir", c.relay.mediaDir);
  r.read(node, "relay", "listen", c.relay.listen);
  r.read(node, "relay", "dtmf_log_dest", c.relay.dtmfLogDest);
  if (!c.relay.dtmfLogDest.empty() && !media::parseListenUrl(c.relay.dtmfLogDest)) {
    r.error("relay.dtmf_log_dest",
            "expected udp://ADDRESS:PORT, got '" + c.relay.dtmfLogDest + "'");
  }
  r.read(node, "relay", "allowed_sources", c.relay.allowedSources);
  for (std::size_t i = 0; i < c.relay.allowedSources.size(); ++i) {
    if (!AddressRange::parse(c.relay.allowedSources[i])) {
      r.error("relay.allowed_sources[" + std::to_string(i) + "]",
              "expected an address or CIDR block such as 10.0.0.0/24, got '" +
                  c.relay.allowedSources[i] + "'");
    }
  }
  for (std::size_t i = 0; i < c.relay.listen.size(); ++i) {
    ListenAddress address;
    std::string why;
    if (!parseListenAddress(c.relay.listen[i], address, why) ||
        address.transport != sip::Transport::Udp) {
      r.error("relay.listen[" + std::to_string(i) + "]",
              why.empty() ? "the ng protocol listens on udp://HOST:PORT" : why);
    }
  }
}

void readHttp(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["http"];
  if (!r.mapping(node, "http", {"listen", "token", "token_file", "allowed_hosts"})) return;
  r.read(node, "http", "listen", c.http.listen);
  r.read(node, "http", "token", c.http.token);
  readSecret(r, node, "http", "token", c.http.token, c.http.tokenFile);
  r.read(node, "http", "allowed_hosts", c.http.allowedHosts);
  for (std::size_t i = 0; i < c.http.allowedHosts.size(); ++i) {
    auto& host = c.http.allowedHosts[i];
    host = lowercase(host);
    if (host.empty() || host.find_first_of("/?#@ ") != std::string::npos) {
      r.error("http.allowed_hosts[" + std::to_string(i) + "]",
              "expected a host name or address, with an optional :port, got '" + host + "'");
    }
  }
}

void readEvents(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["events"];
  if (!r.mapping(node, "events", {"webhooks", "retries"})) return;
  r.read(node, "events", "webhooks", c.events.webhooks);
  r.read(node, "events", "retries", c.events.retries, 0u, 20u);
  for (std::size_t i = 0; i < c.events.webhooks.size(); ++i) {
    const auto& url = c.events.webhooks[i];
    if (const auto parsed = events::WebhookUrl::parse(url); !parsed) {
      r.error("events.webhooks[" + std::to_string(i) + "]",
              std::string(parsed.error()) + " (http://HOST[:PORT]/PATH), got '" + url + "'");
    }
  }
}

bool isSipUri(const std::string& text) {
  return text.rfind("sip:", 0) == 0 || text.rfind("sips:", 0) == 0;
}

// One sip: URI, or a list of them where any entry may be {uri, weight}: weighted targets share
// the calls, the rest (weight 0) stand in. `weights` stays empty when no entry has a weight.
void readTargets(ConfigReader& r, const YAML::Node& parent, const std::string& path,
                 const char* key, std::vector<std::string>& uris,
                 std::vector<std::uint32_t>& weights) {
  const auto node = parent[key];
  if (!node) return;
  const bool list = node.IsSequence();
  if (!list && !node.IsScalar()) return r.error(ConfigReader::join(path, key), "expected a list");
  bool weighted = false;
  for (std::size_t i = 0; i < (list ? node.size() : 1); ++i) {
    const std::string at =
        ConfigReader::join(path, key) + (list ? "[" + std::to_string(i) + "]" : std::string());
    const auto entry = list ? node[i] : node;
    std::string uri;
    std::uint32_t weight = 0;
    if (entry.IsMap()) {
      if (!r.mapping(entry, at, {"uri", "weight"})) continue;
      r.read(entry, at, "uri", uri);
      r.read(entry, at, "weight", weight, 0u, 1000u);
      weighted = true;
    } else if (entry.IsScalar()) {
      uri = entry.as<std::string>();
    }
    if (!isSipUri(uri)) r.error(at, "expected a sip: URI (or {uri, weight}), got '" + uri + "'");
    uris.push_back(std::move(uri));
    weights.push_back(weight);
  }
  if (!weighted) weights.clear();
  if (weighted && std::all_of(weights.begin(), weights.end(), [](auto w) { return w == 0; })) {
    r.error(ConfigReader::join(path, key),
            "every weight is 0: at least one target must take calls");
  }
}

void readRouteTargets(ConfigReader& r, const YAML::Node& node, const std::string& path,
                      const Config& c, StaticRoute& route) {
  readTargets(r, node, path, "to", route.to, route.weights);
  r.read(node, path, "trunk", route.trunk);
  if (!route.trunk.empty()) {
    if (!route.to.empty()) r.error(path, "give to or trunk, not both");
    const bool known = std::any_of(c.trunks.begin(), c.trunks.end(),
                                   [&](const TrunkConfig& t) { return t.name == route.trunk; });
    if (!known) r.error(path + ".trunk", "no trunk is named '" + route.trunk + "'");
    return;
  }
  if (route.to.empty()) r.error(path + ".to", "at least one target URI (or a trunk) is needed");
}

void readRoutes(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["routes"];
  if (!node) return;
  if (!node.IsSequence()) return r.error("routes", "expected a list");
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = "routes[" + std::to_string(i) + "]";
    if (!r.mapping(node[i], path,
                   {"match", "to", "trunk", "strip", "prefix", "media", "options_ping", "dtmf",
                    "record"})) {
      r.error(path, "expected a mapping with match and to (or trunk)");
      continue;
    }
    StaticRoute route;
    r.read(node[i], path, "match", route.match);
    r.read(node[i], path, "strip", route.strip, 0u, 64u);
    r.read(node[i], path, "options_ping", route.optionsPing, 0u, 3600u);
    r.read(node[i], path, "prefix", route.prefix);
    r.read(node[i], path, "dtmf", route.dtmf);
    r.read(node[i], path, "record", route.record);
    if (!route.dtmf.empty()) checkDtmfMode(r, path + ".dtmf", route.dtmf);
    if (!isNumberPrefix(route.prefix)) {
      r.error(path + ".prefix", "expected digits, '+' or '*', got '" + route.prefix + "'");
    }
    if (r.mapping(node[i]["media"], path + ".media", {"srtp", "interface"})) {
      r.read(node[i]["media"], path + ".media", "srtp", route.srtp);
      r.read(node[i]["media"], path + ".media", "interface", route.mediaInterface);
      if (!route.srtp.empty() && route.srtp != "none" && route.srtp != "sdes" &&
          route.srtp != "dtls") {
        r.error(path + ".media.srtp", "expected none, sdes or dtls, got '" + route.srtp + "'");
      }
    }
    if (const auto why = proxy::StaticRoutes::patternError(route.match)) {
      r.error(path + ".match", "not a valid regular expression (RE2 syntax): " + *why);
    }
    readRouteTargets(r, node[i], path, c, route);
    c.routes.push_back(std::move(route));
  }
}

// inbound.dids: {"+15551230000": alice, "acme": [alice, bob]}
void readDids(ConfigReader& r, const YAML::Node& node, const std::string& path,
              TrunkConfig& trunk) {
  if (!node) return;
  if (!node.IsMap()) return r.error(path, "expected a mapping of numbers to users");
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) {
      r.error(path, "expected numbers as keys");
      continue;
    }
    const auto number = entry.first.as<std::string>();
    std::vector<std::string> users;
    YAML::Node holder;
    holder["users"] = entry.second;
    r.read(holder, ConfigReader::join(path, number), "users", users);
    if (users.empty()) r.error(ConfigReader::join(path, number), "expected a user or a list");
    trunk.dids.emplace_back(number, std::move(users));
  }
}

void readTrunkInbound(ConfigReader& r, const YAML::Node& node, const std::string& path,
                      TrunkConfig& trunk) {
  if (!r.mapping(node, path, {"sources", "dids"})) return;
  r.read(node, path, "sources", trunk.sources);
  for (std::size_t i = 0; i < trunk.sources.size(); ++i) {
    if (!AddressRange::parse(trunk.sources[i])) {
      r.error(path + ".sources[" + std::to_string(i) + "]",
              "expected an address or CIDR block such as 198.51.100.0/24, got '" +
                  trunk.sources[i] + "'");
    }
  }
  readDids(r, node["dids"], path + ".dids", trunk);
}

void readTrunk(ConfigReader& r, const YAML::Node& node, const std::string& path, Config& c) {
  if (!r.mapping(node, path,
                 {"name", "address", "username", "password", "password_file", "register",
                  "from_user", "inbound", "options_ping", "media", "tls"})) {
    return r.error(path, "expected a mapping with name and address");
  }
  TrunkConfig trunk;
  r.read(node, path, "name", trunk.name);
  if (trunk.name.empty()) r.error(path + ".name", "every trunk needs a name");
  for (const auto& other : c.trunks) {
    if (other.name == trunk.name) r.error(path + ".name", "'" + trunk.name + "' is used twice");
  }
  readTargets(r, node, path, "address", trunk.addresses, trunk.weights);
  if (trunk.addresses.empty()) r.error(path + ".address", "a trunk needs an address (sip: URI)");
  r.read(node, path, "username", trunk.username);
  r.read(node, path, "password", trunk.password);
  readSecret(r, node, path, "password", trunk.password, trunk.passwordFile);
  if (r.mapping(node["register"], path + ".register", {"expires"})) {
    trunk.registerExpires = 3600;
    r.read(node["register"], path + ".register", "expires", trunk.registerExpires, 60u, 86400u);
    if (trunk.username.empty()) r.error(path + ".register", "registering needs a username");
  }
  r.read(node, path, "from_user", trunk.fromUser);
  readTrunkInbound(r, node["inbound"], path + ".inbound", trunk);
  r.read(node, path, "options_ping", trunk.optionsPing, 0u, 3600u);
  if (r.mapping(node["media"], path + ".media", {"interface"})) {
    r.read(node["media"], path + ".media", "interface", trunk.mediaInterface);
  }
  if (r.mapping(node["tls"], path + ".tls", {"verify_peer"})) {
    r.read(node["tls"], path + ".tls", "verify_peer", trunk.tlsVerify);
  }
  c.trunks.push_back(std::move(trunk));
}

void readTrunks(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["trunks"];
  if (!node) return;
  if (!node.IsSequence()) return r.error("trunks", "expected a list");
  for (std::size_t i = 0; i < node.size(); ++i) {
    readTrunk(r, node[i], "trunks[" + std::to_string(i) + "]", c);
  }
}

// webrtc: the ICE servers browsers are given, and the TURN secret read now (at start; a change
// needs a restart, ConfigReloader says so).
void readWebRtc(ConfigReader& r, const YAML::Node& root, Config& c) {
  const auto node = root["webrtc"];
  if (!r.mapping(node, "webrtc", {"ice_servers", "turn_secret_file", "turn_ttl"})) return;
  r.read(node, "webrtc", "ice_servers", c.webrtc.iceServers);
  bool hasTurn = false;
  for (std::size_t i = 0; i < c.webrtc.iceServers.size(); ++i) {
    std::string why;
    const auto url = web::IceServerUrl::parse(c.webrtc.iceServers[i], why);
    if (!url) r.error("webrtc.ice_servers[" + std::to_string(i) + "]", why);
    hasTurn = hasTurn || (url && url->isTurn());
  }
  r.read(node, "webrtc", "turn_ttl", c.webrtc.turnTtl, 60u, 7u * 86400u);
  r.read(node, "webrtc", "turn_secret_file", c.webrtc.turnSecretFile);
  if (c.webrtc.turnSecretFile.empty()) return;
  std::string why;
  if (auto secret = r.secretFile(c.webrtc.turnSecretFile, why)) {
    c.webrtc.turnSecret = std::move(*secret);
  } else {
    r.error("webrtc.turn_secret_file", why);
  }
  if (!hasTurn) {
    r.error("webrtc.turn_secret_file",
            "a TURN secret needs at least one turn: or turns: URL in webrtc.ice_servers");
  }
}

void readSections(ConfigReader& reader, const YAML::Node& root, Config& c) {
  readNode(reader, root, c);
  readLog(reader, root, c);
  readSip(reader, root, c);
  readTls(reader, root, c);
  readMedia(reader, root, c);
  readCalls(reader, root, c);
  readNat(reader, root, c);
  readDns(reader, root, c);
  readSecurity(reader, root, c);
  readRelay(reader, root, c);
  reader.read(root, "", "store", c.store);
  readSecret(reader, root, "", "store", c.store, c.storeFile);
  if (!c.store.empty() && c.store.rfind("sqlite:", 0) != 0 &&
      c.store.rfind("postgresql://", 0) != 0) {
    reader.error("store", "expected sqlite:PATH or postgresql://..., got '" + c.store + "'");
  }
  reader.read(root, "", "store_sync", c.storeSync);
  if (c.storeSync != "normal" && c.storeSync != "full") {
    reader.error("store_sync", "expected normal or full, got '" + c.storeSync + "'");
  }
  readHttp(reader, root, c);
  readEvents(reader, root, c);
  readTrunks(reader, root, c);
  readRoutes(reader, root, c);
  checkRouteInterfaces(reader, c);
  readWebRtc(reader, root, c);
}

std::string yamlError(const std::string& sourceName, const YAML::Exception& e) {
  return sourceName + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg;
}

}  // namespace

bool parseListenAddress(const std::string& text, ListenAddress& out, std::string& why) {
  const auto url = UrlScheme::split(text);
  if (!url) {
    why = "expected TRANSPORT://HOST:PORT, got '" + text + "'";
    return false;
  }
  if (!sip::parseTransport(url->scheme, out.transport)) {
    why = "unknown transport '" + std::string(url->scheme) + "' (udp, tcp, tls, ws, wss)";
    return false;
  }
  const auto address = HostPort::parse(url->rest);
  if (!address || !address->port) {
    why = (address ? "missing port" : address.error()) + std::string(" in '") + text + "'";
    return false;
  }
  if (!SocketAddress::parse(address->host, 0)) {
    why = "host must be a literal IP address, got '" + address->host + "'";
    return false;
  }
  out.host = address->host;
  out.port = *address->port;
  out.text = text;
  return true;
}

std::vector<std::string> configWarnings(const Config& config) {
  std::vector<std::string> warnings;
  constexpr std::uint32_t kRfc4028Floor = 90;
  if (config.calls.minSessionExpires < kRfc4028Floor) {
    warnings.push_back(
        "calls.min_session_expires: " + std::to_string(config.calls.minSessionExpires) +
        " is below RFC 4028's floor of 90 s; user agents may refuse such "
        "intervals (meant for tests and labs)");
  }
  return warnings;
}

Config defaultConfig() {
  Config config;
  for (const char* url : {"udp://127.0.0.1:5060", "tcp://127.0.0.1:5060", "ws://127.0.0.1:8080",
                          "wss://127.0.0.1:8443"}) {
    ListenAddress address;
    std::string why;
    parseListenAddress(url, address, why);
    config.sip.listen.push_back(address);
  }
  return config;
}

ConfigLoadResult loadConfigText(const std::string& yaml, const std::string& sourceName) {
  return loadConfigText(yaml, sourceName, readSecretFile);
}

ConfigLoadResult loadConfigText(const std::string& yaml, const std::string& sourceName,
                                const SecretFileReader& secretReader) {
  ConfigLoadResult result{defaultConfig(), {}};
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    result.errors.push_back(yamlError(sourceName, e));
    return result;
  }
  if (root.IsNull()) return result;
  ConfigReader reader(result.errors, secretReader);
  if (!reader.mapping(root, "",
                      {"node", "log", "sip", "tls", "media", "calls", "nat", "dns", "relay",
                       "store", "store_file", "store_sync", "http", "events", "trunks", "routes",
                       "security", "webrtc"})) {
    result.errors.push_back(sourceName + ": expected a mapping at the top level");
    return result;
  }
  try {
    readSections(reader, root, result.config);
  } catch (const YAML::Exception& e) {
    // A conversion the schema did not foresee refuses the file like any other error; it must
    // never end the process (a reload of a broken file keeps the gateway running).
    result.errors.push_back(yamlError(sourceName, e));
  }
  return result;
}

ConfigLoadResult loadConfigFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    ConfigLoadResult result{defaultConfig(), {}};
    result.errors.push_back(path + ": cannot open the file");
    return result;
  }
  std::stringstream text;
  text << file.rdbuf();
  return loadConfigText(text.str(), path);
}

std::string Config::sqlitePath() const {
  if (store.empty()) return node.dataDir + "/rtcgate.db";
  return store.rfind("sqlite:", 0) == 0 ? store.substr(7) : std::string();
}

std::string Config::tlsCertificatePath() const {
  return tls.certificate.empty() ? node.dataDir + "/tls/server.pem" : tls.certificate;
}

std::string Config::tokenSecretPath() const {
  return sip.tokenSecretFile.empty() ? node.dataDir + "/token.key" : sip.tokenSecretFile;
}

std::string Config::recordDirPath() const {
  return relay.recordDir.empty() ? node.dataDir + "/recordings" : relay.recordDir;
}

std::string Config::mediaDirPath() const {
  return relay.mediaDir.empty() ? node.dataDir + "/media" : relay.mediaDir;
}

std::string Config::tlsPrivateKeyPath() const {
  return tls.privateKey.empty() ? node.dataDir + "/tls/server.key" : tls.privateKey;
}

}  // namespace rtcgate::app
