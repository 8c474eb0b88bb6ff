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
  std::string match;                   // RE2 regex on the Request-URI user
  std::vector<std::string> to;         // SIP URIs tried in order (failover)
  std::vector<std::uint32_t> weights;  // per `to` entry when any has a weight, else empty
  std::string trunk;                   // or the name of a trunk (trunks[].name) instead of `to`
  std::uint32_t strip = 0;             // leading characters taken off the number
  std::string prefix;                  // then put in front of it
  std::uint32_t optionsPing = 0;       // seconds between OPTIONS probes of its targets; 0: none
  std::string srtp;            // media.srtp: "" (media.sip_srtp applies), "none", "sdes" or "dtls"
  std::string mediaInterface;  // media.interface: the relay interface of its targets' leg
  std::string dtmf;            // how digits reach its targets: "" (calls.dtmf), auto, rfc4733, info
  bool record = false;         // calls to its targets are recorded (relay.record_dir) once answered
  friend bool operator==(const StaticRoute&, const StaticRoute&) = default;
};

// A SIP carrier or hosted PBX (`trunks:`): where calls to it go, the credentials its challenges
// and our REGISTER are answered with, and how its calls to us are recognised and delivered.
struct TrunkConfig {
  std::string name;
  std::vector<std::string> addresses;  // address: sip: URI(s), host name or IP, tried in order
  std::vector<std::uint32_t> weights;  // per address when any has a weight, else empty
  std::string username;
  std::string password;
  std::string passwordFile;
  std::uint32_t registerExpires = 0;  // register.expires; 0: no registration
  std::string fromUser;               // caller id toward the trunk (From and P-Asserted-Identity)
  std::vector<std::string> sources;   // inbound.sources: addresses / CIDR blocks
  // inbound.dids: called number (To / Request-URI user) -> local users to ring
  std::vector<std::pair<std::string, std::vector<std::string>>> dids;
  std::uint32_t optionsPing = 0;  // seconds between OPTIONS probes; 0: none
  std::string mediaInterface;     // media.interface: the relay interface of its calls' leg
  bool tlsVerify = true;          // tls.verify_peer: its TLS certificates verified, whatever tls.*
  friend bool operator==(const TrunkConfig&, const TrunkConfig&) = default;
};

// One of media.interfaces: a named network the relay has media ports on (rtpengine's logical
// interface), e.g. "public" toward browsers and "carrier" toward a private SIP network.
struct MediaInterface {
  std::string name;
  std::string bind;       // IP address the interface's media sockets bind to
  std::string advertise;  // address written into SDP for legs on it; empty: bind
  friend bool operator==(const MediaInterface&, const MediaInterface&) = default;
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
    // Targets that no route and no local user accounts for (IP literals, foreign hosts) are
    // refused with 403 unless this is set: the toll-fraud fence.
    bool allowDirectUri = false;
    // The key of the Record-Route tokens; empty: <data_dir>/token.key, generated when absent.
    std::string tokenSecretFile;
    // Digest algorithms offered, in this order, on UDP/TCP/TLS (sip.auth_algorithms_sip) and on
    // WS/WSS (sip.auth_algorithms_ws); sip.auth_algorithms sets both.
    std::vector<std::string> authAlgorithmsSip{"md5", "sha-256"};
    std::vector<std::string> authAlgorithmsWs{"sha-256", "md5"};
    std::uint32_t nonceLifetime = 300;  // seconds
    std::uint32_t maxMessageSize = 65535;
    std::uint32_t maxConnectionsPerSource = 64;
    std::uint32_t maxConnections = 100000;  // open TCP/TLS/WS/WSS connections, in and out
    std::uint32_t maxSendQueue = 1048576;   // bytes queued for a peer that does not read
    std::uint32_t idleTimeout = 600;        // seconds without traffic before a connection is closed
    std::uint32_t udpBuffer = 4194304;      // bytes, each UDP listener's receive and send buffer
    // Origins ("https://app.example.com") whose pages may open SIP WebSockets; empty: any.
    std::vector<std::string> wsAllowedOrigins;
    // Seconds a branch that has another destination or route target to try waits for any
    // response before trying it (0: Timer B, 32 s).
    std::uint32_t failoverTimeout = 5;
    Registrar registrar;
  } sip;

  // Name resolution for targets that are host names (RFC 3263: NAPTR, SRV, A/AAAA).
  struct Dns {
    std::vector<std::string> servers;  // "192.0.2.53", "[2001:db8::53]:5353"; empty: resolv.conf
    std::uint32_t timeoutMs = 2000;    // per try
    std::uint32_t attempts = 2;
    std::uint32_t blacklistSeconds = 60;  // a destination that timed out or refused is tried last
  } dns;

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
    // ng relays (media.relay URLs): seconds between health pings, and the pings in a row a relay
    // may miss before it is down (its calls end, new calls go elsewhere)
    std::uint32_t relayPingInterval = 5;
    std::uint32_t relayPingMisses = 1;
    // ms after the SDP before a port learns a peer on another host than its SDP names (NAT)
    std::uint32_t learningDelayMs = 1000;
    std::uint32_t workers = 1;             // media worker threads
    std::uint32_t maxStreamsPerOffer = 8;  // m= lines an offer may have
    std::string packetIo = "auto";         // the workers' packet I/O: auto, io_uring or epoll
    std::string dtlsCertificate;           // PEM; empty: an ECDSA P-256 identity generated at start
    std::string dtlsPrivateKey;
    // Named interfaces, the first the default (browsers); empty: one interface "default" of bind
    // and advertise.
    std::vector<MediaInterface> interfaces;
  } media;

  struct Calls {
    std::uint32_t dialogTimeout = 43200;  // seconds; 0 = calls never time out
    std::uint32_t reconnectGrace = 20;    // seconds a browser has to come back; 0 = none
    std::string cdrFile;                  // JSON lines; empty: <data_dir>/cdr.jsonl; "off": none
    // RFC 4028: our Min-SE (below 90 only with a warning), and the Session-Expires we ask for on
    // behalf of callers that support timers and sent none (0: none).
    std::uint32_t minSessionExpires = 90;
    std::uint32_t sessionExpires = 0;
    std::string dtmf = "auto";  // how digits reach a call's sides: auto, rfc4733 or info
  } calls;

  struct Nat {
    // Pings to UDP contacts behind NAT: every `interval` seconds (0: off), OPTIONS or CRLF; a
    // binding whose OPTIONS go unanswered `maxMissed` times in a row is dropped (0: never).
    struct KeepAlive {
      std::uint32_t interval = 30;
      std::string method = "options";
      std::uint32_t maxMissed = 3;
    } keepalive;
  } nat;

  struct Security {
    struct AuthBan {
      bool enabled = true;
      std::uint32_t failures = 10;      // failed credentials from one IP within `window`
      std::uint32_t userFailures = 30;  // failed credentials for one user from anywhere
      std::uint32_t window = 60;        // seconds
      std::uint32_t banTime = 600;      // seconds
    } authBan;
    struct RateLimit {
      std::uint32_t requestsPerSecond = 200;  // per source IP; 0: no limit
      std::uint32_t burst = 400;
    } rateLimit;
    std::uint32_t maxTransactions = 20000;  // live proxied requests; past it 503
    std::uint32_t maxDialogs = 20000;       // calls in progress; past it INVITEs get 503
    // calls in progress from one unauthenticated source address; past it INVITEs get 503; 0: none
    std::uint32_t maxUnauthenticatedCallsPerSource = 100;
  } security;

  struct Relay {
    std::vector<std::string> listen{"udp://127.0.0.1:22222"};
    // Who may send ng requests (CIDR blocks); others are dropped unanswered.
    std::vector<std::string> allowedSources{"127.0.0.0/8", "::1"};
    // rtpengine's --dtmf-log-dest: udp://HOST:PORT gets a JSON datagram per DTMF digit; "" = off.
    std::string dtmfLogDest;
    // Where ng `start recording` writes; "" = <data_dir>/recordings (recordDirPath()).
    std::string recordDir;
    // Where ng `play media` (and the API's play) reads WAV files; "" = <data_dir>/media
    // (mediaDirPath()).
    std::string mediaDir;
  } relay;

  std::string store;      // "" = sqlite:<data_dir>/rtcgate.db; or postgresql://user:pw@host/db
  std::string storeFile;  // store_file: the store URL read from this file (it holds a password)
  // SQLite commits: "normal" survives the process being killed, "full" also a power cut
  // (docs/store.md, Durability).
  std::string storeSync = "normal";

  struct Http {
    std::string listen = "127.0.0.1:8088";
    std::string token;
    std::string tokenFile;  // token_file: the token read from this file
    // Host header values (and origins' hosts) the API answers to, "name" or "name:port", besides
    // the listen address, localhost, 127.0.0.1 and [::1] (always allowed): DNS rebinding.
    std::vector<std::string> allowedHosts;
  } http;

  struct Events {
    std::vector<std::string> webhooks;  // http:// URLs that get every event POSTed as JSON
    std::uint32_t retries = 5;          // per event and webhook, back-off 0.5 s, 1 s, 2 s, ...
  } events;

  std::vector<TrunkConfig> trunks;
  // What browsers get to reach the media relay across firewalls (docs/configuration.md, "Browsers
  // behind firewalls: TURN"): the ICE servers the demo phone and /api/v1/turn-credentials hand
  // out, and coturn's use-auth-secret key for their short-lived credentials.
  struct WebRtc {
    std::vector<std::string> iceServers;  // "stun:host:3478", "turns:host:5349?transport=tcp"
    std::string turnSecretFile;           // coturn's static-auth-secret; empty: no TURN credentials
    std::string turnSecret;               // that file's content, read at start (not a YAML key)
    std::uint32_t turnTtl = 86400;        // seconds the credentials handed out stay valid
  } webrtc;

  std::vector<StaticRoute> routes;

  // The store's SQLite file when the store is SQLite ("" for PostgreSQL).
  std::string sqlitePath() const;
  std::string tlsCertificatePath() const;
  std::string tlsPrivateKeyPath() const;
  std::string tokenSecretPath() const;
  std::string recordDirPath()
      const;  // relay.record_dir or <data_dir>/recordings  // sip.token_secret_file or its default
  std::string mediaDirPath() const;  // relay.media_dir or <data_dir>/media
};

}  // namespace rtcgate::app
