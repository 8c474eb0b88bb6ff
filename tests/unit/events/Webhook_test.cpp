#include "events/Webhook.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "io/AsioTimers.hpp"

namespace rtcgate::events {
namespace {

namespace beast_http = boost::beast::http;
using boost::asio::ip::tcp;
using namespace std::chrono_literals;

// A blocking HTTP receiver on its own thread: answers 500 to the first `failFirst` POSTs, then
// 204, and records every body with the time it arrived.
class Receiver {
 public:
  explicit Receiver(int failFirst) : failFirst_(failFirst) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    thread_ = std::thread([this] { serve(); });
  }
  ~Receiver() {
    // A blocking accept() is not woken by close(): connect once more to let it see stopping_.
    stopping_ = true;
    boost::system::error_code ignored;
    tcp::socket wake(io_);
    wake.connect(acceptor_.local_endpoint(), ignored);
    if (thread_.joinable()) thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/hook";
  }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::vector<std::chrono::steady_clock::time_point> times() {
    std::lock_guard lock(mutex_);
    return times_;
  }

 private:
  void serve() {
    for (int served = 0;; ++served) {
      boost::system::error_code error;
      tcp::socket socket(io_);
      acceptor_.accept(socket, error);
      if (error || stopping_) return;
      boost::beast::flat_buffer buffer;
      beast_http::request<beast_http::string_body> request;
      beast_http::read(socket, buffer, request, error);
      if (error) continue;
      {
        std::lock_guard lock(mutex_);
        bodies_.push_back(request.body());
        times_.push_back(std::chrono::steady_clock::now());
      }
      beast_http::response<beast_http::string_body> response{
          served < failFirst_ ? beast_http::status::internal_server_error
                              : beast_http::status::no_content,
          11};
      response.prepare_payload();
      beast_http::write(socket, response, error);
    }
  }

  int failFirst_;
  std::atomic<bool> stopping_ = false;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<std::chrono::steady_clock::time_point> times_;
};

http::SharedText text(std::string value) {
  return std::make_shared<const std::string>(std::move(value));
}

// Runs the loop until `done` or a deadline.
template <class Done>
bool runUntil(boost::asio::io_context& io, Done done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(5ms);
    io.restart();
  }
  return done();
}

WebhookOptions fastOptions(unsigned retries) {
  WebhookOptions options;
  options.retries = retries;
  options.firstBackoff = Duration(40);
  options.timeout = 2000ms;
  return options;
}

TEST(Webhook, PostsEveryEventInOrder) {
  Receiver receiver(0);
  boost::asio::io_context io;
  io::AsioTimers timers(io);
  auto hook = std::make_shared<Webhook>(io, timers, *WebhookUrl::parse(receiver.url()),
                                        fastOptions(5), nullptr);
  for (int i = 0; i < 5; ++i) hook->post(text("{\"n\":" + std::to_string(i) + "}"));
  ASSERT_TRUE(runUntil(io, [&] { return hook->stats().delivered == 5; }));
  const std::vector<std::string> expected{"{\"n\":0}", "{\"n\":1}", "{\"n\":2}", "{\"n\":3}",
                                          "{\"n\":4}"};
  EXPECT_EQ(receiver.bodies(), expected);
  EXPECT_EQ(hook->stats().retries, 0u);
  EXPECT_FALSE(hook->busy());
}

TEST(Webhook, RetriesWithExponentialBackoffThenDelivers) {
  Receiver receiver(2);
  boost::asio::io_context io;
  io::AsioTimers timers(io);
  auto hook = std::make_shared<Webhook>(io, timers, *WebhookUrl::parse(receiver.url()),
                                        fastOptions(5), nullptr);
  hook->post(text("first"));
  hook->post(text("second"));
  ASSERT_TRUE(runUntil(io, [&] { return hook->stats().delivered == 2; }));
  const std::vector<std::string> expected{"first", "first", "first", "second"};
  EXPECT_EQ(receiver.bodies(), expected);
  EXPECT_EQ(hook->stats().retries, 2u);
  EXPECT_EQ(hook->stats().failures, 0u);
  const auto times = receiver.times();
  ASSERT_EQ(times.size(), 4u);
  // Back-off 40 ms then 80 ms: each gap at least that long.
  EXPECT_GE(times[1] - times[0], 40ms);
  EXPECT_GE(times[2] - times[1], 80ms);
}

TEST(Webhook, GivesUpAfterTheLastRetryAndGoesOn) {
  boost::asio::io_context io;
  io::AsioTimers timers(io);
  // A port nobody listens on: every attempt is refused.
  std::string deadUrl;
  {
    tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    deadUrl = "http://127.0.0.1:" + std::to_string(probe.local_endpoint().port()) + "/";
  }
  auto hook =
      std::make_shared<Webhook>(io, timers, *WebhookUrl::parse(deadUrl), fastOptions(2), nullptr);
  hook->post(text("a"));
  hook->post(text("b"));
  ASSERT_TRUE(runUntil(io, [&] { return hook->stats().failures == 2; }));
  EXPECT_EQ(hook->stats().retries, 4u);  // 2 per event
  EXPECT_EQ(hook->stats().delivered, 0u);
  EXPECT_FALSE(hook->busy());
}

TEST(Webhook, ABacklogBeyondItsBoundDropsTheOldest) {
  boost::asio::io_context io;
  io::AsioTimers timers(io);
  std::uint64_t dropped = 0;
  auto options = fastOptions(0);
  options.queueCapacity = 3;
  auto hook = std::make_shared<Webhook>(io, timers, *WebhookUrl::parse("http://127.0.0.1:9/"),
                                        options, &dropped);
  // The first event is in flight (it left the queue); 3 wait; the other 6 pushed the oldest out.
  for (int i = 0; i < 10; ++i) hook->post(text(std::to_string(i)));
  EXPECT_EQ(hook->backlog(), 3u);
  EXPECT_EQ(dropped, 6u);
  hook->stop();
  EXPECT_EQ(hook->backlog(), 0u);
  io.run_for(50ms);
}

}  // namespace
}  // namespace rtcgate::events
