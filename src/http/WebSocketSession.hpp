#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <functional>
#include <memory>
#include <string>

#include "http/EventQueue.hpp"

namespace rtcgate::http {

// A server-side WebSocket that pushes text frames (the events stream): messages from the client
// are read and ignored, pings are answered and sent by Beast, a dead peer times out. Writes go
// through a bounded EventQueue, so a slow reader never holds the loop or unbounded memory. Owned
// by its pending operations; runs on the loop thread.
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  explicit WebSocketSession(boost::beast::tcp_stream stream);

  // Before start(): the backlog bound and the shared drop counter.
  void limitQueue(std::size_t capacity, std::uint64_t* droppedTotal) {
    queue_ = EventQueue(capacity, droppedTotal);
  }
  // Before start(): the subprotocol the 101 names (one the client offered).
  void selectSubprotocol(std::string name) { subprotocol_ = std::move(name); }
  // Called once when the session ends, whoever ends it.
  void onClosed(std::function<void()> callback) { onClosed_ = std::move(callback); }

  // Answers the upgrade `request` (101), then reads and writes until closed.
  void start(Request request);
  // Queues one text frame; false once the session is closed.
  bool send(SharedText text);
  // Sends a close frame (1001 going away) and ends the session; a peer that does not take the
  // frame within a short grace period (it stopped reading) has its connection cut instead.
  void close();
  bool isOpen() const { return state_ != State::Closed; }
  const EventQueue& queue() const { return queue_; }

 private:
  enum class State { Handshake, Open, Closing, Closed };

  void read();
  void writeNext();
  void finish();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer readBuffer_;
  boost::asio::steady_timer closeDeadline_;
  EventQueue queue_;
  SharedText writing_;  // the frame being written, kept alive until the write completes
  std::function<void()> onClosed_;
  std::string subprotocol_;
  State state_ = State::Handshake;
  // close() came while the 101 was still going out: close properly once it has.
  bool closeAfterHandshake_ = false;
};

}  // namespace rtcgate::http
