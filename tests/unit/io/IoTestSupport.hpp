#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "io/AddressConversion.hpp"
#include "io/TransportManager.hpp"

// Test harness for the transports: the manager runs on its own io thread exactly as in
// production, while the test thread plays the peers with real sockets. Every socket operation
// is started on the io thread and awaited here with a deadline, so a broken transport fails a
// test instead of hanging it.
namespace rtcgate::io::testing {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;
using sip::Transport;

inline constexpr auto kWait = std::chrono::seconds(2);

class IoThread {
 public:
  IoThread() : guard_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  ~IoThread() { stop(); }

  void stop() {
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  asio::io_context& io() { return io_; }

  // Runs f on the io thread and returns its result.
  template <class F>
  auto call(F&& f) -> decltype(f()) {
    if (io_.get_executor().running_in_this_thread()) return f();
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

struct IoResult {
  error_code error;
  std::size_t bytes = 0;
  bool timedOut = false;
};

// A completion handler that can be awaited from the test thread.
class Pending {
 public:
  struct Handler {
    std::shared_ptr<std::promise<IoResult>> promise;
    void operator()(const error_code& error, std::size_t bytes = 0) const {
      promise->set_value({error, bytes, false});
    }
  };
  Handler handler() const { return Handler{promise_}; }
  IoResult wait(std::chrono::milliseconds timeout = kWait) {
    if (future_.wait_for(timeout) != std::future_status::ready) return {{}, 0, true};
    return future_.get();
  }

 private:
  std::shared_ptr<std::promise<IoResult>> promise_ = std::make_shared<std::promise<IoResult>>();
  std::future<IoResult> future_ = promise_->get_future();
};

struct Received {
  std::string message;
  sip::Flow flow;
};

// What the manager reported, filled on the io thread, awaited on the test thread.
class Recorder {
 public:
  void message(std::string text, const sip::Flow& flow) {
    std::lock_guard lock(mutex_);
    messages_.push_back({std::move(text), flow});
    changed_.notify_all();
  }
  void closed(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    closed_.push_back(id);
    changed_.notify_all();
  }
  bool waitMessages(std::size_t count, std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
  }
  bool waitClosed(std::size_t count, std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return closed_.size() >= count; });
  }
  std::vector<Received> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  std::vector<std::uint64_t> closedIds() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> messages_;
  std::vector<std::uint64_t> closed_;
};

inline std::string sipMessage(const std::string& method, const std::string& body = "") {
  return method +
         " sip:bob@example.test SIP/2.0\r\n"
         "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK-" +
         method +
         "\r\n"
         "Call-ID: " +
         method +
         "@test\r\n"
         "CSeq: 1 " +
         method +
         "\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

inline std::filesystem::path tempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("rtcgate-io-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

class TransportTest : public ::testing::Test {
 protected:
  void TearDown() override {
    io_.call([&] {
      manager_.reset();
      return 0;
    });
    io_.stop();
  }

  static TransportOptions optionsFor(std::initializer_list<Transport> transports) {
    TransportOptions options;
    for (auto transport : transports) options.listen.push_back({transport, "127.0.0.1", 0});
    return options;
  }

  Status start(TransportOptions options) {
    return io_.call([&] {
      manager_ = std::make_unique<TransportManager>(io_.io(), std::move(options));
      manager_->onMessage(
          [this](std::string message, const sip::Flow& flow) { recorder_.message(message, flow); });
      manager_->onConnectionClosed([this](std::uint64_t id) { recorder_.closed(id); });
      return manager_->start();
    });
  }

  template <class F>
  auto onIo(F&& f) {
    return io_.call(std::forward<F>(f));
  }

  // Starts an asynchronous operation on the io thread and waits for it.
  template <class Initiate>
  IoResult await(Initiate&& initiate, std::chrono::milliseconds timeout = kWait) {
    Pending pending;
    io_.call([&] {
      initiate(pending.handler());
      return 0;
    });
    return pending.wait(timeout);
  }

  sip::Flow listener(Transport transport) {
    return onIo([&] { return *manager_->listenerFlow(transport); });
  }
  template <class Endpoint>
  Endpoint endpointOf(Transport transport) {
    return toEndpoint<Endpoint>(listener(transport).local);
  }
  TransportStats stats() {
    return onIo([&] { return manager_->stats(); });
  }
  bool send(const sip::Flow& flow, const std::string& bytes) {
    return onIo([&] { return manager_->send(flow, bytes); });
  }

  // Connects a plain TCP client to a listener of the manager.
  asio::ip::tcp::socket connectTcp(Transport transport) {
    asio::ip::tcp::socket socket(io_.io());
    const auto target = endpointOf<asio::ip::tcp::endpoint>(transport);
    const auto result = await([&](auto handler) { socket.async_connect(target, handler); });
    EXPECT_FALSE(result.error || result.timedOut) << result.error.message();
    return socket;
  }

  // Reads exactly `size` bytes from a stream (or fails with what arrived).
  template <class Stream>
  std::string readExactly(Stream& stream, std::size_t size) {
    std::string data(size, '\0');
    const auto result =
        await([&](auto handler) { asio::async_read(stream, asio::buffer(data), handler); });
    if (result.error || result.timedOut) return "<error: " + result.error.message() + ">";
    return data;
  }

  template <class Stream>
  IoResult write(Stream& stream, const std::string& data) {
    return await([&](auto handler) { asio::async_write(stream, asio::buffer(data), handler); });
  }

  // True when the peer closes the stream (EOF or reset) within the deadline.
  template <class Stream>
  bool closedByPeer(Stream& stream, std::chrono::milliseconds timeout = kWait) {
    std::string sink;
    const auto result =
        await([&](auto handler) { asio::async_read(stream, asio::dynamic_buffer(sink), handler); },
              timeout);
    return !result.timedOut && result.error;
  }

  void closeOnIo(asio::ip::tcp::socket& socket) {
    onIo([&] {
      error_code ignored;
      socket.close(ignored);
      return 0;
    });
  }

  IoThread io_;
  Recorder recorder_;
  std::unique_ptr<TransportManager> manager_;
};

}  // namespace rtcgate::io::testing
