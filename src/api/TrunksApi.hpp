#pragma once

#include <string>

#include "http/HttpServer.hpp"
#include "http/MetricsRegistry.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::api {

// The trunks part of the management API (docs/API.md): GET /api/v1/trunks lists each trunk with
// its registration's state (never its credentials) and the probed destinations; the
// rtcgate_trunk_* and rtcgate_probe_* metrics; the fields of the trunk.up / trunk.down and
// target.up / target.down events.
class TrunksApi {
 public:
  explicit TrunksApi(proxy::ProxyCore& proxy) : proxy_(proxy) {}
  void registerRoutes(http::HttpServer& server);
  io::Status declareMetrics(http::MetricsRegistry& metrics);

  // {"trunk":"carrier","state":"registered",...}: a registration's state as a JSON object.
  static std::string registrationJson(const proxy::Trunk& trunk,
                                      const proxy::TrunkRegistration::Status& status,
                                      proxy::WallSeconds now);
  // {"target":"udp 192.0.2.1:5060","of":"trunk carrier","up":false,...}: a probed destination.
  static std::string destinationJson(const proxy::DestinationProber::Destination& destination);

 private:
  http::HttpReply list() const;
  proxy::ProxyCore& proxy_;
};

}  // namespace rtcgate::api
