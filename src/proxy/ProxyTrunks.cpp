// ProxyCore and trunks: calls from a trunk go to the local users its number maps to (`dids`);
// calls to a trunk carry our caller id for it (`from_user`), and its digest challenges are
// answered with its credentials, so the caller never sees them (RFC 3261 22.3; Kamailio's
// uac_auth, Asterisk's outbound_auth).
#include <spdlog/spdlog.h>

#include "proxy/MessageParts.hpp"
#include "proxy/ProxyCore.hpp"
#include "sip/DigestAnswer.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using sip::Method;
using sip::SipMessage;
using transaction::TransactionId;

namespace {

// The number a trunk's call is for: the Request-URI's user, or the To user when the Request-URI
// names only our Contact (carriers that send to the registered contact keep the number in To).
const std::vector<std::string>* didUsers(const Trunk& trunk, const SipMessage& request,
                                         std::string& number) {
  const auto uri = sip::parseUri(request.requestUri());
  number = uri ? sip::unescapeUriComponent(uri->user) : std::string();
  if (const auto* users = trunk.usersFor(number)) return users;
  const auto* toHeader = request.find(HeaderId::To);
  const auto to = toHeader ? sip::parseNameAddr(toHeader->value) : Result<sip::NameAddr>(Error{""});
  if (!to) return nullptr;
  const auto toUser = sip::unescapeUriComponent(to->uri.user);
  if (const auto* users = trunk.usersFor(toUser)) {
    number = toUser;
    return users;
  }
  return nullptr;
}

}  // namespace

void ProxyCore::startTrunks(TrunkRegistration::Changed registration,
                            DestinationProber::Changed probe) {
  for (const auto& trunk : trunks_.all()) {
    if (trunk->optionsPing.count() == 0) continue;
    for (const auto& address : trunk->addresses) {
      prober_.add("trunk " + trunk->name, address, trunk->optionsPing);
    }
  }
  probeRoutes();
  trunks_.start(std::move(registration));
  prober_.start(std::move(probe));
}

void ProxyCore::setRoutes(StaticRoutes routes) {
  routes_ = std::move(routes);
  prober_.removeProbes("route ");
  probeRoutes();
}

void ProxyCore::probeRoutes() {
  for (const auto& route : routes_.all()) {
    if (route.optionsPing.count() == 0) continue;
    for (const auto& target : route.targets) {
      prober_.add("route " + route.pattern, target, route.optionsPing);
    }
  }
}

void ProxyCore::routeFromTrunk(TransactionId serverTx, SipMessage&& request, const sip::Flow& flow,
                               const Trunk& trunk) {
  if (request.method() == Method::Options) {
    // The carrier's keep-alive toward our registered Contact: answered here.
    auto response = request.makeResponse(200, "OK");
    response.appendHeader(HeaderId::Allow, std::string(kAllowedMethods));
    respond(serverTx, std::move(response));
    return;
  }
  std::string number;
  const auto* users = didUsers(trunk, request, number);
  if (users == nullptr) {
    ++stats_.notFound;
    spdlog::info("{} {} from trunk {}: no DID {} (trunks[].inbound.dids)", request.methodText(),
                 request.callId(), trunk.name, number);
    answer(serverTx, request, 404, "Not Found");
    return;
  }
  std::vector<Target> targets;
  for (const auto& user : *users) {
    auto contacts = locationTargets(aorOf(user, identity_.defaultDomain()));
    std::move(contacts.begin(), contacts.end(), std::back_inserter(targets));
  }
  if (targets.empty()) {
    ++stats_.unavailable;
    spdlog::info("{} {} from trunk {}: no user of DID {} is registered", request.methodText(),
                 request.callId(), trunk.name, number);
    answer(serverTx, request, 480, "Temporarily Unavailable");
    return;
  }
  spdlog::info("{} {} from trunk {}: DID {} rings {} contact(s)", request.methodText(),
               request.callId(), trunk.name, number, targets.size());
  startProxying(serverTx, std::move(request), flow, std::move(targets), false,
                trunk.mediaInterface);
}

// Each side gets back in responses the From / To it wrote (tags are what identify the dialog;
// the caller's user agent need never learn the number it was shown as).
void ProxyCore::restoreCaller(const ProxyTransaction& pt, SipMessage& response) {
  if (const auto* own = pt.request.find(*pt.presented)) {
    response.setHeader(*pt.presented, std::string(own->value));
  }
}

// In a dialog whose caller a trunk knows by its caller id, the caller's requests go with that
// From, and the trunk's reach the caller with the caller's own From as To: the header to rewrite
// and its value, or nullopt for any other request.
std::optional<std::pair<HeaderId, std::string>> ProxyCore::presentedInDialog(
    const SipMessage& request) {
  const Dialog* dialog = dialogOf(request);
  if (dialog == nullptr || dialog->caller.presentedAs.empty() ||
      !dialog->hasTags(request.fromTag(), request.toTag())) {
    return std::nullopt;
  }
  if (request.fromTag() == dialog->caller.tag) {
    return std::pair{HeaderId::From, dialog->caller.presentedAs};
  }
  return std::pair{HeaderId::To, dialog->caller.nameAddr};
}

// The trunk challenged what we sent it: the same request goes again, as a new branch with the
// next CSeq, carrying the answer. One answer per branch, two when the second challenge says only
// that our nonce went stale; a trunk that still refuses gets its caller a 403, never the
// challenge (the caller could not answer it).
bool ProxyCore::answerTrunkChallenge(ProxyTransaction& pt, std::size_t index,
                                     const SipMessage& response) {
  if (pt.cancelled || pt.finalSent) return false;
  auto& branch = pt.branches[index];
  const Trunk& trunk = *branch.trunk;
  auto reply = trunkCredentials(trunk, response, pt.request.methodText(), branch.requestUri,
                                branch.challengesAnswered);
  if (!reply) {
    branchCompleted(pt, index, pt.request.makeResponse(403, "Trunk Authentication Failed"));
    return true;
  }
  Target again;
  again.requestUri = branch.requestUri;
  again.routes = branch.routes;
  again.flow = branch.flow;
  again.trunk = branch.trunk;
  again.dialled = branch.dialled;
  again.failover = std::move(branch.failover);
  again.authorization = std::move(reply->value);
  again.authorizationHeader = reply->header;
  again.challengesAnswered = branch.challengesAnswered + 1;
  // The challenged branch is over (the transaction layer ACKs the 401/407); its answer is not a
  // candidate response.
  branch.state = Branch::State::Completed;
  branch.finalStatus = response.statusCode();
  timers_.cancel(branch.timerC);
  branch.timerC = 0;
  calls_.releaseBranchMedia(pt, index);
  // The trunk has now seen one more request of the caller's: its later ones go up by one.
  ++pt.cseqShift;
  if (Dialog* dialog = dialogOf(pt.request); dialog && pt.request.toTag().empty()) {
    ++dialog->caller.cseqShift;
  }
  forwardBranch(pt, std::move(again));
  return true;
}

// The answer to a trunk's challenge, for a branch we forward or an INVITE we send ourselves
// (CallOriginator), counted either way; a failure is logged here.
Result<sip::ChallengeReply> ProxyCore::trunkCredentials(const Trunk& trunk,
                                                        const SipMessage& response,
                                                        std::string_view method,
                                                        std::string_view uri, int answered) {
  auto reply =
      sip::answerChallenge(response, method, uri, trunk.username, trunk.password, answered);
  if (!reply) {
    ++stats_.trunkAuthFailures;
    spdlog::warn("{} {}: trunk {} answered {} {}: {}", method, response.callId(), trunk.name,
                 response.statusCode(), response.reasonPhrase(), reply.error());
    return reply;
  }
  ++stats_.trunkChallengesAnswered;
  return reply;
}

}  // namespace rtcgate::proxy
