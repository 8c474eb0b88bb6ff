#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/Timers.hpp"
#include "events/Webhook.hpp"
#include "http/EventQueue.hpp"
#include "http/HttpServer.hpp"
#include "http/MetricsRegistry.hpp"
#include "io/Status.hpp"
#include "proxy/Binding.hpp"
#include "proxy/CallObserver.hpp"
#include "proxy/Dialog.hpp"
#include "proxy/LocationService.hpp"

namespace rtcgate::events {

struct EventStats {
  std::uint64_t published = 0;
  std::uint64_t dropped = 0;  // by any subscriber's full queue
};

// The events API (docs/API.md): turns the proxy's registration and call hooks, and whatever else
// the gateway publishes (relay.up/down, error), into JSON events, and fans each one out to the
// WebSocket clients of GET /api/v1/events and to the configured webhooks. Each event is rendered
// once and shared; each subscriber has its own bounded queue, so publishing never waits on a
// client. Runs on the signalling loop.
class EventHub : public proxy::CallObserver {
 public:
  // Hands one event to a subscriber; false when the subscriber is gone (it is then dropped).
  using Deliver = std::function<bool(const http::SharedText&)>;

  // `timers` gives the events' "time" (Timers::wallNow() in Unix milliseconds: receivers compare
  // it with their own clock) and the registrations' and calls' times left and so far.
  explicit EventHub(const Timers& timers);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Becomes the one listener of the location service's event hook (calls: add it as a
  // CallObserver).
  void attach(proxy::LocationService& location);
  void onRegistration(std::string_view event, std::string_view aor, const proxy::Binding& binding);
  void onCallEvent(proxy::CallEvent event, const proxy::Dialog& dialog) override;
  // call.ended goes out here, once the relay's final statistics are in, so that it carries the
  // call's media quality (a relay that does not answer delays it by the ng timeout).
  void onCallRecord(const proxy::Dialog& dialog, const ng::Value* mediaReport) override;
  // call.dtmf: the digit, its duration, who sent it, how it came and how it was delivered.
  void onDtmf(const proxy::Dialog& dialog, const proxy::DtmfDigit& digit) override;
  // call.recording: started or stopped, the file, and why it stopped.
  void onRecording(const proxy::Dialog& dialog, const proxy::RecordingChange& change) override;
  void onTransfer(const proxy::Dialog& dialog, const proxy::TransferUpdate& update) override;
  // Any other event: `fields` is a JSON object whose members are added after type and time, e.g.
  // publish("relay.down", R"({"relay":"udp://10.0.0.2:22222"})"). False (nothing published) when
  // `fields` is not an object.
  bool publish(std::string_view type, std::string_view fields = "{}");

  // Subscribers get the events whose type starts with one of `prefixes` (all when empty).
  std::uint64_t subscribe(std::vector<std::string> prefixes, Deliver deliver);
  void unsubscribe(std::uint64_t id);
  std::size_t subscriberCount() const { return subscribers_.size(); }

  // GET /api/v1/events (WebSocket; ?types=call.,registration. filters by prefix).
  void registerRoutes(http::HttpServer& server);
  // One Webhook per URL; fails (nothing started) on a URL that is not http://.
  io::Status startWebhooks(boost::asio::io_context& io, Timers& timers,
                           const std::vector<std::string>& urls, WebhookOptions options);
  void stopWebhooks();
  // rtcgate_events_published_total, rtcgate_events_dropped_total,
  // rtcgate_events_webhook_failures_total, rtcgate_events_webhook_retries_total,
  // rtcgate_events_subscribers.
  io::Status declareMetrics(http::MetricsRegistry& metrics);

  const EventStats& stats() const { return stats_; }
  std::uint64_t webhookFailures() const;
  std::uint64_t webhookRetries() const;
  std::size_t queueCapacity() const { return queueCapacity_; }
  void setQueueCapacity(std::size_t capacity) { queueCapacity_ = capacity; }

  // "call.,registration." -> {"call.", "registration."}
  static std::vector<std::string> parseTypeFilter(std::string_view text);

 private:
  struct Subscriber {
    std::vector<std::string> prefixes;
    Deliver deliver;
  };

  std::string header(std::string_view type) const;  // `{"type":...,"time":...` without the '}'
  std::string callHeader(std::string_view type, const proxy::Dialog& dialog) const;
  void dispatch(std::string_view type, std::string json);
  bool noSubscribers();
  static bool wants(const Subscriber& subscriber, std::string_view type);

  const Timers& timers_;
  std::map<std::uint64_t, Subscriber> subscribers_;
  std::uint64_t nextId_ = 1;
  std::vector<std::shared_ptr<Webhook>> webhooks_;
  std::size_t queueCapacity_ = http::EventQueue::kDefaultCapacity;
  EventStats stats_;
  bool dispatching_ = false;
};

}  // namespace rtcgate::events
