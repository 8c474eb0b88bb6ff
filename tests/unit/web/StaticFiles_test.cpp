#include "web/StaticFiles.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

namespace rtcgate::web {
namespace {

TEST(StaticFilesTest, ContentTypesFollowTheExtension) {
  EXPECT_EQ(contentTypeFor("/phone/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(contentTypeFor("/phone/phone.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(contentTypeFor("/assets/style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(contentTypeFor("/phone/config.json"), "application/json");
  EXPECT_EQ(contentTypeFor("/assets/logo.svg"), "image/svg+xml");
  EXPECT_EQ(contentTypeFor("/assets/logo.png"), "image/png");
  EXPECT_EQ(contentTypeFor("/favicon.ico"), "image/x-icon");
}

TEST(StaticFilesTest, UnknownOrMissingExtensionIsNeverSniffable) {
  EXPECT_EQ(contentTypeFor("/phone/README"), "application/octet-stream");
  EXPECT_EQ(contentTypeFor("/assets/data.bin"), "application/octet-stream");
  EXPECT_EQ(contentTypeFor("/v1.2/script"), "application/octet-stream");  // dot in a folder
  EXPECT_EQ(contentTypeFor("/phone/index.HTML5"), "application/octet-stream");
}

TEST(StaticFilesTest, TableHoldsThePagesWithTheirTypes) {
  struct Expected {
    const char* path;
    const char* contentType;
    const char* marker;  // something only the real file contains
  };
  for (const auto& expected : {
           Expected{"/phone/index.html", "text/html; charset=utf-8", "rtcgate phone"},
           Expected{"/phone/phone.js", "text/javascript; charset=utf-8", "JsSIP.UA"},
           Expected{"/dashboard/index.html", "text/html; charset=utf-8", "rtcgate dashboard"},
           Expected{"/dashboard/dashboard.js", "text/javascript; charset=utf-8", "/api/v1/stats"},
           Expected{"/assets/style.css", "text/css; charset=utf-8", ":root"},
       }) {
    const auto* file = StaticFiles::find(expected.path);
    ASSERT_NE(file, nullptr) << expected.path;
    EXPECT_EQ(file->path, expected.path);
    EXPECT_EQ(file->contentType, expected.contentType) << expected.path;
    EXPECT_NE(file->body.find(expected.marker), std::string_view::npos) << expected.path;
  }
}

TEST(StaticFilesTest, EmbeddedBytesEqualTheSourceFile) {
  // The generator escapes bytes into string literals; the round trip must be exact.
  const auto* file = StaticFiles::find("/phone/phone.js");
  ASSERT_NE(file, nullptr);
  std::FILE* source = std::fopen(RTCGATE_SOURCE_DIR "/web/phone/phone.js", "rb");
  ASSERT_NE(source, nullptr);
  std::string bytes;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof(buffer), source)) > 0;) {
    bytes.append(buffer, n);
  }
  std::fclose(source);
  EXPECT_EQ(file->body, bytes);
}

TEST(StaticFilesTest, DirectoryMeansItsIndex) {
  const auto* index = StaticFiles::find("/phone/index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(StaticFiles::find("/phone"), index);
  EXPECT_EQ(StaticFiles::find("/phone/"), index);
  EXPECT_EQ(StaticFiles::find("/dashboard/"), StaticFiles::find("/dashboard/index.html"));
}

TEST(StaticFilesTest, UnknownPathsAreNotFound) {
  EXPECT_EQ(StaticFiles::find(""), nullptr);
  EXPECT_EQ(StaticFiles::find("/"), nullptr);  // no index at the root: the server picks one
  EXPECT_EQ(StaticFiles::find("/phone/nope.js"), nullptr);
  EXPECT_EQ(StaticFiles::find("phone/index.html"), nullptr);  // relative
  EXPECT_EQ(StaticFiles::find("/phone/../dashboard/index.html"), nullptr);
  EXPECT_EQ(StaticFiles::find("/phone/index.html/"), nullptr);
  EXPECT_EQ(StaticFiles::find("/assets"), nullptr);        // a folder without index.html
  EXPECT_EQ(StaticFiles::find("/package.json"), nullptr);  // only the served folders are embedded
  EXPECT_EQ(StaticFiles::find("/tools/bundle_commonjs.py"), nullptr);
}

TEST(StaticFilesTest, PathsAreAbsoluteUniqueAndTyped) {
  std::set<std::string_view> seen;
  ASSERT_FALSE(StaticFiles::all().empty());
  for (const auto& file : StaticFiles::all()) {
    EXPECT_EQ(file.path.front(), '/') << file.path;
    EXPECT_TRUE(seen.insert(file.path).second) << "duplicate " << file.path;
    EXPECT_EQ(file.contentType, contentTypeFor(file.path));
    EXPECT_FALSE(file.body.empty()) << file.path;
  }
}

TEST(StaticFilesTest, JsSipIsBundledWhenInstalled) {
  std::FILE* installed = std::fopen(RTCGATE_SOURCE_DIR "/web/node_modules/jssip/package.json", "r");
  const auto* bundle = StaticFiles::find("/phone/jssip.js");
  if (!installed) {
    EXPECT_EQ(bundle, nullptr);
    GTEST_SKIP() << "web/node_modules/jssip not installed (npm ci --prefix web)";
  }
  std::fclose(installed);
  ASSERT_NE(bundle, nullptr);
  EXPECT_EQ(bundle->contentType, "text/javascript; charset=utf-8");
  EXPECT_NE(bundle->body.find("window.JsSIP = load("), std::string_view::npos);
  EXPECT_NE(bundle->body.find("WebSocketInterface"), std::string_view::npos);
}

}  // namespace
}  // namespace rtcgate::web
