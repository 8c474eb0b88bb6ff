#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/Result.hpp"
#include "base/Timers.hpp"
#include "http/EventQueue.hpp"

namespace rtcgate::events {

struct WebhookOptions {
  unsigned retries = 5;                     // attempts after the first; then the event is dropped
  Duration firstBackoff{500};               // doubled after each failed attempt
  std::chrono::milliseconds timeout{5000};  // connect + request + response, per attempt
  std::size_t queueCapacity = http::EventQueue::kDefaultCapacity;
};

struct WebhookStats {
  std::uint64_t delivered = 0;
  std::uint64_t retries = 0;   // failed attempts that were retried
  std::uint64_t failures = 0;  // events given up on after the last retry
};

// Where a webhook posts: http://HOST[:PORT][/PATH].
struct WebhookUrl {
  std::string host;
  std::string port = "80";
  std::string target = "/";
  static Result<WebhookUrl> parse(std::string_view url);
};

// One webhook: POSTs each event as JSON, one at a time and in order, retrying a failed attempt
// (connection error, timeout, non-2xx) with exponential back-off. Runs on the gateway's loop;
// post() only queues, so a slow or dead receiver never delays signalling, and its backlog is
// bounded (oldest dropped). Owned by shared pointers held by its pending operations.
class Webhook : public std::enable_shared_from_this<Webhook> {
 public:
  Webhook(boost::asio::io_context& io, Timers& timers, WebhookUrl url, WebhookOptions options,
          std::uint64_t* droppedTotal);

  void post(http::SharedText event);
  // Drops the backlog and abandons the attempt in flight.
  void stop();

  const WebhookStats& stats() const { return stats_; }
  std::size_t backlog() const { return queue_.size(); }
  bool busy() const { return busy_; }

 private:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  void sendNext();
  void attempt();
  void onAttemptDone(bool ok, const char* why);

  boost::asio::io_context& io_;
  Timers& timers_;
  WebhookUrl url_;
  WebhookOptions options_;
  http::EventQueue queue_;
  http::SharedText current_;  // the event being posted
  WebhookStats stats_;
  unsigned attempt_ = 0;  // retries of current_ so far
  bool busy_ = false;
  bool stopped_ = false;
  Timers::Id retryTimer_ = 0;
  // The attempt in flight: its own stream, request and buffers, so a stop() in the middle
  // leaves nothing shared behind.
  struct Exchange;
  std::shared_ptr<Exchange> exchange_;
};

}  // namespace rtcgate::events
