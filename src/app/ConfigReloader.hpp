#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/Config.hpp"
#include "http/HttpServer.hpp"
#include "io/Status.hpp"

namespace rtcgate::app {

// What differs between the running configuration and the file, split by what a reload can do
// about it. Reloadable: routes, tls.* (new connections get the new certificate) and log.level.
// Everything else (listen addresses, domains, auth, media, store, http, log.format...) only takes
// effect at the next start and is reported as "needs restart". Subscribers need no reload at
// all: they are read from the store on every authentication.
struct ConfigChanges {
  bool routes = false;
  bool tls = false;
  bool logLevel = false;
  bool allowedSources = false;       // relay.allowed_sources, reloadable in `rtcgate relay` only
  std::vector<std::string> applied;  // key paths reloaded: "routes", "tls.certificate"...
  std::vector<std::string> needsRestart;  // key paths changed that a reload leaves alone

  bool any() const { return !applied.empty() || !needsRestart.empty(); }
};

ConfigChanges diffConfig(const Config& running, const Config& next);
// The same for `rtcgate relay`, which reads fewer keys: log.level and relay.allowed_sources are
// reloadable; node.id, log.format, relay.listen and the media.* keys the relay reads need a
// restart; keys it does not read (sip.*, routes, media.anchor...) are not reported.
ConfigChanges diffRelayConfig(const Config& running, const Config& next);

// Sets spdlog's level (an atomic store: safe while media workers log). false on an unknown name.
bool applyLogLevel(const std::string& level);

// SIGHUP and POST /api/v1/reload: re-reads the file given to `rtcgate run --config` (or, on
// SIGHUP, to `rtcgate relay --config`), validates it with the same loader (so a bad file is
// refused with its key path and nothing changes), applies the reloadable parts (TLS, routes and
// relay.allowed_sources through the process's callbacks, log.level itself) and remembers them as
// the running configuration; the parts that need a restart keep their running values, so they
// are reported again at each reload until the process restarts. TLS files are re-read at every
// reload even when their paths are unchanged: renewed certificates are usually written over the
// old files. Runs on the thread that owns what the appliers touch (the signalling loop's).
class ConfigReloader {
 public:
  struct Appliers {
    // A failure refuses the reload before anything else is applied (TLS goes first: it reads
    // files and is the one that can fail).
    // Without an applier the part is reported as needing a restart.
    std::function<io::Status(const Config&)> tls;
    std::function<void(const Config&)> routes;
    std::function<void(const Config&)> allowedSources;  // relay.allowed_sources
  };

  // Which process reloads: the gateway (`rtcgate run`) or the standalone relay (`rtcgate relay`,
  // diffRelayConfig's keys).
  enum class Role { Gateway, Relay };

  struct Outcome {
    bool ok = false;
    std::string error;  // "routes[0].match: not a valid regular expression..." when !ok
    ConfigChanges changes;
    bool tlsReread = false;
    // {"reloaded":true,"applied":[...],"needs_restart":[...]} or {"error":"..."}
    std::string json() const;
    // One line for the log.
    std::string summary() const;
  };

  // path: the --config file ("" when the process runs on defaults: reload is then refused).
  ConfigReloader(std::string path, Config running, Appliers appliers, Role role = Role::Gateway);

  Outcome reload();
  // reload() with its summary logged (info when applied, error when refused): for SIGHUP.
  Outcome reloadAndLog();
  // Serves POST /api/v1/reload on `server` (200 with Outcome::json(), 400 with {"error"} when
  // refused); the reloader must outlive the server.
  void addRoute(http::HttpServer& server);
  const Config& running() const { return running_; }

 private:
  std::string path_;
  Config running_;
  Appliers appliers_;
  Role role_;
};

}  // namespace rtcgate::app
