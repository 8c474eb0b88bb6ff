#include "events/EventHub.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "events/CallJson.hpp"
#include "http/Json.hpp"

namespace rtcgate::events {

namespace {

using http::appendJsonString;

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

EventHub::EventHub(const Timers& timers) : timers_(timers) {}

EventHub::~EventHub() { stopWebhooks(); }

std::vector<std::string> EventHub::parseTypeFilter(std::string_view text) {
  std::vector<std::string> prefixes;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto prefix = trim(text.substr(0, comma));
    if (!prefix.empty()) prefixes.emplace_back(prefix);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return prefixes;
}

void EventHub::attach(proxy::LocationService& location) {
  location.onChange([this](std::string_view event, std::string_view aor,
                           const proxy::Binding& binding) { onRegistration(event, aor, binding); });
}

std::string EventHub::header(std::string_view type) const {
  std::string out = "{\"type\":";
  appendJsonString(out, type);
  out += ",\"time\":";
  out += std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(timers_.wallNow().time_since_epoch())
          .count());
  return out;
}

// An event about a call that names it only: `{"type":...,"time":...,"call":{"id":N,"call_id":...}`.
std::string EventHub::callHeader(std::string_view type, const proxy::Dialog& dialog) const {
  std::string out = header(type);
  out += ",\"call\":{\"id\":" + std::to_string(dialog.id) + ",\"call_id\":";
  appendJsonString(out, dialog.callId);
  out += '}';
  return out;
}

void EventHub::onRegistration(std::string_view event, std::string_view aor,
                              const proxy::Binding& binding) {
  if (noSubscribers()) return;
  const std::string type = "registration." + std::string(event);
  std::string out = header(type);
  out += ",\"aor\":";
  appendJsonString(out, aor);
  out += ",\"contact\":";
  appendJsonString(out, binding.contact);
  out += ",\"transport\":";
  appendJsonString(out, sip::transportParamName(binding.flow.transport));
  out += ",\"source\":";
  appendJsonString(out, binding.flow.remote.toString());
  out += ",\"expires\":";
  const bool gone = event == "removed" || event == "expired";
  out +=
      std::to_string(gone ? 0 : binding.remaining(proxy::wallSeconds(timers_.wallNow())).count());
  out += ",\"user_agent\":";
  appendJsonString(out, binding.userAgent);
  out += '}';
  dispatch(type, std::move(out));
}

void EventHub::onCallEvent(proxy::CallEvent event, const proxy::Dialog& dialog) {
  if (event == proxy::CallEvent::Ended) return;  // onCallRecord's
  if (noSubscribers()) return;
  const std::string type = "call." + std::string(proxy::callEventName(event));
  std::string out = header(type);
  out += ",\"call\":";
  out += callJson(dialog, nullptr, timers_.wallNow());
  out += '}';
  dispatch(type, std::move(out));
}

void EventHub::onCallRecord(const proxy::Dialog& dialog, const ng::Value* mediaReport) {
  if (noSubscribers()) return;
  const std::string type = "call.ended";
  std::string out = header(type);
  out += ",\"call\":";
  out += callJson(dialog, mediaReport, timers_.wallNow());
  out += ",\"reason\":";
  appendJsonString(out, dialog.endReason);
  out += ",\"code\":";
  out += std::to_string(dialog.endCode);
  out += '}';
  dispatch(type, std::move(out));
}

void EventHub::onDtmf(const proxy::Dialog& dialog, const proxy::DtmfDigit& digit) {
  if (noSubscribers()) return;
  const std::string type = "call.dtmf";
  std::string out = callHeader(type, dialog);
  out += ",\"digit\":";
  appendJsonString(out, std::string_view(&digit.digit, 1));
  out += ",\"duration_ms\":" + std::to_string(digit.durationMs);
  if (digit.volume >= 0) out += ",\"volume\":" + std::to_string(digit.volume);
  out += std::string(",\"direction\":\"") + (digit.fromCaller ? "from_caller" : "from_callee");
  out += "\",\"source\":\"";
  out += proxy::DtmfDigit::sourceName(digit.source);
  out += "\",\"delivered_as\":\"";
  out += proxy::DtmfDigit::deliveryName(digit.delivery);
  out += "\"}";
  dispatch(type, std::move(out));
}

void EventHub::onRecording(const proxy::Dialog& dialog, const proxy::RecordingChange& change) {
  if (noSubscribers()) return;
  const std::string type = "call.recording";
  std::string out = callHeader(type, dialog);
  out += std::string(",\"state\":\"") + (change.started ? "started" : "stopped") + "\",\"file\":";
  appendJsonString(out, change.file);
  if (!change.started) {
    out += ",\"reason\":";
    appendJsonString(out, change.reason);
    out += ",\"dropped\":" + std::to_string(change.dropped);
  }
  out += '}';
  dispatch(type, std::move(out));
}

void EventHub::onTransfer(const proxy::Dialog& dialog, const proxy::TransferUpdate& update) {
  if (noSubscribers()) return;
  const std::string type = "call.transfer";
  std::string out = callHeader(type, dialog);
  out += ",\"state\":\"";
  out += proxy::TransferUpdate::stateName(update.state);
  out += "\",\"target\":";
  appendJsonString(out, update.target);
  out +=
      std::string(",\"transferee\":\"") + (update.transfereeIsCaller ? "caller" : "callee") + "\"";
  if (update.replaces != 0) out += ",\"replaces\":" + std::to_string(update.replaces);
  if (update.status != 0) out += ",\"status\":" + std::to_string(update.status);
  if (!update.reason.empty()) {
    out += ",\"reason\":";
    appendJsonString(out, update.reason);
  }
  out += '}';
  dispatch(type, std::move(out));
}

bool EventHub::publish(std::string_view type, std::string_view fields) {
  fields = trim(fields);
  if (fields.size() < 2 || fields.front() != '{' || fields.back() != '}') return false;
  if (noSubscribers()) return true;
  std::string out = header(type);
  const auto members = trim(fields.substr(1, fields.size() - 2));
  if (!members.empty()) {
    out += ',';
    out += members;
  }
  out += '}';
  dispatch(type, std::move(out));
  return true;
}

// Nobody listens: the event counts as published but is not even rendered.
bool EventHub::noSubscribers() {
  if (!subscribers_.empty()) return false;
  ++stats_.published;
  return true;
}

bool EventHub::wants(const Subscriber& subscriber, std::string_view type) {
  if (subscriber.prefixes.empty()) return true;
  for (const auto& prefix : subscriber.prefixes) {
    if (type.starts_with(prefix)) return true;
  }
  return false;
}

void EventHub::dispatch(std::string_view type, std::string json) {
  ++stats_.published;
  const auto shared = std::make_shared<const std::string>(std::move(json));
  dispatching_ = true;
  for (auto& [id, subscriber] : subscribers_) {
    if (subscriber.deliver && wants(subscriber, type) && !subscriber.deliver(shared)) {
      subscriber.deliver = nullptr;
    }
  }
  dispatching_ = false;
  std::erase_if(subscribers_, [](const auto& entry) { return !entry.second.deliver; });
}

std::uint64_t EventHub::subscribe(std::vector<std::string> prefixes, Deliver deliver) {
  const auto id = nextId_++;
  subscribers_.emplace(id, Subscriber{std::move(prefixes), std::move(deliver)});
  return id;
}

void EventHub::unsubscribe(std::uint64_t id) {
  const auto found = subscribers_.find(id);
  if (found == subscribers_.end()) return;
  // Inside dispatch() the map is being walked: mark now, erase when the walk is over.
  if (dispatching_) {
    found->second.deliver = nullptr;
  } else {
    subscribers_.erase(found);
  }
}

void EventHub::registerRoutes(http::HttpServer& server) {
  server.addWebSocket("/api/v1/events", "live events: registrations, calls, relay, errors",
                      [this](const std::shared_ptr<http::WebSocketSession>& session,
                             const http::RequestTarget& target) {
                        session->limitQueue(queueCapacity_, &stats_.dropped);
                        const auto types = target.query.find("types");
                        std::weak_ptr<http::WebSocketSession> weak = session;
                        const auto id =
                            subscribe(types == target.query.end() ? std::vector<std::string>{}
                                                                  : parseTypeFilter(types->second),
                                      [weak](const http::SharedText& event) {
                                        auto alive = weak.lock();
                                        return alive && alive->send(event);
                                      });
                        session->onClosed([this, id] { unsubscribe(id); });
                      });
}

io::Status EventHub::startWebhooks(boost::asio::io_context& io, Timers& timers,
                                   const std::vector<std::string>& urls, WebhookOptions options) {
  std::vector<std::shared_ptr<Webhook>> hooks;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    auto url = WebhookUrl::parse(urls[i]);
    if (!url) {
      return io::Status::failure("events.webhooks[" + std::to_string(i) + "]: " + urls[i] + ": " +
                                 url.error());
    }
    options.queueCapacity = queueCapacity_;
    hooks.push_back(
        std::make_shared<Webhook>(io, timers, std::move(*url), options, &stats_.dropped));
  }
  for (auto& hook : hooks) {
    subscribe({}, [hook](const http::SharedText& event) {
      hook->post(event);
      return true;
    });
    webhooks_.push_back(std::move(hook));
  }
  if (!urls.empty())
    spdlog::info("events: {} webhook(s), {} retries", urls.size(), options.retries);
  return io::Status::success();
}

void EventHub::stopWebhooks() {
  for (auto& hook : webhooks_) hook->stop();
}

std::uint64_t EventHub::webhookFailures() const {
  std::uint64_t total = 0;
  for (const auto& hook : webhooks_) total += hook->stats().failures;
  return total;
}

std::uint64_t EventHub::webhookRetries() const {
  std::uint64_t total = 0;
  for (const auto& hook : webhooks_) total += hook->stats().retries;
  return total;
}

io::Status EventHub::declareMetrics(http::MetricsRegistry& metrics) {
  for (auto status : {
           metrics.addCounter("rtcgate_events_published_total", "Events published", {},
                              &stats_.published),
           metrics.addCounter("rtcgate_events_dropped_total",
                              "Events dropped from a full subscriber queue (oldest first)", {},
                              &stats_.dropped),
           metrics.addCounter("rtcgate_events_webhook_failures_total",
                              "Events a webhook gave up on after its last retry", {},
                              [this] { return static_cast<double>(webhookFailures()); }),
           metrics.addCounter("rtcgate_events_webhook_retries_total",
                              "Webhook POST attempts that failed and were retried", {},
                              [this] { return static_cast<double>(webhookRetries()); }),
           metrics.addGauge("rtcgate_events_subscribers",
                            "WebSocket clients and webhooks receiving events", {},
                            [this] { return static_cast<double>(subscribers_.size()); }),
       }) {
    if (!status) return status;
  }
  return io::Status::success();
}

}  // namespace rtcgate::events
