// The OpenAPI document (src/admin/OpenApi.cpp) describes exactly the routes the gateway registers:
// the management server is wired here as Gateway::start wires it (ManagementApi with its pages
// and API routes, then the calls, CDR, events and reload routes), and every METHOD + pattern on
// its router must be in the document's "paths", and every operation of the document must exist.
// tests/integration/test_admin_api.py checks the same against the running binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cctype>
#include <set>
#include <string>

#include "admin/OpenApi.hpp"
#include "app/BansApi.hpp"
#include "app/CallsApi.hpp"
#include "app/CdrWriter.hpp"
#include "app/Config.hpp"
#include "app/ConfigReloader.hpp"
#include "app/EventHub.hpp"
#include "app/JsonValue.hpp"
#include "app/ManagementApi.hpp"
#include "fakes/FakeTimers.hpp"
#include "io/TransportManager.hpp"
#include "proxy/LocationService.hpp"
#include "proxy/ProxyCore.hpp"
#include "store/SqliteStore.hpp"

namespace rtcgate::app {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

class OpenApiCoverageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    store_ = store::SqliteStore::open(":memory:", error);
    ASSERT_TRUE(store_) << error;
    config_.http.listen = "127.0.0.1:0";
    transports_ = std::make_unique<io::TransportManager>(io_, io::TransportOptions{});
    location_ = std::make_unique<proxy::LocationService>(store_.get());
    proxy::ProxyOptions options;
    proxy_ = std::make_unique<proxy::ProxyCore>(
        options, timers_, [](const sip::Flow&, std::string_view) { return true; }, *store_,
        *location_, proxy::StaticRoutes{});
    api_ = std::make_unique<ManagementApi>(io_, config_, timers_,
                                           ManagementApi::Parts{*transports_, *proxy_, *location_});
    ASSERT_NE(api_->server(), nullptr);
    calls_ = std::make_unique<CallsApi>(*proxy_, CallsApi::RelayRequest{});
    calls_->registerRoutes(*api_->server());
    cdrs_ = std::make_unique<CdrWriter>(std::string(), store_.get());
    cdrs_->registerRoutes(*api_->server());
    bans_ = std::make_unique<BansApi>(*proxy_);
    bans_->registerRoutes(*api_->server());
    events_.registerRoutes(*api_->server());
    reloader_ = std::make_unique<ConfigReloader>("", config_, ConfigReloader::Appliers{});
    reloader_->addRoute(*api_->server());
  }

  // "GET /api/v1/calls" for every operation of the document.
  static std::set<std::string> documented() {
    auto document = JsonValue::parse(admin::openApiDocument());
    EXPECT_TRUE(document) << (document ? "" : document.error());
    std::set<std::string> out;
    if (!document) return out;
    for (const auto& [path, operations] : (*document)["paths"].asObject()) {
      for (const auto& [method, operation] : operations.asObject()) {
        out.insert(method + " " + path);
      }
    }
    return out;
  }

  std::set<std::string> registered() const {
    std::set<std::string> out;
    for (const auto& route : api_->server()->router().routes()) {
      out.insert(lower(route.method) + " " + route.pattern);
    }
    return out;
  }

  boost::asio::io_context io_;
  testing::FakeTimers timers_;
  Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<io::TransportManager> transports_;
  std::unique_ptr<proxy::LocationService> location_;
  std::unique_ptr<proxy::ProxyCore> proxy_;
  std::unique_ptr<ManagementApi> api_;
  std::unique_ptr<CallsApi> calls_;
  std::unique_ptr<CdrWriter> cdrs_;
  std::unique_ptr<BansApi> bans_;
  EventHub events_;
  std::unique_ptr<ConfigReloader> reloader_;
};

TEST_F(OpenApiCoverageTest, EveryRegisteredRouteIsDocumented) {
  const auto routes = registered();
  ASSERT_GT(routes.size(), 15u);
  ASSERT_TRUE(routes.contains("get /api/v1/calls/{id}"));  // the wiring above is complete
  const auto paths = documented();
  for (const auto& route : routes) {
    EXPECT_TRUE(paths.contains(route))
        << route << " is registered but not in src/admin/OpenApi.cpp";
  }
}

TEST_F(OpenApiCoverageTest, EveryDocumentedOperationExists) {
  const auto routes = registered();
  for (const auto& operation : documented()) {
    EXPECT_TRUE(routes.contains(operation))
        << operation << " is in src/admin/OpenApi.cpp but no route serves it";
  }
}

TEST_F(OpenApiCoverageTest, ReferencedSchemasExist) {
  const std::string text(admin::openApiDocument());
  auto document = JsonValue::parse(text);
  ASSERT_TRUE(document);
  const auto& components = (*document)["components"];
  for (const std::string kind : {"schemas", "responses"}) {
    const std::string prefix = "\"#/components/" + kind + "/";
    for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
      const auto start = at + prefix.size();
      const auto name = text.substr(start, text.find('"', start) - start);
      EXPECT_TRUE(components[kind].has(name))
          << kind << "/" << name << " is referenced, not defined";
    }
  }
}

}  // namespace
}  // namespace rtcgate::app
