#include "proxy/SessionTimers.hpp"

#include <algorithm>

#include "sip/DeltaSeconds.hpp"
#include "sip/SessionExpires.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using sip::SipMessage;

namespace {

bool lists(const SipMessage& message, HeaderId header, std::string_view tag) {
  for (const auto value : message.all(header)) {
    if (sip::listsOptionTag(value, tag)) return true;
  }
  return false;
}

bool supportsTimer(const SipMessage& message) {
  return lists(message, HeaderId::Supported, "timer") || lists(message, HeaderId::Require, "timer");
}

std::optional<sip::SessionExpires> sessionExpiresOf(const SipMessage& message) {
  const auto* header = message.find(HeaderId::SessionExpires);
  return header ? sip::SessionExpires::parse(header->value) : std::nullopt;
}

}  // namespace

SessionTimers::SessionTimers(SessionTimerOptions options, Timers& timers, Expired expired)
    : options_(options), timers_(timers), expired_(std::move(expired)) {}

SessionTimers::~SessionTimers() {
  for (const auto& [dialog, timer] : running_) timers_.cancel(timer);
}

// The interval a request may not go below: ours, or the larger Min-SE a proxy or the caller
// before us already asked for (RFC 4028 5).
std::uint32_t SessionTimers::floorFor(const SipMessage& request) const {
  std::uint32_t floor = options_.minSessionExpires;
  if (const auto* minSe = request.find(HeaderId::MinSe)) {
    // Min-SE may carry parameters after its delta-seconds.
    const auto value = sip::parseDeltaSeconds(minSe->value.substr(0, minSe->value.find(';')));
    if (value) floor = std::max(floor, *value);
  }
  return floor;
}

bool SessionTimers::admit(SipMessage& request) const {
  const auto floor = floorFor(request);
  const auto asked = sessionExpiresOf(request);
  if (asked && asked->seconds < options_.minSessionExpires) {
    // RFC 4028 8.1: a 422 only to a caller that understands it; for any other the interval is
    // raised to our minimum instead.
    if (supportsTimer(request)) return false;
    request.setHeader(HeaderId::SessionExpires, std::to_string(floor));
    request.setHeader(HeaderId::MinSe, std::to_string(floor));
    return true;
  }
  if (!asked && options_.sessionExpires != 0 && supportsTimer(request) &&
      request.method() == sip::Method::Invite) {
    request.setHeader(HeaderId::SessionExpires,
                      std::to_string(std::max(options_.sessionExpires, floor)));
  }
  // A Min-SE below ours is raised to it, so that the hops after us do not go below it either.
  if (request.find(HeaderId::SessionExpires) && floor > 0) {
    request.setHeader(HeaderId::MinSe, std::to_string(floor));
  }
  return true;
}

std::uint32_t SessionTimers::negotiated(const SipMessage& request, SipMessage& response) const {
  if (const auto answered = sessionExpiresOf(response)) return answered->seconds;
  // The callee does not do timers. RFC 4028 8.2: a caller that does is told to refresh.
  const auto asked = sessionExpiresOf(request);
  if (!asked || !supportsTimer(request)) return 0;
  response.setHeader(HeaderId::SessionExpires, std::to_string(asked->seconds) + ";refresher=uac");
  response.appendHeader(HeaderId::Require, "timer");
  return asked->seconds;
}

void SessionTimers::refreshed(std::uint64_t dialogId, std::chrono::seconds interval) {
  stop(dialogId);
  running_[dialogId] = timers_.start(interval, [this, dialogId, interval] {
    running_.erase(dialogId);
    expired_(dialogId, interval);
  });
}

void SessionTimers::stop(std::uint64_t dialogId) {
  const auto it = running_.find(dialogId);
  if (it == running_.end()) return;
  timers_.cancel(it->second);
  running_.erase(it);
}

}  // namespace rtcgate::proxy
