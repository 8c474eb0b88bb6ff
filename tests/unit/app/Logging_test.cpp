#include "app/Logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "base/LogContext.hpp"
#include "http/JsonValue.hpp"

namespace rtcgate::app {
namespace {

std::vector<std::string> keysOf(const http::JsonValue& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.asObject()) keys.push_back(key);
  return keys;
}

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class JsonLogTest : public ::testing::Test {
 protected:
  JsonLogTest() : logger_("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
    logger_.set_formatter(makeJsonLogFormatter("gw-1"));
  }

  std::ostringstream out_;
  spdlog::logger logger_;
};

TEST_F(JsonLogTest, HostileMessageStaysOneObjectWithTheExpectedKeys) {
  // What a WebSocket upgrade's Sec-WebSocket-Protocol, a SIP header or a user name can carry.
  const std::string hostile =
      "subprotocol 'sip\", \"level\": \"forged' \\ \"\n{\"msg\":1}\r\t\x01\x1f\x7f"
      "caf\xc3\xa9 \xff\xc0\x80 \xed\xa0\x80 \xe2\x82";
  logger_.warn("refused: {}", hostile);
  const auto lines = linesOf(out_.str());
  ASSERT_EQ(lines.size(), 1u) << out_.str();
  auto parsed = http::JsonValue::parse(lines[0]);
  ASSERT_TRUE(parsed) << lines[0];
  EXPECT_EQ(keysOf(*parsed), (std::vector<std::string>{"time", "level", "node", "msg"}));
  EXPECT_EQ((*parsed)["level"].asString(), "warning");
  EXPECT_EQ((*parsed)["node"].asString(), "gw-1");
  // Valid UTF-8 passes; each byte of an invalid sequence (a lone 0xff, an overlong NUL, a
  // surrogate, a truncated sequence) is escaped, so the line is valid UTF-8 for any parser.
  EXPECT_NE(lines[0].find("caf\xc3\xa9"), std::string::npos);
  EXPECT_NE(lines[0].find("\\u00ff\\u00c0\\u0080 \\u00ed\\u00a0\\u0080 \\u00e2\\u0082"),
            std::string::npos)
      << lines[0];
  const std::string msg = (*parsed)["msg"].asString();
  EXPECT_EQ(msg.substr(0, 60), ("refused: " + hostile).substr(0, 60));
}

TEST_F(JsonLogTest, CallIdAppearsWhileTheThreadWorksForACall) {
  logger_.info("before");
  {
    const LogCallScope call("a84b4c76e66710@pc33.atlanta.example\"x");
    logger_.info("during");
    {
      const LogCallScope nested("other");
      logger_.info("nested");
    }
    logger_.info("after nested");
  }
  logger_.info("after");
  const auto lines = linesOf(out_.str());
  ASSERT_EQ(lines.size(), 5u);
  std::vector<std::string> callIds;
  for (const auto& line : lines) {
    auto parsed = http::JsonValue::parse(line);
    ASSERT_TRUE(parsed) << line;
    callIds.push_back((*parsed)["call_id"].toText());
  }
  EXPECT_EQ(callIds,
            (std::vector<std::string>{"", "a84b4c76e66710@pc33.atlanta.example\"x", "other",
                                      "a84b4c76e66710@pc33.atlanta.example\"x", ""}));
  EXPECT_EQ(keysOf(*http::JsonValue::parse(lines[1])),
            (std::vector<std::string>{"time", "level", "node", "call_id", "msg"}));
  EXPECT_EQ(keysOf(*http::JsonValue::parse(lines[0])),
            (std::vector<std::string>{"time", "level", "node", "msg"}));
}

TEST(JsonLogFormatter, NoNodeNoKey) {
  std::ostringstream out;
  spdlog::logger logger("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger.set_formatter(makeJsonLogFormatter(""));
  logger.info("x");
  auto parsed = http::JsonValue::parse(linesOf(out.str()).at(0));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(keysOf(*parsed), (std::vector<std::string>{"time", "level", "msg"}));
}

// Restores stderr and the default logger however the test ends.
class StderrCapture {
 public:
  explicit StderrCapture(const std::filesystem::path& file)
      : saved_(::dup(STDERR_FILENO)), previous_(spdlog::default_logger()) {
    std::fflush(stderr);
    std::FILE* out = std::fopen(file.c_str(), "w");
    ::dup2(::fileno(out), STDERR_FILENO);
    std::fclose(out);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    spdlog::set_default_logger(previous_);
  }

 private:
  int saved_;
  std::shared_ptr<spdlog::logger> previous_;
};

// The relay's media workers log from their own threads through the one default logger: its sink
// must be the thread-safe kind, and lines written at once from several threads stay whole.
TEST(ConfigureLogging, OneThreadSafeLoggerForEveryThread) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("rtcgate-logging-" + std::to_string(::getpid()) + ".log");
  constexpr int kThreads = 4;
  constexpr int kLines = 500;
  {
    StderrCapture capture(file);
    configureLogging("info", "json", "gw-1");
    const auto& sinks = spdlog::default_logger()->sinks();
    ASSERT_EQ(sinks.size(), 1u);
    EXPECT_NE(dynamic_cast<spdlog::sinks::stderr_sink_mt*>(sinks[0].get()), nullptr);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        const LogCallScope call("call-" + std::to_string(t));
        for (int i = 0; i < kLines; ++i) spdlog::info("worker {} line {} \"quoted\"", t, i);
      });
    }
    for (auto& thread : threads) thread.join();
  }
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(file);
  const auto lines = linesOf(text.str());
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLines));
  for (const auto& line : lines) {
    auto parsed = http::JsonValue::parse(line);
    ASSERT_TRUE(parsed) << line;
    // Each line names the call of the thread that wrote it.
    const std::string worker = (*parsed)["msg"].asString().substr(7, 1);
    EXPECT_EQ((*parsed)["call_id"].asString(), "call-" + worker) << line;
  }
}

}  // namespace
}  // namespace rtcgate::app
