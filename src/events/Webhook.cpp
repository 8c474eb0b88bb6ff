#include "events/Webhook.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "base/HostPort.hpp"
#include "base/Version.hpp"

namespace rtcgate::events {

namespace beast_http = boost::beast::http;
using boost::asio::ip::tcp;

struct Webhook::Exchange {
  explicit Exchange(boost::asio::io_context& io) : resolver(io), stream(io) {}
  tcp::resolver resolver;
  boost::beast::tcp_stream stream;
  beast_http::request<beast_http::string_body> request;
  boost::beast::flat_buffer buffer;
  Response response;
};

Result<WebhookUrl> WebhookUrl::parse(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return Error{"expected an http:// URL"};
  url.remove_prefix(kScheme.size());
  WebhookUrl out;
  const auto slash = url.find('/');
  if (slash != std::string_view::npos) out.target = std::string(url.substr(slash));
  std::string_view authority = url.substr(0, slash);
  if (authority.find('@') != std::string_view::npos) return Error{"user info is not supported"};
  const auto address = HostPort::parse(authority);
  if (!address) return Error{address.error()};
  if (address->port == 0) return Error{"bad port"};
  out.host = address->host;
  if (address->port) out.port = std::to_string(*address->port);
  return out;
}

Webhook::Webhook(boost::asio::io_context& io, Timers& timers, WebhookUrl url,
                 WebhookOptions options, std::uint64_t* droppedTotal)
    : io_(io),
      timers_(timers),
      url_(std::move(url)),
      options_(options),
      queue_(options.queueCapacity, droppedTotal) {}

void Webhook::post(http::SharedText event) {
  if (stopped_) return;
  queue_.push(std::move(event));
  if (!busy_) sendNext();
}

void Webhook::stop() {
  stopped_ = true;
  queue_.clear();
  current_.reset();
  if (retryTimer_) timers_.cancel(retryTimer_);
  retryTimer_ = 0;
  if (exchange_) {
    exchange_->resolver.cancel();
    exchange_->stream.cancel();
    exchange_.reset();
  }
  busy_ = false;
}

void Webhook::sendNext() {
  if (stopped_ || queue_.empty()) {
    busy_ = false;
    return;
  }
  busy_ = true;
  // Out of the queue while in flight, so an overflow can only drop events still waiting.
  current_ = queue_.front();
  queue_.pop();
  attempt_ = 0;
  attempt();
}

// One POST on a fresh connection: webhook receivers are often simple scripts, and a new
// connection per attempt leaves no half-dead keep-alive state to recover from.
void Webhook::attempt() {
  auto exchange = std::make_shared<Exchange>(io_);
  exchange_ = exchange;
  auto& request = exchange->request;
  request = {beast_http::verb::post, url_.target, 11};
  request.set(beast_http::field::host, url_.host + ":" + url_.port);
  request.set(beast_http::field::user_agent, std::string("rtcgate/") + kVersion);
  request.set(beast_http::field::content_type, "application/json");
  request.set(beast_http::field::connection, "close");
  request.body() = *current_;
  request.prepare_payload();
  exchange->stream.expires_after(options_.timeout);

  auto self = shared_from_this();
  auto done = [self, exchange](bool ok, const char* why) {
    // A stop() or a newer attempt has taken over: this outcome no longer counts.
    if (self->exchange_ != exchange) return;
    self->exchange_.reset();
    self->onAttemptDone(ok, why);
  };
  exchange->resolver.async_resolve(
      url_.host, url_.port,
      [exchange, done](boost::beast::error_code error, tcp::resolver::results_type results) {
        if (error) return done(false, "cannot resolve the host");
        exchange->stream.async_connect(
            results, [exchange, done](boost::beast::error_code error, const tcp::endpoint&) {
              if (error) return done(false, "cannot connect");
              beast_http::async_write(
                  exchange->stream, exchange->request,
                  [exchange, done](boost::beast::error_code error, std::size_t) {
                    if (error) return done(false, "cannot send the request");
                    beast_http::async_read(
                        exchange->stream, exchange->buffer, exchange->response,
                        [exchange, done](boost::beast::error_code error, std::size_t) {
                          boost::beast::error_code ignored;
                          exchange->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                          exchange->stream.close();
                          if (error) return done(false, "no HTTP response");
                          const unsigned status = exchange->response.result_int();
                          done(status >= 200 && status < 300, "non-2xx response");
                        });
                  });
            });
      });
}

void Webhook::onAttemptDone(bool ok, const char* why) {
  if (ok) {
    ++stats_.delivered;
  } else if (attempt_ < options_.retries) {
    ++attempt_;
    ++stats_.retries;
    const auto backoff = options_.firstBackoff * (1u << std::min(attempt_ - 1, 16u));
    spdlog::debug("webhook http://{}:{}{}: {}, retry {} in {} ms", url_.host, url_.port,
                  url_.target, why, attempt_, backoff.count());
    retryTimer_ = timers_.start(backoff, [self = shared_from_this()] {
      self->retryTimer_ = 0;
      if (!self->stopped_) self->attempt();
    });
    return;
  } else {
    ++stats_.failures;
    spdlog::warn("webhook http://{}:{}{}: {} after {} attempts, event dropped", url_.host,
                 url_.port, url_.target, why, attempt_ + 1);
  }
  current_.reset();
  sendNext();
}

}  // namespace rtcgate::events
