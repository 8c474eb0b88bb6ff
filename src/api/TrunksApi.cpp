#include "api/TrunksApi.hpp"

#include "http/Json.hpp"

namespace rtcgate::api {

namespace {

const char* stateName(proxy::TrunkRegistration::State state) {
  switch (state) {
    case proxy::TrunkRegistration::State::Registered:
      return "registered";
    case proxy::TrunkRegistration::State::Failed:
      return "failed";
    case proxy::TrunkRegistration::State::Starting:
      break;
  }
  return "starting";
}

void appendTrunk(std::string& out, const proxy::Trunk& trunk,
                 const proxy::TrunkRegistration* registration, proxy::WallSeconds now) {
  out += "{\"name\":";
  http::appendJsonString(out, trunk.name);
  out += ",\"addresses\":[";
  for (std::size_t i = 0; i < trunk.addresses.size(); ++i) {
    if (i > 0) out += ',';
    http::appendJsonString(out, trunk.addresses[i]);
  }
  out += ']';
  out += ",\"from_user\":";
  http::appendJsonString(out, trunk.fromUser);
  out += ",\"sources\":" + std::to_string(trunk.sources.size());
  out += ",\"dids\":[";
  for (std::size_t i = 0; i < trunk.dids.size(); ++i) {
    if (i > 0) out += ',';
    http::appendJsonString(out, trunk.dids[i].first);
  }
  out += "],\"registration\":";
  out += registration ? TrunksApi::registrationJson(trunk, registration->status(), now) : "null";
  out += '}';
}

}  // namespace

std::string TrunksApi::registrationJson(const proxy::Trunk& trunk,
                                        const proxy::TrunkRegistration::Status& status,
                                        proxy::WallSeconds now) {
  std::string out = "{\"trunk\":";
  http::appendJsonString(out, trunk.name);
  out += ",\"state\":\"";
  out += stateName(status.state);
  out += "\",\"reason\":";
  http::appendJsonString(out, status.reason);
  out += ",\"last_status\":" + std::to_string(status.lastStatus);
  const auto left = status.state == proxy::TrunkRegistration::State::Registered
                        ? std::max<std::int64_t>((status.expires - now).count(), 0)
                        : 0;
  out += ",\"expires_in\":" + std::to_string(left);
  out += ",\"registrar\":";
  http::appendJsonString(out, status.flow ? status.flow->remote.toString() : std::string());
  out += ",\"attempts\":" + std::to_string(status.attempts);
  out += ",\"failures\":" + std::to_string(status.failures) + '}';
  return out;
}

std::string TrunksApi::destinationJson(const proxy::DestinationProber::Destination& destination) {
  std::string out = "{\"target\":";
  http::appendJsonString(out, std::string(sip::transportParamName(destination.flow.transport)) +
                                  " " + destination.flow.remote.toString());
  out += ",\"of\":";
  http::appendJsonString(out, destination.label);
  out += destination.up ? ",\"up\":true" : ",\"up\":false";
  out += ",\"last_status\":" + std::to_string(destination.lastStatus);
  out += ",\"misses\":" + std::to_string(destination.misses) + '}';
  return out;
}

void TrunksApi::registerRoutes(http::HttpServer& server) {
  server.add("GET", "/api/v1/trunks", "the trunks and the state of their registrations",
             [this](const http::HttpRequest&) { return list(); });
}

http::HttpReply TrunksApi::list() const {
  const auto& trunks = proxy_.trunks();
  std::string out = "{\"trunks\":[";
  bool first = true;
  for (const auto& trunk : trunks.all()) {
    if (!first) out += ',';
    first = false;
    appendTrunk(out, *trunk, trunks.registrationOf(trunk->name), proxy_.wallNow());
  }
  out += "],\"probed\":[";
  first = true;
  for (const auto& destination : proxy_.prober().destinations()) {
    if (!first) out += ',';
    first = false;
    out += destinationJson(destination);
  }
  out += "]}";
  return http::HttpReply::json(std::move(out));
}

io::Status TrunksApi::declareMetrics(http::MetricsRegistry& metrics) {
  auto probed = metrics.addStatistics(proxy::kProbeStatistics, proxy_.prober().stats());
  if (!probed) return probed;
  probed = metrics.addGauge("rtcgate_probe_destinations_down",
                            "probed trunk destinations down now (skipped by calls)", {},
                            [this] { return static_cast<double>(proxy_.prober().downCount()); });
  if (!probed) return probed;
  for (const auto& trunk : proxy_.trunks().all()) {
    const auto* registration = proxy_.trunks().registrationOf(trunk->name);
    if (registration == nullptr) continue;
    const http::MetricLabels labels{{"trunk", trunk->name}};
    auto status = metrics.addGauge(
        "rtcgate_trunk_registered", "1 while our registration with the trunk holds", labels,
        [registration] {
          return registration->status().state == proxy::TrunkRegistration::State::Registered ? 1.0
                                                                                             : 0.0;
        });
    if (!status) return status;
    status = metrics.addCounter(
        "rtcgate_trunk_register_attempts_total", "REGISTERs sent to the trunk (answers included)",
        labels, [registration] { return static_cast<double>(registration->status().attempts); });
    if (!status) return status;
    status = metrics.addCounter(
        "rtcgate_trunk_register_failures_total",
        "registrations with the trunk that failed (refused, unanswered, unreachable)", labels,
        [registration] { return static_cast<double>(registration->status().failures); });
    if (!status) return status;
  }
  return io::Status::success();
}

}  // namespace rtcgate::api
