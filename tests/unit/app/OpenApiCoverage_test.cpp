// The OpenAPI document (src/admin/OpenApi.cpp) describes exactly the routes the gateway registers:
// the management server is wired as Gateway::start wires it (tests/fakes/ManagementRig.hpp), and
// every METHOD + pattern on its router must be in the document's "paths", and every operation of
// the document must exist.
// tests/integration/test_admin_api.py checks the same against the running binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

#include "api/OpenApi.hpp"
#include "app/Config.hpp"
#include "fakes/ManagementRig.hpp"
#include "http/JsonValue.hpp"

namespace rtcgate::app {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

class OpenApiCoverageTest : public ::testing::Test {
 protected:
  OpenApiCoverageTest() : rig_(configWithListen()) {}

  static Config configWithListen() {
    Config config;
    config.http.listen = "127.0.0.1:0";
    return config;
  }

  // "GET /api/v1/calls" for every operation of the document.
  static std::set<std::string> documented() {
    auto document = http::JsonValue::parse(api::openApiDocument());
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

  std::set<std::string> registered() {
    std::set<std::string> out;
    for (const auto& route : rig_.server().router().routes()) {
      out.insert(lower(route.method) + " " + route.pattern);
    }
    return out;
  }

  rtcgate::testing::ManagementRig rig_;
};

TEST_F(OpenApiCoverageTest, EveryRegisteredRouteIsDocumented) {
  const auto routes = registered();
  ASSERT_GT(routes.size(), 15u);
  ASSERT_TRUE(routes.contains("get /api/v1/calls/{id}"));  // the rig's wiring is complete
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
  const std::string text(api::openApiDocument());
  auto document = http::JsonValue::parse(text);
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
