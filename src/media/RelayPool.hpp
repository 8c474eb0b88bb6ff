#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/SocketAddress.hpp"
#include "base/Timers.hpp"
#include "media/MediaControl.hpp"
#include "media/NgClient.hpp"

namespace rtcgate::media {

// Several ng relays (rtcgate relays or RTPEngines) as one MediaControl: a new call goes to the
// live relay with the fewest calls from us, and stays there; a relay that stops answering pings is
// skipped for new calls until it answers again. Requests for a call we did not place (after a
// restart of the signalling process) are sent to every relay, since only the one that has the
// call will act. Runs on the caller's io_context; replies arrive there.
class RelayPool : public MediaControl {
 public:
  struct RelayState {
    SocketAddress address;
    bool alive = true;
    std::size_t calls = 0;
    std::uint64_t failures = 0;
  };

  RelayPool(boost::asio::io_context& io, Timers& timers, std::vector<SocketAddress> relays,
            Duration pingInterval = std::chrono::seconds(5));
  ~RelayPool() override;

  void request(ng::Value request, Callback done) override;
  std::vector<RelayState> relays() const;

 private:
  struct Relay {
    RelayState state;
    std::unique_ptr<NgClient> client;
  };

  int pick(const std::vector<int>& skip) const;
  void place(ng::Value request, Callback done, std::vector<int> tried);
  void send(int index, ng::Value request, Callback done);
  void broadcast(ng::Value request, Callback done);
  void ping();

  Timers& timers_;
  std::vector<Relay> relays_;
  std::unordered_map<std::string, int> callRelay_;
  Duration pingInterval_;
  Timers::Id pingTimer_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace rtcgate::media
