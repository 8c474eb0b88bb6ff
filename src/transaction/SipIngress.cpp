#include "transaction/SipIngress.hpp"

#include <spdlog/spdlog.h>

#include "base/LogContext.hpp"
#include "sip/ErrorResponse.hpp"
#include "sip/MessageLimits.hpp"
#include "sip/SipMessage.hpp"
#include "transaction/ReceivedVia.hpp"

namespace rtcgate::transaction {

SipIngress::SipIngress(Timers& timers, SendFunction send, TransactionLayer& layer,
                       RateLimitOptions rateLimit)
    : timers_(timers), send_(std::move(send)), layer_(layer), rateLimiter_(rateLimit) {}

void SipIngress::onMessage(std::string bytes, const sip::Flow& flow) {
  if (!processed_) return dispatch(std::move(bytes), flow);
  const auto started = timers_.now();
  dispatch(std::move(bytes), flow);
  processed_(std::chrono::duration<double>(timers_.now() - started).count());
}

void SipIngress::dispatch(std::string bytes, const sip::Flow& flow) {
  if (spdlog::should_log(spdlog::level::trace)) {
    spdlog::trace("recv {} {} bytes from {}:\n{}", sip::viaTransportName(flow.transport),
                  bytes.size(), flow.remote.toString(), bytes);
  }
  if (!withinLimits(flow, bytes)) return;
  // parse() keeps the buffer; a copy is only needed to answer what fails to parse.
  auto parsed = sip::SipMessage::parse(bytes);
  if (!parsed) return handleUnparseable(bytes, flow, parsed.error());
  auto& message = *parsed;
  // Every line logged while this message is handled names its call (log.format json).
  const LogCallScope logScope(message.callId());
  const auto transport = static_cast<std::size_t>(flow.transport);
  if (message.isResponse()) {
    ++stats_.responsesReceived;
    ++stats_.responsesByClass[sip::statusClassIndex(message.statusCode())][transport];
    layer_.receiveResponse(std::move(message), flow);
    return;
  }
  ++stats_.requestsReceived;
  ++stats_.requestsByMethod[static_cast<std::size_t>(message.method())][transport];
  markReceived(message, flow);
  layer_.receiveRequest(std::move(message), flow);
}

// The per-source rate limit, before any parsing: a flood's excess requests are dropped unanswered
// (an answer would only amplify it). Responses answer our own transactions and pass.
bool SipIngress::withinLimits(const sip::Flow& flow, std::string_view bytes) {
  if (bytes.starts_with("SIP/")) return true;
  const auto now = timers_.now();
  if (rateLimiter_.allow(flow.remote, now)) return true;
  ++stats_.rateLimited;
  if (rateLimitLog_.allow(now)) {
    spdlog::warn("rate limit: dropping requests from {} ({} dropped in all; security.rate_limit)",
                 flow.remote.host(), stats_.rateLimited);
  }
  return false;
}

void SipIngress::handleUnparseable(const std::string& bytes, const sip::Flow& flow,
                                   const char* reason) {
  ++stats_.parseErrors;
  if (sip::isLimitError(reason)) ++stats_.limitRefused;
  auto response = sip::makeErrorResponse(bytes, sip::statusForParseError(reason), reason);
  if (!response) {
    ++stats_.datagramsDropped;
    spdlog::debug("dropped unparseable message from {} ({}): {}", flow.remote.toString(),
                  sip::viaTransportName(flow.transport), reason);
    return;
  }
  ++stats_.badRequestsAnswered;
  spdlog::debug("answered malformed request from {} with {}", flow.remote.toString(), reason);
  send_(flow, *response);
}

}  // namespace rtcgate::transaction
