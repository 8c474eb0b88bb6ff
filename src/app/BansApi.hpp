#pragma once

#include "admin/HttpServer.hpp"
#include "admin/MetricsRegistry.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::app {

// The bans part of the management API (docs/API.md, docs/security.md): GET /api/v1/bans lists
// the sources banned for failed credentials, DELETE /api/v1/bans/{source} lifts one; the
// rtcgate_auth_bans_* metrics.
class BansApi {
 public:
  explicit BansApi(proxy::ProxyCore& proxy) : proxy_(proxy) {}
  void registerRoutes(admin::HttpServer& server);
  void declareMetrics(admin::MetricsRegistry& metrics);

 private:
  admin::HttpReply list();
  proxy::ProxyCore& proxy_;
};

}  // namespace rtcgate::app
