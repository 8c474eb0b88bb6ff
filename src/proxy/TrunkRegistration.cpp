#include "proxy/TrunkRegistration.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/SecureRandom.hpp"
#include "proxy/UacRequest.hpp"
#include "sip/DeltaSeconds.hpp"
#include "sip/DigestAnswer.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;

namespace {

// "sip:user@host:port;transport=tcp" -> "sip:host:port;transport=tcp": the registrar's URI
// (RFC 3261 10.2: the Request-URI names the domain of the registrar, without a user).
std::string registrarUri(const sip::SipUri& address) {
  std::string uri(address.schemeName);
  uri.append(":").append(address.host);
  if (address.port != 0) uri += ":" + std::to_string(address.port);
  uri.append(address.params.text());
  return uri;
}

std::string addressOfRecord(const Trunk& trunk, const sip::SipUri& address) {
  return "sip:" + trunk.username + "@" + std::string(address.host);
}

}  // namespace

TrunkRegistration::TrunkRegistration(std::shared_ptr<const Trunk> trunk,
                                     transaction::TransactionLayer& transactions,
                                     const LocalIdentity& identity, const TargetResolver& resolver,
                                     Timers& timers, std::uint64_t transactionTag, Changed changed)
    : trunk_(std::move(trunk)),
      transactions_(transactions),
      identity_(identity),
      resolver_(resolver),
      timers_(timers),
      transactionTag_(transactionTag),
      changed_(std::move(changed)),
      callId_(SecureRandom::hex(12) + "@trunk-" + trunk_->name),
      fromTag_(SecureRandom::hex(6)),
      requested_(trunk_->registerExpires) {}

TrunkRegistration::~TrunkRegistration() {
  *alive_ = false;
  timers_.cancel(timer_);
}

void TrunkRegistration::start() { locateAndSend(); }

// Every attempt looks the registrar up anew: DNS may have moved it, and the cache answers at
// once when it has not.
void TrunkRegistration::locateAndSend() {
  const auto address = sip::parseUri(trunk_->address());
  if (!address) return failed(0, "the trunk's address is not a SIP URI");
  resolver_.resolve(*address,
                    [this, alive = std::weak_ptr<bool>(alive_)](TargetResolver::Resolved found) {
                      if (alive.expired()) return;
                      if (found.flows.empty())
                        return failed(found.status, "cannot reach the registrar: " + found.why);
                      destination_ = found.flows.front();
                      challengesAnswered_ = 0;
                      send(destination_, {});
                    });
}

void TrunkRegistration::send(const sip::Flow& flow, std::string authorization) {
  const auto address = sip::parseUri(trunk_->address());
  const std::string aor = "<" + addressOfRecord(*trunk_, *address) + ">";
  const std::string from = aor + ";tag=" + fromTag_;
  std::string extra = "Contact: <sip:" + trunk_->username + "@" + identity_.hostPortToward(flow) +
                      ";transport=" + std::string(sip::transportParamName(flow.transport)) +
                      ">\r\nExpires: " + std::to_string(requested_.count()) + "\r\n";
  extra += std::move(authorization);
  const auto uri = registrarUri(*address);
  const auto via = identity_.via(flow, transactions_.newBranch());
  auto request = sip::SipMessage::parse(UacRequest{.method = "REGISTER",
                                                   .uri = uri,
                                                   .from = from,
                                                   .to = aor,
                                                   .callId = callId_,
                                                   .cseq = ++cseq_,
                                                   .via = via,
                                                   .extraHeaders = extra}
                                            .write());
  if (!request) return failed(0, "cannot build the REGISTER: " + std::string(request.error()));
  ++status_.attempts;
  auto sent = transactions_.sendRequest(std::move(*request), sendingFlow(flow), transactionTag_);
  if (!sent) return failed(503, "cannot send the REGISTER: " + std::string(sent.error()));
  pending_ = *sent;
}

void TrunkRegistration::onResponse(const sip::SipMessage& response, const sip::Flow& flow) {
  const int status = response.statusCode();
  if (status < 200) return;
  pending_ = 0;
  if (status < 300) return succeeded(response, flow);
  if ((status == 401 || status == 407) && answerChallenge(response)) return;
  if (status == 423) {
    // Interval Too Brief: ask again for at least what the registrar wants.
    const auto* min = response.find(HeaderId::MinExpires);
    const auto wanted = min ? sip::parseDeltaSeconds(min->value) : std::nullopt;
    if (wanted && std::chrono::seconds(*wanted) > requested_) {
      requested_ = std::chrono::seconds(*wanted);
      return send(destination_, {});
    }
  }
  failed(status, std::to_string(status) + " " + std::string(response.reasonPhrase()));
}

// One answer per challenge; a second challenge means the credentials were refused, unless it
// only says our nonce had gone stale.
bool TrunkRegistration::answerChallenge(const sip::SipMessage& response) {
  const auto uri = registrarUri(*sip::parseUri(trunk_->address()));
  auto reply = sip::answerChallenge(response, "REGISTER", uri, trunk_->username, trunk_->password,
                                    challengesAnswered_, nonceCount_ + 1);
  if (!reply) return false;
  ++nonceCount_;
  ++challengesAnswered_;
  send(destination_,
       std::string(sip::canonicalHeaderName(reply->header)) + ": " + reply->value + "\r\n");
  return true;
}

void TrunkRegistration::succeeded(const sip::SipMessage& response, const sip::Flow& flow) {
  const auto granted = grantedExpiry(response);
  const bool wasUp = status_.state == State::Registered;
  status_.state = State::Registered;
  status_.reason.clear();
  status_.lastStatus = response.statusCode();
  status_.granted = granted;
  status_.expires = wallSeconds(timers_.wallNow()) + granted;
  status_.flow = flow;
  retryAfter_ = kFirstRetry;
  // Refreshed well before it runs out: half way for short grants, a minute early for long ones.
  schedule(std::max(granted / 2, granted - std::chrono::seconds(60)));
  if (!wasUp) {
    spdlog::info("trunk {}: registered with {} for {} s", trunk_->name, flow.remote.toString(),
                 granted.count());
    if (changed_) changed_(*trunk_, status_);
  }
}

// The expiry of our own Contact in the 2xx (its expires parameter), else the Expires header,
// else what we asked for.
std::chrono::seconds TrunkRegistration::grantedExpiry(const sip::SipMessage& response) const {
  const std::string user = "sip:" + trunk_->username + "@";
  for (const auto value : response.all(HeaderId::Contact)) {
    const auto contact = sip::parseNameAddr(value);
    if (!contact || contact->uriText.rfind(user, 0) != 0) continue;
    const auto expires = contact->params.get("expires");
    if (const auto seconds = expires ? sip::parseDeltaSeconds(*expires) : std::nullopt) {
      return std::chrono::seconds(std::max<std::uint32_t>(*seconds, 1));
    }
  }
  if (const auto* header = response.find(HeaderId::Expires)) {
    if (const auto seconds = sip::parseDeltaSeconds(header->value); seconds && *seconds > 0) {
      return std::chrono::seconds(*seconds);
    }
  }
  return requested_;
}

void TrunkRegistration::onFailed(int status) {
  pending_ = 0;
  failed(status, status == 408 ? "no answer from the registrar" : "the registrar is unreachable");
}

void TrunkRegistration::failed(int status, std::string reason) {
  const bool wasUp = status_.state == State::Registered;
  const bool first = status_.state == State::Starting;
  status_.state = State::Failed;
  status_.lastStatus = status;
  status_.reason = std::move(reason);
  ++status_.failures;
  spdlog::warn("trunk {}: registration failed: {}; retrying in {} s", trunk_->name, status_.reason,
               retryAfter_.count());
  schedule(retryAfter_);
  retryAfter_ = std::min(retryAfter_ * 2, kMaxRetry);
  if ((wasUp || first) && changed_) changed_(*trunk_, status_);
}

void TrunkRegistration::schedule(std::chrono::seconds after) {
  timers_.cancel(timer_);
  timer_ = timers_.start(after, [this] {
    timer_ = 0;
    locateAndSend();
  });
}

bool TrunkRegistration::cameOver(const sip::Flow& flow) const {
  if (!status_.flow || status_.flow->transport != flow.transport) return false;
  if (sip::isReliable(flow.transport)) return status_.flow->connectionId == flow.connectionId;
  // A carrier's calls may come from another port of the registrar's host than the one that
  // answered: its address is what identifies it.
  return status_.flow->remote.host() == flow.remote.host();
}

}  // namespace rtcgate::proxy
