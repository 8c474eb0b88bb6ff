#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/SocketAddress.hpp"
#include "base/Timers.hpp"
#include "mediacontrol/MediaControl.hpp"
#include "mediacontrol/NgClient.hpp"
#include "ng/RelayTotals.hpp"

namespace rtcgate::mediacontrol {

// Several ng relays (rtcgate relays or RTPEngines) as one MediaControl: a new call goes to the
// live relay with the fewest calls from us, and stays there; a relay that stops answering pings is
// skipped for new calls until it answers again. Requests for a call we did not place (after a
// restart of the signalling process) are sent to every relay, since only the one that has the
// call will act. Each ping that is answered is followed by a `statistics` request whose counters
// are kept, so that /metrics reads them without asking a relay while it scrapes. A relay that
// goes down takes its calls with it: the pool forgets them and tells a CallsLostListener, which
// ends (or moves) them. Runs on the caller's io_context; replies arrive there.
//
// questions() is the same pool for a person waiting (the management API): short timeouts, the
// relay that holds the call, and a silence that marks no relay down (ask() below).
class RelayPool : public MediaControl {
 public:
  struct RelayState {
    SocketAddress address;
    bool alive = true;
    std::size_t calls = 0;
    std::uint64_t failures = 0;
    std::uint64_t callsLost = 0;  // calls it held when it went down
    // From the relay's last `statistics` reply (all zero until one arrived).
    ng::RelayTotals totals;
    bool statisticsKnown = false;
  };
  // Told when a relay goes down (no pong, or an offer timed out) or comes back.
  using HealthListener = std::function<void(const RelayState&)>;
  // Told, after the HealthListener, the Call-IDs a relay held when it went down; the pool has
  // forgotten them, so that a new offer for one of them places it on a live relay.
  using CallsLostListener =
      std::function<void(const RelayState&, const std::vector<std::string>& callIds)>;

  // A relay is down after `misses` pings in a row without a pong (each ping is three tries of
  // 500 ms), or when a request for one of its calls gets no reply at all.
  RelayPool(boost::asio::io_context& io, Timers& timers, std::vector<SocketAddress> relays,
            Duration pingInterval = std::chrono::seconds(5), unsigned misses = 1);
  ~RelayPool() override;

  void request(ng::Value request, Callback done) override;
  // Its relays may be RTPEngines, whose delete replies carry no statistics.
  bool deleteReplyHasStatistics() const override { return false; }
  std::vector<RelayState> relays() const;
  const RelayState& relay(std::size_t index) const { return relays_[index].state; }
  std::size_t size() const { return relays_.size(); }
  // Replies that came from somewhere else than relay `index` (see NgClient::foreignReplies).
  std::uint64_t foreignReplies(std::size_t index) const {
    return relays_[index].client->foreignReplies();
  }
  // A question someone is waiting for (a query, list, statistics): to the relay that holds the
  // call, else to the first relay, with two tries of 300 ms. No reply is only an answer to the
  // question: the pings and the calls' own requests decide whether a relay is down.
  void ask(ng::Value request, Callback done);
  MediaControl& questions() { return questions_; }
  void onHealthChange(HealthListener listener) { healthChanged_ = std::move(listener); }
  void onCallsLost(CallsLostListener listener) { callsLost_ = std::move(listener); }

  // The counters of an ng `statistics` reply (rtpengine's keys, plus rtcgate's own extras).
  static ng::RelayTotals totalsFrom(const ng::Value& reply);

 private:
  struct Relay {
    RelayState state;
    std::unique_ptr<NgClient> client;
    std::unique_ptr<NgClient> quick;  // for ask(): its own timeouts
    unsigned missedPings = 0;         // in a row
  };
  // The pool as a MediaControl whose requests are ask()s.
  class Questions : public MediaControl {
   public:
    explicit Questions(RelayPool& pool) : pool_(pool) {}
    void request(ng::Value request, Callback done) override {
      pool_.ask(std::move(request), std::move(done));
    }
    bool deleteReplyHasStatistics() const override { return false; }

   private:
    RelayPool& pool_;
  };

  int pick(const std::vector<int>& skip) const;
  void place(ng::Value request, Callback done, std::vector<int> tried);
  void send(int index, ng::Value request, Callback done);
  void broadcast(ng::Value request, Callback done);
  void ping();
  void askStatistics(std::size_t index);
  void pinged(std::size_t index, const Reply& reply);
  void setAlive(std::size_t index, bool up, const std::string& why);
  std::vector<std::string> forgetCalls(int index);

  Timers& timers_;
  std::vector<Relay> relays_;
  std::unordered_map<std::string, int> callRelay_;
  Duration pingInterval_;
  unsigned misses_;
  Timers::Id pingTimer_ = 0;
  HealthListener healthChanged_;
  CallsLostListener callsLost_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  Questions questions_{*this};
};

}  // namespace rtcgate::mediacontrol
