#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sip/Transport.hpp"

namespace rtcgate::app {

// A listen URL such as "wss://127.0.0.1:8443" or "udp://[::1]:5060".
struct ListenAddress {
  sip::Transport transport = sip::Transport::Udp;
  std::string host;
  std::uint16_t port = 0;
  std::string text;  // as written, for messages
};

struct StaticRoute {
  std::string match;            // ECMAScript regex on the Request-URI user
  std::vector<std::string> to;  // SIP URIs tried in order (failover)
  std::string srtp;             // media.srtp: "" (media.sip_srtp applies), "none", "sdes" or "dtls"
  friend bool operator==(const StaticRoute&, const StaticRoute&) = default;
};

// The whole configuration, every key with its default: with no file this is the development
// gateway of DESIGN.md. Field names follow the YAML keys.
struct Config {
  struct Node {
    std::string id = "gw1";
    std::string dataDir = "./rtcgate-data";
  } node;

  struct Log {
    std::string level = "info";   // trace, debug, info, warn, error
    std::string format = "text";  // text, json
  } log;

  struct Registrar {
    std::uint32_t minExpires = 60;
    std::uint32_t maxExpires = 3600;
    std::uint32_t defaultExpires = 3600;
    std::uint32_t maxContacts = 16;
  };

  struct Sip {
    std::vector<std::string> domains{"localhost"};
    std::vector<ListenAddress> listen;  // defaults filled by the loader
    std::string advertise;              // address written in Via/Record-Route when behind NAT
    bool auth = true;
    std::vector<std::string> authAlgorithms{"sha-256", "md5"};  // offered in this order
    std::uint32_t nonceLifetime = 300;                          // seconds
    std::uint32_t maxMessageSize = 65535;
    std::uint32_t maxConnectionsPerSource = 64;
    std::uint32_t idleTimeout = 600;  // seconds without traffic before a connection is closed
    Registrar registrar;
  } sip;

  struct Tls {
    std::string certificate;  // empty: self-signed pair generated in data_dir
    std::string privateKey;
    std::string ca;
    bool verifyPeer = false;
  } tls;

  struct Media {
    std::vector<std::string> relay{"embedded"};  // "embedded" or ng URLs udp://host:port
    std::uint16_t portMin = 30000;
    std::uint16_t portMax = 39999;
    std::string bind;  // media sockets of the embedded relay; empty: the first SIP listener's
    std::string advertise;
    std::string anchor = "webrtc";  // which calls go through the relay: webrtc, always, never
    std::string sipSrtp = "none";   // SIP legs: none (RTP/AVP) or sdes (RTP/SAVP, a=crypto)
    std::uint32_t timeout = 60;     // seconds without media before a session is deleted
    // ms after the SDP before a port learns a peer on another host than its SDP names (NAT)
    std::uint32_t learningDelayMs = 1000;
    std::uint32_t workers = 1;      // media worker threads
    std::string packetIo = "auto";  // the workers' packet I/O: auto, io_uring or epoll
    std::string dtlsCertificate;    // PEM; empty: an ECDSA P-256 identity generated at start
    std::string dtlsPrivateKey;
  } media;

  struct Calls {
    std::uint32_t dialogTimeout = 43200;  // seconds; 0 = calls never time out
    std::string cdrFile;                  // JSON lines; empty: <data_dir>/cdr.jsonl; "off": none
  } calls;

  struct Relay {
    std::vector<std::string> listen{"udp://127.0.0.1:22222"};
  } relay;

  std::string store;  // "" = sqlite:<data_dir>/rtcgate.db; or postgresql://user:pw@host/db

  struct Http {
    std::string listen = "127.0.0.1:8088";
    std::string token;
  } http;

  struct Events {
    std::vector<std::string> webhooks;  // http:// URLs that get every event POSTed as JSON
    std::uint32_t retries = 5;          // per event and webhook, back-off 0.5 s, 1 s, 2 s, ...
  } events;

  std::vector<StaticRoute> routes;

  // The store's SQLite file when the store is SQLite ("" for PostgreSQL).
  std::string sqlitePath() const;
  std::string tlsCertificatePath() const;
  std::string tlsPrivateKeyPath() const;
};

}  // namespace rtcgate::app
