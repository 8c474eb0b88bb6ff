#include "io/WebSocketMessage.hpp"

namespace rtcgate::io {

WebSocketMessageKind classifyWebSocketMessage(std::string_view message) {
  if (message == "\r\n\r\n") return WebSocketMessageKind::KeepAlivePing;
  if (message.find_first_not_of("\r\n") == std::string_view::npos) {
    return WebSocketMessageKind::Blank;
  }
  return WebSocketMessageKind::Sip;
}

}  // namespace rtcgate::io
