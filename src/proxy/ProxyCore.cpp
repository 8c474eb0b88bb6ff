#include "proxy/ProxyCore.hpp"

#include <openssl/sha.h>
#include <spdlog/spdlog.h>
#include <strings.h>

#include <algorithm>

#include "proxy/MessageParts.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using sip::Method;
using sip::SipMessage;
using transaction::TransactionId;

ProxyCore::ProxyCore(ProxyOptions options, Timers& timers, transaction::SendFunction send,
                     store::Store& store, LocationService& location, StaticRoutes routes)
    : options_(std::move(options)),
      timers_(timers),
      send_(send),
      store_(store),
      location_(location),
      routes_(std::move(routes)),
      identity_(options_.domains, options_.listeners),
      resolver_(identity_),
      nonces_(timers, NonceManager::Options{options_.nonceLifetime}),
      sipAuthenticator_(nonces_),
      wsAuthenticator_(nonces_),
      registrar_(location_, options_.registrar),
      transactions_(timers, std::move(send), *this, options_.timers),
      trunks_(options_.trunks, transactions_, identity_, resolver_, timers,
              tagOf(TransactionOwner::Trunk)),
      prober_(transactions_, identity_, resolver_, timers, tagOf(TransactionOwner::Probe)),
      calls_(CallManagerOptions{.media = options_.media,
                                .dialogTimeout = options_.dialogTimeout,
                                .mediaTimeout = options_.mediaTimeout,
                                .sweepInterval = options_.dialogSweepInterval,
                                .dtmf = options_.dtmf},
             *this, timers, identity_, transactions_),
      sessionTimers_(options_.sessionTimers, timers,
                     [this](std::uint64_t dialog, std::chrono::seconds interval) {
                       sessionExpired(dialog, interval);
                     }),
      pinger_(
          options_.keepAlive, timers, location_,
          [this](std::string_view aor, const Binding& binding, std::string_view callId) {
            return sendKeepAlive(aor, binding, callId);
          },
          [this](std::string_view aor, const Binding& binding, unsigned missed) {
            keepAliveDropped(aor, binding, missed);
          }),
      originator_(*this, calls_, identity_, timers, transactions_, send_),
      authBans_(options_.authBans),
      dtmfInfo_(calls_.dialogs(), identity_, transactions_, tagOf(TransactionOwner::DtmfInfo),
                stats_.dtmfInfoFailed),
      transfers_(calls_.dialogs(), identity_, transactions_, tagOf(TransactionOwner::Transfer),
                 [this](Dialog& dialog, const TransferUpdate& update) {
                   transferReport(dialog, update);
                 }) {
  sipAuthenticator_.setAlgorithms(options_.authAlgorithmsSip);
  wsAuthenticator_.setAlgorithms(options_.authAlgorithmsWs);
  if (options_.tokenKey) flowTokens_.setKey(*options_.tokenKey);
  pinger_.start();
}

ProxyCore::~ProxyCore() {
  for (auto& [id, pt] : byServerTx_) {
    for (auto& branch : pt->branches) timers_.cancel(branch.timerC);
  }
}

// The global caps: new requests are turned away with 503 while our state is full.
bool ProxyCore::hasRoomFor(TransactionId serverTx, const SipMessage& request) {
  const bool full =
      byServerTx_.size() >= options_.maxTransactions ||
      (request.method() == Method::Invite && calls_.dialogs().size() >= options_.maxDialogs);
  if (!full) return true;
  ++stats_.overloaded;
  refuseForNow(serverTx, request);
  return false;
}

// An unauthenticated source's calls each ring a user and hold relay ports: one address gets a
// bounded share of them, whatever it calls.
bool ProxyCore::admitsStranger(TransactionId serverTx, const SipMessage& request,
                               const sip::Flow& flow) {
  const auto limit = options_.maxStrangerCallsPerSource;
  if (request.method() != Method::Invite || limit == 0) return true;
  if (calls_.dialogs().strangerCalls(flow.remote) < limit) return true;
  ++stats_.strangerCallsRefused;
  if (strangerLimitLog_.allow(timers_.now())) {
    spdlog::warn(
        "INVITE {} from {}: refused, {} unauthenticated calls from that address already "
        "(security.max_unauthenticated_calls_per_source)",
        request.callId(), flow.remote.toString(), limit);
  }
  refuseForNow(serverTx, request);
  return false;
}

void ProxyCore::refuseForNow(TransactionId serverTx, const SipMessage& request) {
  auto response = request.makeResponse(503, "Service Unavailable");
  response.appendHeader("Retry-After", "5");
  respond(serverTx, std::move(response));
}

// ------------------------------------------------------------------ answering

bool ProxyCore::respond(TransactionId serverTx, SipMessage&& response) {
  ++stats_.responsesSentByClass[sip::statusClassIndex(response.statusCode())];
  return transactions_.respond(serverTx, std::move(response));
}

void ProxyCore::answer(TransactionId serverTx, const SipMessage& request, int status,
                       std::string_view reason) {
  respond(serverTx, request.makeResponse(status, reason));
}

// ------------------------------------------------------------------ requests

void ProxyCore::onRequest(TransactionId serverTx, SipMessage&& request, const sip::Flow& flow) {
  if (!checkRequest(serverTx, request)) return;
  auto route = popOurRoutes(request);
  if (!request.toTag().empty()) {
    Dialog* dialog = dialogOf(request);
    if (dialog && dialog->originated) {
      return originator_.onRequest(serverTx, std::move(request), flow, *dialog);
    }
    if (!belongsToDialog(request, flow, route, dialog)) {
      refuseInDialog(serverTx, request, flow, route);
      return;
    }
    if (crossesRenegotiation(request)) return answer(serverTx, request, 491, "Request Pending");
    if (request.method() == Method::Info && dialog != nullptr &&
        takeDtmfInfo(serverTx, request, *dialog)) {
      return;
    }
    if (request.method() == Method::Notify && dialog != nullptr &&
        takeTransferNotify(serverTx, request, *dialog)) {
      return;
    }
    return routeInDialog(serverTx, std::move(request), flow, route);
  }
  if (route.flowConnection) {
    // A flow token routes the requests of a dialog we record-routed; an initial request has
    // none, so a token here was lifted from someone else's Record-Route.
    refuseInDialog(serverTx, request, flow, route);
    return;
  }
  if (request.method() == Method::Register) {
    return handleRegister(serverTx, std::move(request), flow);
  }
  if (!hasRoomFor(serverTx, request)) return;
  routeInitial(serverTx, std::move(request), flow);
}

// An in-dialog request is ours to forward when it carries a Record-Route token we issued for its
// Call-ID (and, for a call we track, the call's tags), or when it is a tracked call's own, with
// its tags, from the side that sent them before (RFC 3261 16.4 and 12.2.2). Nothing else is:
// a stranger who knows a Call-ID or sends a To-tag must neither end a call nor use us as a relay.
bool ProxyCore::belongsToDialog(const SipMessage& request, const sip::Flow& flow,
                                const RouteInfo& route, const Dialog* dialog) const {
  const bool tags = dialog != nullptr && dialog->hasTags(request.fromTag(), request.toTag());
  if (route.dialogToken && !route.badToken) return dialog == nullptr || tags;
  if (!tags) return false;
  const auto& sender =
      request.fromTag() == dialog->caller.tag ? dialog->caller.flow : dialog->callee.flow;
  return sender.sameOrigin(flow);
}

void ProxyCore::refuseInDialog(TransactionId serverTx, const SipMessage& request,
                               const sip::Flow& flow, const RouteInfo& route) {
  ++stats_.inDialogRefused;
  spdlog::info("{} {} from {} {}: refused, {}", request.methodText(), request.callId(),
               sip::viaTransportName(flow.transport), flow.remote.toString(),
               route.badToken     ? "its Route token is not ours for this call"
               : route.poppedOurs ? "no dialog of ours has its tags"
                                  : "no dialog of ours has its tags and it has no Route to us");
  answer(serverTx, request, 481, "Call/Transaction Does Not Exist");
}

// RFC 3261 16.3: the checks before a request may be proxied.
bool ProxyCore::checkRequest(TransactionId serverTx, const SipMessage& request) {
  const auto uri = sip::parseUri(request.requestUri());
  if (!uri || (uri->scheme != sip::UriScheme::Sip && uri->scheme != sip::UriScheme::Sips &&
               uri->scheme != sip::UriScheme::Tel)) {
    answer(serverTx, request, 416, "Unsupported URI Scheme");
    return false;
  }
  if (request.maxForwards() == 0) {
    if (request.method() == Method::Options && identity_.isOurAddress(*uri)) {
      auto response = request.makeResponse(200, "OK");
      response.appendHeader(HeaderId::Allow, std::string(kAllowedMethods));
      respond(serverTx, std::move(response));
      return false;
    }
    ++stats_.tooManyHops;
    answer(serverTx, request, 483, "Too Many Hops");
    return false;
  }
  if (isLoop(request)) {
    ++stats_.loopsDetected;
    answer(serverTx, request, 482, "Loop Detected");
    return false;
  }
  if (const auto* proxyRequire = request.find(HeaderId::ProxyRequire)) {
    auto response = request.makeResponse(420, "Bad Extension");
    response.appendHeader(HeaderId::Unsupported, std::string(proxyRequire->value));
    respond(serverTx, std::move(response));
    return false;
  }
  return true;
}

// The branch we write carries a hash of what identifies the request (RFC 3261 16.6 step 8); the
// same request coming back through us with the same hash is a loop, a changed one a spiral.
std::string ProxyCore::loopHash(const SipMessage& request) const {
  std::string input(request.requestUri());
  input += '|';
  input += request.fromTag();
  input += '|';
  input += request.toTag();
  input += '|';
  input += request.callId();
  input += '|';
  input += std::to_string(request.cseq());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 0; i < 4; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

bool ProxyCore::isLoop(const SipMessage& request) const {
  std::string hash;
  for (const auto& header : request.headers()) {
    if (header.id != HeaderId::Via) continue;
    const auto via = sip::parseVia(header.value);
    if (!via || !identity_.isOurAddress(via->host, via->port)) continue;
    const auto branch = via->branch();
    const auto dot = branch.rfind('.');
    if (dot == std::string_view::npos) continue;
    if (hash.empty()) hash = loopHash(request);
    if (branch.substr(dot + 1) == hash) return true;
  }
  return false;
}

// Loose routing (RFC 3261 16.4): Route entries that name us are ours to take off. A flow token in
// the last of them says which connection the request continues on.
ProxyCore::RouteInfo ProxyCore::popOurRoutes(SipMessage& request) {
  RouteInfo info;
  // A strict router before us put our Record-Route into the Request-URI (RFC 3261 16.4).
  if (const auto uri = sip::parseUri(request.requestUri());
      uri && uri->user.empty() && identity_.isOurAddress(*uri) && uri->hasParam("r2") &&
      request.find(HeaderId::Route)) {
    const auto routes = request.all(HeaderId::Route);
    const auto last = sip::parseNameAddr(routes.back());
    if (last) {
      std::string target(last->uriText);
      if (const auto token = uri->params.get("ftok")) takeToken(info, *token, request.callId());
      request.setRequestUri(std::move(target));
      // Remove the last Route: rebuild the Route list without it.
      std::vector<std::string> keep(routes.begin(), routes.end() - 1);
      request.removeAll(HeaderId::Route);
      for (auto& value : keep) request.appendHeader(HeaderId::Route, std::move(value));
      info.poppedOurs = true;
    }
  }
  while (const auto* top = request.find(HeaderId::Route)) {
    const auto route = sip::parseNameAddr(top->value);
    if (!route || !identity_.isOurAddress(route->uri)) break;
    info.flowConnection.reset();
    if (const auto token = route->uri.params.get("ftok")) {
      takeToken(info, *token, request.callId());
    }
    request.removeFirst(HeaderId::Route);
    info.poppedOurs = true;
  }
  return info;
}

void ProxyCore::takeToken(RouteInfo& info, std::string_view token, std::string_view callId) const {
  const auto connection = flowTokens_.decode(token, callId);
  if (!connection) {
    info.badToken = true;
    return;
  }
  info.dialogToken = true;
  if (*connection != 0) info.flowConnection = *connection;
}

// ------------------------------------------------------------------ registrar and auth

void ProxyCore::handleRegister(TransactionId serverTx, SipMessage&& request,
                               const sip::Flow& flow) {
  const auto uri = sip::parseUri(request.requestUri());
  if (!identity_.isLocalDomain(uri->hostNoBrackets()) && !identity_.isOurAddress(*uri)) {
    ++stats_.relayRefused;
    answer(serverTx, request, 403, "Not Our Domain");
    return;
  }
  const auto* to = request.find(HeaderId::To);
  const auto toAddress = sip::parseNameAddr(to->value);
  if (!toAddress || toAddress->uri.user.empty()) {
    answer(serverTx, request, 404, "Not Found");
    return;
  }
  const auto domain = identity_.isLocalDomain(toAddress->uri.hostNoBrackets())
                          ? toAddress->uri.hostNoBrackets()
                          : std::string_view(identity_.defaultDomain());
  if (options_.auth && !authorize(serverTx, request, flow, true, domain,
                                  sip::unescapeUriComponent(toAddress->uri.user))) {
    return;
  }
  const auto aor = aorOf(toAddress->uri.user, domain);
  const auto previous = previousFlows(aor, flow);
  auto response = registrar_.handle(request, flow, aor, wallNow());
  if (response.statusCode() == 200) {
    ++stats_.registrations;
    if (sip::isWebSocket(flow.transport)) resumeCalls(aor, flow, previous);
  }
  respond(serverTx, std::move(response));
}

// Digest authentication (RFC 3261 22): challenges or refuses and answers the request itself
// when it is not authorized; true when the request may go on.
bool ProxyCore::authorize(TransactionId serverTx, const SipMessage& request, const sip::Flow& flow,
                          bool registrar, std::string_view realm, std::string_view expectedUser) {
  const auto source = flow.remote.host();
  if (authBans_.isBanned(source, timers_.now())) {
    // Refused before any digest work: a banned guesser costs us one lookup.
    answer(serverTx, request, 403, "Forbidden");
    return false;
  }
  auto& authenticator = sip::isWebSocket(flow.transport) ? wsAuthenticator_ : sipAuthenticator_;
  const auto result = authenticator.verify(request, !registrar, realm, store_);
  switch (result.outcome) {
    case AuthOutcome::Authenticated:
      if (result.user != expectedUser) {
        authFailed(flow, source, request, expectedUser, realm, "authenticated as another user");
        answer(serverTx, request, 403, "Identity Mismatch");
        return false;
      }
      return true;
    case AuthOutcome::Malformed:
      ++stats_.authFailures;
      answer(serverTx, request, 400, result.reason);
      return false;
    case AuthOutcome::WrongPassword:
    case AuthOutcome::UnknownUser:
      if (authFailed(flow, source, request, expectedUser, realm, result.reason)) {
        answer(serverTx, request, 403, "Forbidden");
        return false;
      }
      [[fallthrough]];
    case AuthOutcome::NoCredentials:
    case AuthOutcome::StaleNonce:
      ++stats_.authChallenges;
      respond(serverTx,
              authenticator.challenge(request, realm, result.outcome == AuthOutcome::StaleNonce));
      return false;
  }
  return false;
}

// One line per failure, in the form docs/security.md's fail2ban filter matches; true when the
// failure got its source (flow's host) banned.
bool ProxyCore::authFailed(const sip::Flow& flow, const std::string& source,
                           const SipMessage& request, std::string_view user, std::string_view realm,
                           std::string_view why) {
  ++stats_.authFailures;
  spdlog::warn("auth failed: source={} user={} realm={} method={} call-id={} reason={}",
               flow.remote.toString(), user, realm, request.methodText(), request.callId(), why);
  if (!authBans_.recordFailure(source, user, timers_.now())) return false;
  spdlog::warn("auth ban: source={} banned for {} s after failed credentials (user={})", source,
               std::chrono::duration_cast<std::chrono::seconds>(options_.authBans.banTime).count(),
               user);
  return true;
}

// Our realm's credentials are spent once checked: they are not passed downstream (RFC 3261 22.3),
// while credentials for other realms stay for the proxies they belong to.
void ProxyCore::consumeCredentials(SipMessage& request, std::string_view realm) {
  std::vector<std::string> others;
  for (const auto& value : request.all(HeaderId::ProxyAuthorization)) {
    const auto credentials = sip::parseDigestCredentials(value);
    if (!credentials || credentials->realm != realm) others.emplace_back(value);
  }
  request.removeAll(HeaderId::ProxyAuthorization);
  for (auto& value : others) request.appendHeader(HeaderId::ProxyAuthorization, std::move(value));
}

}  // namespace rtcgate::proxy
