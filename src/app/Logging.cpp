#include "app/Logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "base/LogContext.hpp"
#include "http/Json.hpp"

namespace rtcgate::app {

namespace {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  explicit JsonLogFormatter(std::string node)
      : node_(std::move(node)),
        time_("%Y-%m-%dT%H:%M:%S.%e%z", spdlog::pattern_time_type::local, "") {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    spdlog::memory_buf_t time;
    time_.format(msg, time);
    line_.assign("{\"time\":");
    http::appendJsonString(line_, std::string_view(time.data(), time.size()));
    line_ += ",\"level\":";
    const auto level = spdlog::level::to_string_view(msg.level);
    http::appendJsonString(line_, std::string_view(level.data(), level.size()));
    if (!node_.empty()) {
      line_ += ",\"node\":";
      http::appendJsonString(line_, node_);
    }
    if (const auto callId = logCallId(); !callId.empty()) {
      line_ += ",\"call_id\":";
      http::appendJsonString(line_, callId);
    }
    line_ += ",\"msg\":";
    http::appendJsonString(line_, std::string_view(msg.payload.data(), msg.payload.size()));
    line_ += "}\n";
    dest.append(line_.data(), line_.data() + line_.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLogFormatter>(node_);
  }

 private:
  std::string node_;
  spdlog::pattern_formatter time_;
  std::string line_;  // reused: the sink's lock serialises format()
};

}  // namespace

std::unique_ptr<spdlog::formatter> makeJsonLogFormatter(std::string node) {
  return std::make_unique<JsonLogFormatter>(std::move(node));
}

void configureLogging(const std::string& level, const std::string& format,
                      const std::string& node) {
  auto logger = std::make_shared<spdlog::logger>("rtcgate",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == "json") {
    logger->set_formatter(makeJsonLogFormatter(node));
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  }
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace rtcgate::app
