#include <gtest/gtest.h>

#include "http/HttpServer.hpp"
#include "http/Router.hpp"

namespace rtcgate::http {
namespace {

HttpReply page(const HttpRequest& request) { return HttpReply{200, "text/html", request.path}; }

// A dashboard page must load without the token (it is what asks for it); the API stays closed.
class PublicRoutesTest : public ::testing::Test {
 protected:
  PublicRoutesTest() : server_(io_, *SocketAddress::parse("127.0.0.1", 0), "tok") {
    server_.add("GET", "/", "dashboard", page, Access::Public);
    server_.add("GET", "/assets/{file}", "assets", page, Access::Public);
    server_.add("GET", "/api/v1/secret", "needs the token", page);
    server_.add("DELETE", "/assets/{file}", "a non-public method on a public path", page);
  }

  boost::asio::io_context io_;
  HttpServer server_;
};

TEST_F(PublicRoutesTest, PublicRoutesAnswerWithoutToken) {
  EXPECT_EQ(server_.handle("GET", "/", "", "").status, 200u);
  const auto asset = server_.handle("GET", "/assets/style.css?v=2", "", "");
  EXPECT_EQ(asset.status, 200u);
  EXPECT_EQ(asset.body, "/assets/style.css");
  EXPECT_EQ(server_.handle("GET", "/assets/style.css", "Bearer wrong", "").status, 200u);
}

TEST_F(PublicRoutesTest, EverythingElseStillNeedsTheToken) {
  EXPECT_EQ(server_.handle("GET", "/api/v1/secret", "", "").status, 401u);
  EXPECT_EQ(server_.handle("GET", "/api/v1/secret", "Bearer tok", "").status, 200u);
  // The method decides too: a public GET does not open DELETE on the same path.
  EXPECT_EQ(server_.handle("DELETE", "/assets/style.css", "", "").status, 401u);
  EXPECT_EQ(server_.handle("DELETE", "/assets/style.css", "Bearer tok", "").status, 200u);
  // Unknown and malformed targets answer 401 before anything else, as before.
  EXPECT_EQ(server_.handle("GET", "/nope", "", "").status, 401u);
  EXPECT_EQ(server_.handle("GET", "/assets/", "", "").status, 401u);
  EXPECT_EQ(server_.handle("GET", "/assets/%zz", "", "").status, 401u);
  EXPECT_EQ(server_.handle("GET", "nope", "", "").status, 401u);
  EXPECT_EQ(server_.handle("POST", "/", "", "").status, 401u);
}

TEST(RouterAccessTest, IsPublicMatchesLikeDispatch) {
  Router router;
  router.add("GET", "/phone/{file}", "phone", page, Access::Public);
  router.add("GET", "/api/v1/registrations/{aor}", "api", page);
  EXPECT_TRUE(router.isPublic("GET", "/phone/phone.js"));
  EXPECT_TRUE(router.isPublic("GET", "/phone/a%2Fb"));  // an encoded '/' stays in the segment
  EXPECT_FALSE(router.isPublic("GET", "/phone/a/b"));
  EXPECT_FALSE(router.isPublic("HEAD", "/phone/phone.js"));
  EXPECT_FALSE(router.isPublic("GET", "/api/v1/registrations/alice"));
  EXPECT_FALSE(router.isPublic("GET", ""));
}

}  // namespace
}  // namespace rtcgate::http
