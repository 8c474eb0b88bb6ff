#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <string>

#include "io/Connection.hpp"
#include "sip/StreamFramer.hpp"

namespace rtcgate::io {

using TcpSocket = boost::asio::ip::tcp::socket;
using TlsSocket = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// SIP over a byte stream, TCP (Stream = TcpSocket) or TLS (Stream = TlsSocket): messages are cut
// out of the stream by sip::StreamFramer, CRLF keep-alive pings get a pong (RFC 5626 3.5.1), and
// the connection closes after limits().idleTimeout without traffic either way.
template <class Stream>
class StreamConnection final : public Connection {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsSocket>;

  // tlsContext: server context for accepted, client context for outbound TLS; null for TCP.
  StreamConnection(std::uint64_t id, sip::Flow flow, ConnectionOwner& owner,
                   ConnectionLimits limits, TcpSocket socket,
                   boost::asio::ssl::context* tlsContext);

  void startAccepted() override;
  // Connects to flow().remote; bytes sent meanwhile are queued. With a serverName (the host name
  // the address was found under, RFC 3263), TLS sends it as SNI and verifies the certificate
  // against it; without one, against the IP address.
  void startOutbound(bool verifyPeer, const std::string& serverName = {});
  bool send(std::string_view bytes) override;
  void close(CloseReason reason) override;

 private:
  static Stream makeStream(TcpSocket socket, boost::asio::ssl::context* tlsContext);
  std::shared_ptr<StreamConnection> self();

  void handshake(bool server);
  void established();
  void readMore();
  void onRead(const boost::system::error_code& error, std::size_t bytes);
  void deliverFrames();
  void writeNext();
  void armTimer(Clock::time_point deadline);
  void onTimer();

  Stream stream_;
  sip::StreamFramer framer_;
  boost::asio::steady_timer timer_;
  Clock::time_point lastActivity_;

  std::array<char, 16 * 1024> chunk_;
  std::string inbound_;
  std::size_t consumed_ = 0;

  std::deque<std::string> outbound_;
  std::size_t queuedBytes_ = 0;
  bool writing_ = false;
};

extern template class StreamConnection<TcpSocket>;
extern template class StreamConnection<TlsSocket>;

}  // namespace rtcgate::io
