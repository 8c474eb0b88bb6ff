// EventHub's WebSocket endpoint on a real admin server: filters, fan-out, unsubscribe on close,
// and the shared drop counter.
#include <gtest/gtest.h>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

#include "events/EventHub.hpp"
#include "fakes/FakeTimers.hpp"
#include "unit/http/AdminTestServer.hpp"

namespace rtcgate::events {
namespace {

namespace websocket = boost::beast::websocket;

class StreamClient {
 public:
  // The token as a browser sends it: a subprotocol next to the events one.
  StreamClient(std::uint16_t port, const std::string& target, const std::string& token = {}) {
    ws_.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port});
    if (!token.empty()) {
      ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& request) {
        request.set(boost::beast::http::field::sec_websocket_protocol,
                    "rtcgate.events, bearer." + token);
      }));
    }
    ws_.handshake("127.0.0.1", target);
  }
  std::string read() {
    boost::beast::flat_buffer buffer;
    ws_.read(buffer);
    return boost::beast::buffers_to_string(buffer.data());
  }
  void close() { ws_.close(websocket::close_code::normal); }

 private:
  boost::asio::io_context io_;
  websocket::stream<boost::asio::ip::tcp::socket> ws_{io_};
};

// Polls the loop until `done` holds (at most about a second).
bool eventually(http::testing::AdminTestServer& server, const std::function<bool()>& done) {
  for (int i = 0; i < 200; ++i) {
    bool ok = false;
    server.onLoop([&] { ok = done(); });
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(EventStream, FiltersFansOutAndUnsubscribesOnClose) {
  const rtcgate::testing::FakeTimers timers{};  // its wall clock: 2026-01-01T00:00:00Z
  EventHub hub(timers);                         // outlives the server, as in the gateway
  http::testing::AdminTestServer server("tok");
  hub.registerRoutes(server.server());  // before the loop thread starts
  ASSERT_TRUE(server.start());

  StreamClient calls(server.port(), "/api/v1/events?types=call.", "tok");
  StreamClient all(server.port(), "/api/v1/events", "tok");
  ASSERT_TRUE(eventually(server, [&] { return hub.subscriberCount() == 2; }));
  server.onLoop([&] {
    hub.publish("registration.added", R"({"aor":"a@b"})");
    hub.publish("call.incoming", R"({"n":1})");
  });
  EXPECT_EQ(calls.read(), R"({"type":"call.incoming","time":1767225600000,"n":1})");
  EXPECT_EQ(all.read(), R"({"type":"registration.added","time":1767225600000,"aor":"a@b"})");
  EXPECT_EQ(all.read(), R"({"type":"call.incoming","time":1767225600000,"n":1})");

  calls.close();
  EXPECT_TRUE(eventually(server, [&] { return hub.subscriberCount() == 1; }));
}

TEST(EventStream, ASlowClientDropsTheOldestIntoTheSharedCounter) {
  const rtcgate::testing::FakeTimers timers{};
  EventHub hub(timers);
  hub.setQueueCapacity(10);
  http::testing::AdminTestServer server;
  hub.registerRoutes(server.server());  // before the loop thread starts
  ASSERT_TRUE(server.start());
  StreamClient idle(server.port(), "/api/v1/events");
  ASSERT_TRUE(eventually(server, [&] { return hub.subscriberCount() == 1; }));
  const std::string big = "{\"pad\":\"" + std::string(200000, 'x') + "\"}";
  server.onLoop([&] {
    for (int i = 0; i < 50; ++i) hub.publish("call.x", big);
    // One event is being written, 10 wait; the other 39 went oldest first.
    EXPECT_EQ(hub.stats().dropped, 39u);
    EXPECT_EQ(hub.stats().published, 50u);
  });
}

}  // namespace
}  // namespace rtcgate::events
