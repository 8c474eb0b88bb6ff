// ProxyCore's part in keeping calls and registrations honest: RFC 4028 session timers (a call
// whose refresh never comes is ended) and NAT keep-alive pings (a binding behind NAT whose pings
// go unanswered is dropped). The policies live in SessionTimers and KeepAlivePinger; this is
// their wiring to requests, responses and the wire.
#include <spdlog/spdlog.h>

#include "base/LogContext.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using sip::Method;
using sip::SipMessage;
using transaction::TransactionId;

// ------------------------------------------------------------------ session timers

// RFC 4028 8.1: an INVITE or UPDATE asking for less than our Min-SE gets 422 (or is raised).
bool ProxyCore::admitSessionInterval(TransactionId serverTx, SipMessage& request) {
  if (request.method() != Method::Invite && request.method() != Method::Update) return true;
  if (sessionTimers_.admit(request)) return true;
  ++stats_.sessionIntervalTooSmall;
  const auto* asked = request.find(HeaderId::SessionExpires);
  spdlog::info("{} {}: Session-Expires {} is below our Min-SE {} (calls.min_session_expires): 422",
               request.methodText(), request.callId(), asked ? asked->value : "",
               sessionTimers_.minSeValue());
  auto response = request.makeResponse(422, "Session Interval Too Small");
  response.appendHeader(HeaderId::MinSe, sessionTimers_.minSeValue());
  respond(serverTx, std::move(response));
  return false;
}

// RFC 4028 8.2: every 2xx to an INVITE or UPDATE of a call settles its session interval anew
// (none: the session timer is off) and restarts its count.
void ProxyCore::sessionAnswered(const ProxyTransaction& pt, SipMessage& response) {
  const auto method = pt.request.method();
  if (method != Method::Invite && method != Method::Update) return;
  Dialog* dialog = dialogOf(pt.request);
  if (dialog == nullptr || dialog->originated) return;
  const auto interval = sessionTimers_.negotiated(pt.request, response);
  if (interval == 0) {
    sessionTimers_.stop(dialog->id);
    return;
  }
  sessionTimers_.refreshed(dialog->id, std::chrono::seconds(interval));
}

// RFC 4028 10: the user agents should have refreshed or hung up by now; a proxy acts at expiry.
void ProxyCore::sessionExpired(std::uint64_t dialogId, std::chrono::seconds interval) {
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  if (dialog == nullptr || dialog->state != Dialog::State::Confirmed) return;
  const LogCallScope logScope(dialog->callId);
  ++stats_.sessionsExpired;
  spdlog::info("call {}: session expired, no refresh within {} s (RFC 4028): BYE to both sides",
               dialog->callId, interval.count());
  calls_.hangup(dialogId, "session-expired");
}

// ------------------------------------------------------------------ NAT keep-alives

// One ping: an OPTIONS out of any transaction (no retransmissions; its answer comes back as a
// stray response and is handed to the pinger), or a CRLF when callId is empty.
bool ProxyCore::sendKeepAlive(std::string_view aor, const Binding& binding,
                              std::string_view callId) {
  auto flow = binding.flow;
  flow.connectionId = 0;
  if (callId.empty()) return send_(flow, "\r\n\r\n");
  std::string text = "OPTIONS " + binding.contact + " SIP/2.0\r\n";
  text += "Via: " + identity_.via(flow, transactions_.newBranch()) + "\r\n";
  text += "Max-Forwards: 70\r\n";
  text += "From: <sip:keepalive@" + identity_.defaultDomain() +
          ">;tag=" + std::string(callId.substr(callId.rfind('-') + 1)) + "ka\r\n";
  text += "To: <" + binding.contact + ">\r\n";
  text += "Call-ID: ";
  text.append(callId);
  text += "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  const bool sent = send_(flow, text);
  if (!sent) spdlog::debug("keep-alive to {} ({}) not sent", binding.contact, aor);
  return sent;
}

void ProxyCore::keepAliveDropped(std::string_view aor, const Binding& binding, unsigned missed) {
  spdlog::info(
      "registration of {} at {} (from {}) dropped: {} keep-alive pings unanswered "
      "(nat.keepalive.max_missed)",
      aor, binding.contact, binding.flow.remote.toString(), missed);
}

}  // namespace rtcgate::proxy
