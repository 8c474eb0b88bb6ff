#pragma once

#include <string_view>

namespace rtcgate::io {

// What one message received on a SIP WebSocket is (RFC 7118: one SIP message per message).
enum class WebSocketMessageKind {
  KeepAlivePing,  // "\r\n\r\n": SIP.js and others expect a "\r\n" pong (RFC 5626 style)
  Blank,          // only CR and LF otherwise: ignored
  Sip,            // for the SIP parser
};

WebSocketMessageKind classifyWebSocketMessage(std::string_view message);

}  // namespace rtcgate::io
