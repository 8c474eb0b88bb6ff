#pragma once

#include "http/HttpServer.hpp"
#include "http/MetricsRegistry.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::api {

// The bans part of the management API (docs/API.md, docs/security.md): GET /api/v1/bans lists
// the sources banned for failed credentials, DELETE /api/v1/bans/{source} lifts one; the
// rtcgate_auth_bans_* metrics.
class BansApi {
 public:
  explicit BansApi(proxy::ProxyCore& proxy) : proxy_(proxy) {}
  void registerRoutes(http::HttpServer& server);
  io::Status declareMetrics(http::MetricsRegistry& metrics);

 private:
  http::HttpReply list();
  proxy::ProxyCore& proxy_;
};

}  // namespace rtcgate::api
