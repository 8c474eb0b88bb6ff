#include "app/Logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

namespace rtcgate::app {
namespace {

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
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
    configureLogging("info", "text");
    const auto& sinks = spdlog::default_logger()->sinks();
    ASSERT_EQ(sinks.size(), 1u);
    EXPECT_NE(dynamic_cast<spdlog::sinks::stderr_sink_mt*>(sinks[0].get()), nullptr);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < kLines; ++i) spdlog::info("worker {} line {} end", t, i);
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
  const std::regex whole(R"(^\S+ \S+ info  worker [0-3] line [0-9]+ end$)");
  for (const auto& line : lines) EXPECT_TRUE(std::regex_match(line, whole)) << line;
}

}  // namespace
}  // namespace rtcgate::app
