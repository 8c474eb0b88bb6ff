#include "mediacontrol/NgClient.hpp"

#include <spdlog/spdlog.h>

#include "base/SecureRandom.hpp"
#include "io/AddressConversion.hpp"
#include "io/AsioTimers.hpp"
#include "ng/Bencode.hpp"

namespace rtcgate::mediacontrol {

NgClient::NgClient(boost::asio::io_context& io, Timers& timers, SocketAddress server,
                   NgClientOptions options)
    : timers_(timers),
      socket_(io),
      server_(io::toEndpoint<boost::asio::ip::udp::endpoint>(server)),
      options_(options) {
  socket_.open(server_.protocol());
  cookiePrefix_ = SecureRandom::hex(8) + "_";
  startReceive();
}

NgClient::~NgClient() {
  for (auto& [cookie, pending] : pending_) timers_.cancel(pending.timer);
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void NgClient::request(ng::Value request, Callback done) {
  const std::string cookie = cookiePrefix_ + std::to_string(++sequence_);
  Pending pending;
  pending.datagram = cookie + " " + ng::Bencode::encode(request);
  pending.done = std::move(done);
  pending.triesLeft = options_.tries;
  pending_.emplace(cookie, std::move(pending));
  send(cookie);
}

void NgClient::send(const std::string& cookie) {
  auto it = pending_.find(cookie);
  if (it == pending_.end()) return;
  Pending& pending = it->second;
  --pending.triesLeft;
  boost::system::error_code ignored;  // a lost send is a lost datagram: the timer retries
  socket_.send_to(boost::asio::buffer(pending.datagram), server_, 0, ignored);
  pending.timer = timers_.start(options_.timeout, [this, cookie] { onTimeout(cookie); });
}

void NgClient::onTimeout(const std::string& cookie) {
  auto it = pending_.find(cookie);
  if (it == pending_.end()) return;
  if (it->second.triesLeft > 0) {
    send(cookie);
    return;
  }
  Callback done = std::move(it->second.done);
  pending_.erase(it);
  done(RelayError::timeout("ng request timed out"));
}

void NgClient::startReceive() {
  socket_.async_receive_from(boost::asio::buffer(buffer_), sender_,
                             [this](const boost::system::error_code& error, std::size_t length) {
                               if (error == boost::asio::error::operation_aborted) return;
                               if (!error) onDatagram(length);
                               startReceive();
                             });
}

void NgClient::onDatagram(std::size_t length) {
  if (sender_ != server_) {
    ++foreignReplies_;
    spdlog::debug("ng: dropped a reply from {}, not from the relay {}",
                  io::toSocketAddress(sender_).toString(), io::toSocketAddress(server_).toString());
    return;
  }
  const std::string_view datagram(buffer_.data(), length);
  const std::size_t space = datagram.find(' ');
  if (space == std::string_view::npos) return;
  auto it = pending_.find(std::string(datagram.substr(0, space)));
  if (it == pending_.end()) return;  // a late duplicate or someone else's reply
  timers_.cancel(it->second.timer);
  Callback done = std::move(it->second.done);
  pending_.erase(it);
  auto reply = ng::Bencode::decode(datagram.substr(space + 1));
  if (!reply || !reply->isDict()) {
    done(RelayError::unreachable("undecodable ng reply"));
    return;
  }
  done(std::move(*reply));
}

MediaControl::Reply NgClient::requestBlocking(SocketAddress server, ng::Value request,
                                              NgClientOptions options) {
  boost::asio::io_context io;
  io::AsioTimers timers(io);
  NgClient client(io, timers, server, options);
  Reply result = RelayError::unreachable("no reply");
  client.request(std::move(request), [&](Reply reply) {
    result = std::move(reply);
    io.stop();
  });
  io.run();
  return result;
}

}  // namespace rtcgate::mediacontrol
