#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "base/SocketAddress.hpp"
#include "base/Timers.hpp"
#include "mediacontrol/MediaControl.hpp"

namespace rtcgate::mediacontrol {

struct NgClientOptions {
  Duration timeout{1000};  // per try, like Kamailio's rtpengine_tout_ms
  int tries = 5;           // like rtpengine_retr
};

// MediaControl over the ng protocol on UDP, to a remote rtcgate relay or an RTPEngine. Each
// request gets a fresh cookie ("<64 random bits>_<seq>"); a retransmission reuses it, so the server
// replays its cached reply instead of acting twice. Replies are taken only from the server's
// address and port (a reply from anywhere else, even with a pending cookie, is dropped and
// counted: cookies can be sniffed or guessed), then matched by cookie; anything else is dropped.
// Asynchronous on the caller's io_context: `done` runs on that loop's thread. Destroy the client
// only when its io_context no longer runs handlers for it.
class NgClient : public MediaControl {
 public:
  NgClient(boost::asio::io_context& io, Timers& timers, SocketAddress server,
           NgClientOptions options = {});
  ~NgClient() override;
  NgClient(const NgClient&) = delete;
  NgClient& operator=(const NgClient&) = delete;

  void request(ng::Value request, Callback done) override;
  // The relay may be an RTPEngine, whose delete replies carry no statistics.
  bool deleteReplyHasStatistics() const override { return false; }
  // Datagrams dropped because they did not come from the server (forged or misdirected).
  std::uint64_t foreignReplies() const { return foreignReplies_; }

  // Blocking convenience for tools and tests: its own io_context, one request, the reply.
  static Reply requestBlocking(SocketAddress server, ng::Value request,
                               NgClientOptions options = {});

 private:
  struct Pending {
    std::string datagram;
    Callback done;
    int triesLeft = 0;
    Timers::Id timer = 0;
  };

  void send(const std::string& cookie);
  void onTimeout(const std::string& cookie);
  void startReceive();
  void onDatagram(std::size_t length);

  Timers& timers_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::ip::udp::endpoint server_;
  boost::asio::ip::udp::endpoint sender_;
  NgClientOptions options_;
  std::string cookiePrefix_;
  std::uint64_t sequence_ = 0;
  std::uint64_t foreignReplies_ = 0;
  std::unordered_map<std::string, Pending> pending_;
  std::array<char, 65536> buffer_{};
};

}  // namespace rtcgate::mediacontrol
