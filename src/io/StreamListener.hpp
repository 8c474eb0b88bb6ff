#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include "base/SocketAddress.hpp"
#include "sip/Transport.hpp"

namespace rtcgate::io {

// A listening TCP socket for one stream transport (tcp, tls, ws, wss): accepts forever and hands
// each new socket on; the owner decides whether to keep it and which protocol runs over it.
class StreamListener : public std::enable_shared_from_this<StreamListener> {
 public:
  using AcceptHandler = std::function<void(sip::Transport, boost::asio::ip::tcp::socket)>;

  StreamListener(boost::asio::io_context& io, sip::Transport transport);

  boost::system::error_code bind(const boost::asio::ip::tcp::endpoint& endpoint);
  void start(AcceptHandler handler);
  void close();

  sip::Transport transport() const { return transport_; }
  const SocketAddress& local() const { return local_; }

 private:
  void acceptNext();

  boost::asio::ip::tcp::acceptor acceptor_;
  // Pauses accepting after errors such as EMFILE instead of spinning on them.
  boost::asio::steady_timer retryTimer_;
  sip::Transport transport_;
  SocketAddress local_;
  AcceptHandler handler_;
};

}  // namespace rtcgate::io
