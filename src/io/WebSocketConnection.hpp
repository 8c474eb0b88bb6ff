#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "io/Connection.hpp"

namespace rtcgate::io {

// SIP over WebSocket (RFC 7118), server side only: an HTTP upgrade that must offer the "sip"
// subprotocol (others are refused with 400, logged and counted), then one SIP message per text or
// binary frame; we reply in text frames. Plain HTTP GETs on the same port go to the owner's
// httpRequest() hook. Silent peers are pinged every limits().webSocketPingInterval and dropped
// when a further interval passes without an answer; limits().idleTimeout bounds the time without
// SIP messages. With tlsContext (wss) a TLS handshake comes first.
// Beast stays inside WebSocketConnection.cpp; this header only offers the factory.
std::shared_ptr<Connection> makeWebSocketConnection(std::uint64_t id, sip::Flow flow,
                                                    ConnectionOwner& owner, ConnectionLimits limits,
                                                    boost::asio::ip::tcp::socket socket,
                                                    boost::asio::ssl::context* tlsContext);

}  // namespace rtcgate::io
