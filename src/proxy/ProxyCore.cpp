#include "proxy/ProxyCore.hpp"

#include <openssl/sha.h>
#include <spdlog/spdlog.h>
#include <strings.h>

#include <algorithm>

#include "base/LogContext.hpp"
#include "proxy/NatHelper.hpp"
#include "sip/ErrorResponse.hpp"
#include "sip/MessageLimits.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using sip::Method;
using sip::SipMessage;
using transaction::TransactionId;

namespace {

constexpr std::string_view kAllow =
    "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE, PRACK, SUBSCRIBE, NOTIFY, REFER, "
    "MESSAGE";
constexpr int kDefaultMaxForwards = 70;

// Requests that create a dialog: the proxy stays on their path (Record-Route, RFC 3261 16.6.4).
bool createsDialog(Method method) {
  return method == Method::Invite || method == Method::Subscribe || method == Method::Refer ||
         method == Method::Notify;
}

std::string aorOf(std::string_view user, std::string_view domain) {
  std::string aor = sip::unescapeUriComponent(user);
  aor += '@';
  aor.append(domain);
  std::transform(aor.begin() + static_cast<std::ptrdiff_t>(aor.size() - domain.size()), aor.end(),
                 aor.begin() + static_cast<std::ptrdiff_t>(aor.size() - domain.size()),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return aor;
}

}  // namespace

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
      mediaPolicy_(options_.media),
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
      authBans_(options_.authBans),
      rateLimiter_(options_.rateLimit) {
  sipAuthenticator_.setAlgorithms(options_.authAlgorithmsSip);
  wsAuthenticator_.setAlgorithms(options_.authAlgorithmsWs);
  if (options_.tokenKey) flowTokens_.setKey(*options_.tokenKey);
  pinger_.start();
}

ProxyCore::~ProxyCore() {
  if (dialogSweep_) timers_.cancel(dialogSweep_);
  for (auto& [id, pt] : byServerTx_) {
    for (auto& branch : pt->branches) timers_.cancel(branch.timerC);
  }
  for (auto& [id, call] : originated_) timers_.cancel(call.ringTimer);
}

// ------------------------------------------------------------------ entry points

void ProxyCore::onMessage(std::string bytes, const sip::Flow& flow) {
  if (!processed_) return dispatch(std::move(bytes), flow);
  const auto started = timers_.now();
  dispatch(std::move(bytes), flow);
  processed_(std::chrono::duration<double>(timers_.now() - started).count());
}

void ProxyCore::dispatch(std::string bytes, const sip::Flow& flow) {
  if (spdlog::should_log(spdlog::level::trace)) {
    spdlog::trace("recv {} {} bytes from {}:\n{}", sip::viaTransportName(flow.transport),
                  bytes.size(), flow.remote.toString(), bytes);
  }
  if (!withinLimits(flow, bytes)) return;
  // parse() keeps the buffer; a copy is only needed to answer what fails to parse.
  auto parsed = SipMessage::parse(bytes);
  if (!parsed) return handleUnparseable(bytes, flow, parsed.error());
  auto& message = *parsed;
  // Every line logged while this message is handled names its call (log.format json).
  const LogCallScope logScope(message.callId());
  const auto transport = static_cast<std::size_t>(flow.transport);
  if (message.isResponse()) {
    ++stats_.responsesReceived;
    ++stats_.responsesByClass[ProxyStats::classIndex(message.statusCode())][transport];
    transactions_.receiveResponse(std::move(message), flow);
    return;
  }
  ++stats_.requestsReceived;
  ++stats_.requestsByMethod[static_cast<std::size_t>(message.method())][transport];
  markReceived(message, flow);
  transactions_.receiveRequest(std::move(message), flow);
}

// The per-source rate limit, before any parsing: a flood's excess requests are dropped unanswered
// (an answer would only amplify it). Responses answer our own transactions and pass.
bool ProxyCore::withinLimits(const sip::Flow& flow, std::string_view bytes) {
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

// The global caps: new requests are turned away with 503 while our state is full.
bool ProxyCore::hasRoomFor(TransactionId serverTx, const SipMessage& request) {
  const bool full = byServerTx_.size() >= options_.maxTransactions ||
                    (request.method() == Method::Invite && dialogs_.size() >= options_.maxDialogs);
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
  if (dialogs_.strangerCalls(flow.remote) < limit) return true;
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

void ProxyCore::handleUnparseable(const std::string& bytes, const sip::Flow& flow,
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

// ------------------------------------------------------------------ answering

bool ProxyCore::respond(TransactionId serverTx, SipMessage&& response) {
  ++stats_.responsesSentByClass[ProxyStats::classIndex(response.statusCode())];
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
      return handleOriginatedRequest(serverTx, std::move(request), flow, *dialog);
    }
    if (!belongsToDialog(request, flow, route, dialog)) {
      refuseInDialog(serverTx, request, flow, route);
      return;
    }
    if (crossesRelayMove(request)) return answer(serverTx, request, 491, "Request Pending");
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
      response.appendHeader(HeaderId::Allow, std::string(kAllow));
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

// ------------------------------------------------------------------ routing decisions

void ProxyCore::routeInDialog(TransactionId serverTx, SipMessage&& request, const sip::Flow& flow,
                              const RouteInfo& route) {
  const char* why = "";
  auto target = nextHopTarget(request, route, why);
  if (!target) {
    if (!route.poppedOurs && request.find(HeaderId::Route) == nullptr) {
      // An in-dialog request addressed to us that we never record-routed.
      answer(serverTx, request, 481, "Call/Transaction Does Not Exist");
      return;
    }
    spdlog::info("{} {}: next hop unreachable: {}", request.methodText(), request.callId(), why);
    answer(serverTx, request, 480, "Temporarily Unavailable");
    // A BYE ends its dialog whatever its answer (RFC 3261 15.1.1): so it does here.
    Dialog* dialog = dialogOf(request);
    if (request.method() == Method::Bye && dialog != nullptr &&
        dialog->hasTags(request.fromTag(), request.toTag())) {
      endDialog(*dialog, request.fromTag() == dialog->caller.tag ? "caller-bye" : "callee-bye",
                200);
    }
    return;
  }
  std::vector<Target> targets;
  targets.push_back(std::move(*target));
  startProxying(serverTx, std::move(request), flow, std::move(targets));
}

// Where a request goes when its route is already decided: over the connection a flow token
// named, to the top Route, or to the Request-URI (for a registered contact: over its flow).
std::optional<ProxyCore::Target> ProxyCore::nextHopTarget(const SipMessage& request,
                                                          const RouteInfo& route,
                                                          const char*& why) const {
  Target target;
  target.requestUri = std::string(request.requestUri());
  if (const auto* top = request.find(HeaderId::Route)) {
    const auto next = sip::parseNameAddr(top->value);
    if (!next) {
      why = "bad Route header";
      return std::nullopt;
    }
    auto flow = resolver_.resolve(next->uri, why);
    if (!flow) return std::nullopt;
    target.flow = *flow;
    return target;
  }
  if (route.flowConnection) {
    // The token names the connection its side was on when the call began. A side that moved
    // since (its connection closed, or its browser came back on another) is where the call
    // says; otherwise the transports know the connection's transport and peer.
    auto flow = dialogFlowToward(request, *route.flowConnection);
    if (!flow && connectionFlow_) flow = connectionFlow_(*route.flowConnection);
    if (!flow) {
      why = "the connection of the flow token is closed";
      return std::nullopt;
    }
    target.flow = *flow;
    return target;
  }
  const auto uri = sip::parseUri(request.requestUri());
  if (!uri) {
    why = "bad Request-URI";
    return std::nullopt;
  }
  auto flow = resolver_.resolve(*uri, why);
  if (!flow) return std::nullopt;
  target.flow = *flow;
  return target;
}

void ProxyCore::routeInitial(TransactionId serverTx, SipMessage&& request, const sip::Flow& flow) {
  const auto uri = sip::parseUri(request.requestUri());
  const auto host = uri->hostNoBrackets();
  const bool toUs = identity_.isOurAddress(*uri);
  const bool localTarget = identity_.isLocalDomain(host) || (toUs && !uri->user.empty());

  if (toUs && uri->user.empty()) {
    // Addressed to the proxy itself.
    if (request.method() == Method::Options) {
      auto response = request.makeResponse(200, "OK");
      response.appendHeader(HeaderId::Allow, std::string(kAllow));
      response.appendHeader(HeaderId::Supported, "outbound, path");
      respond(serverTx, std::move(response));
    } else {
      answer(serverTx, request, 404, "Not Found");
    }
    return;
  }

  // Requests that claim to be from one of our users -- by our domain or by one of our addresses
  // -- are authenticated (407), whatever address they come from (ours included: UDP sources can
  // be forged). CANCEL and ACK cannot be challenged and never reach here.
  bool authenticated = false;
  const auto from = sip::parseNameAddr(request.find(HeaderId::From)->value);
  const bool fromLocalUser =
      from && (identity_.isLocalDomain(from->uri.hostNoBrackets()) ||
               (identity_.isOurHost(from->uri.hostNoBrackets()) && !from->uri.user.empty()));
  if (options_.auth && fromLocalUser) {
    const std::string realm = identity_.isLocalDomain(from->uri.hostNoBrackets())
                                  ? std::string(from->uri.hostNoBrackets())
                                  : identity_.defaultDomain();
    if (!authorize(serverTx, request, flow, false, realm,
                   sip::unescapeUriComponent(from->uri.user))) {
      return;
    }
    consumeCredentials(request, realm);
    authenticated = true;
  }
  const bool trusted = authenticated || !options_.auth;

  // A preloaded Route set (RFC 3261 16.6 step 7) leads wherever its caller wants: followed only
  // where the operator allows direct targets, and for callers we trust.
  if (request.find(HeaderId::Route)) {
    if (!trusted || !options_.allowDirectUri) {
      ++stats_.relayRefused;
      spdlog::info("{} {} from {}: refused, a preloaded Route leads elsewhere",
                   request.methodText(), request.callId(), flow.remote.toString());
      answer(serverTx, request, 403, "Relaying Denied");
      return;
    }
    return routeInDialog(serverTx, std::move(request), flow, RouteInfo{});
  }

  if (localTarget) {
    const auto domain = identity_.isLocalDomain(host) ? host : identity_.defaultDomain();
    const auto aor = aorOf(uri->user, domain);
    auto targets = locationTargets(aor);
    if (!targets.empty()) {
      if (!trusted && !admitsStranger(serverTx, request, flow)) return;
      return startProxying(serverTx, std::move(request), flow, std::move(targets), !trusted);
    }
    // A stranger's request is never matched against the route patterns.
    const auto* route = trusted ? routes_.find(sip::unescapeUriComponent(uri->user)) : nullptr;
    if (route != nullptr) {
      if (followRoute(serverTx, request, flow, *route, uri->user)) return;
    }
    // Strangers get the same answer whether the user exists or not (no enumeration).
    bool exists = false;
    if (trusted) {
      const auto known = store_.findSubscriber(sip::unescapeUriComponent(uri->user), domain);
      exists = known && known->has_value();
    }
    if (!trusted || exists) {
      ++stats_.unavailable;
      answer(serverTx, request, 480, "Temporarily Unavailable");
    } else {
      ++stats_.notFound;
      answer(serverTx, request, 404, "Not Found");
    }
    return;
  }

  // Not ours: only for a caller we know (no open relay).
  if (!trusted) {
    ++stats_.relayRefused;
    answer(serverTx, request, 403, "Relaying Denied");
    return;
  }
  const char* why = "";
  if (const auto* route = routes_.find(sip::unescapeUriComponent(uri->user))) {
    if (followRoute(serverTx, request, flow, *route, uri->user)) return;
  }
  // Anything else is a number or address of the caller's choosing (toll fraud): only where the
  // operator allows it.
  if (!options_.allowDirectUri) {
    ++stats_.directUriRefused;
    spdlog::info("{} {} from {}: refused, no route matches {} (sip.allow_direct_uri is off)",
                 request.methodText(), request.callId(), flow.remote.toString(),
                 request.requestUri());
    answer(serverTx, request, 403, "No Route To That Target");
    return;
  }
  auto direct = resolver_.resolve(*uri, why);
  if (!direct) {
    ++stats_.notFound;
    spdlog::info("{} {}: cannot route to {}: {}", request.methodText(), request.callId(),
                 request.requestUri(), why);
    answer(serverTx, request, 404, "Not Found");
    return;
  }
  Target target{std::string(request.requestUri()), *direct, {}, {}};
  startProxying(serverTx, std::move(request), flow, {std::move(target)});
}

// Sends the request along a static route: its first target, the others kept for failover. A
// target that is this gateway itself would only loop (its requests come back unauthenticated, as
// any request from our own address does): 482 at once. False when no target could be used.
bool ProxyCore::followRoute(TransactionId serverTx, SipMessage& request, const sip::Flow& flow,
                            const std::vector<std::string>& route, std::string_view user) {
  const char* why = "";
  auto first = uriTarget(route.front(), user, why);
  if (!first) return false;
  if (identity_.isOurAddress(first->flow.remote.host(), first->flow.remote.port())) {
    ++stats_.loopsDetected;
    spdlog::warn("{} {}: the route for {} leads back to this gateway", request.methodText(),
                 request.callId(), user);
    answer(serverTx, request, 482, "Loop Detected");
    return true;
  }
  first->failover.assign(route.begin() + 1, route.end());
  startProxying(serverTx, std::move(request), flow, {std::move(*first)});
  return true;
}

std::vector<ProxyCore::Target> ProxyCore::locationTargets(std::string_view aor) const {
  std::vector<Target> targets;
  for (auto& binding : location_.lookup(aor, wallNow())) {
    Target target;
    target.requestUri = binding.contact;
    target.flow = binding.flow;
    if (!sip::isReliable(binding.flow.transport)) target.flow.connectionId = 0;
    if (!binding.path.empty()) target.routes.push_back(binding.path);
    targets.push_back(std::move(target));
  }
  return targets;
}

// A static route target: the Request-URI keeps its user and takes the target's host, port and
// parameters (what a PBX or trunk expects, like Kamailio's ds_select_domain).
std::optional<ProxyCore::Target> ProxyCore::uriTarget(const std::string& uri, std::string_view user,
                                                      const char*& why) const {
  const auto parsed = sip::parseUri(uri);
  if (!parsed) {
    why = "bad route target";
    return std::nullopt;
  }
  auto flow = resolver_.resolve(*parsed, why);
  if (!flow) return std::nullopt;
  Target target;
  target.flow = *flow;
  target.requestUri = std::string(parsed->schemeName) + ":";
  if (!user.empty()) target.requestUri.append(user).append("@");
  target.requestUri.append(parsed->host);
  if (parsed->port) target.requestUri += ":" + std::to_string(parsed->port);
  target.requestUri.append(parsed->params.text());
  return target;
}

// ------------------------------------------------------------------ forwarding

void ProxyCore::startProxying(TransactionId serverTx, SipMessage&& request, const sip::Flow& flow,
                              std::vector<Target> targets, bool fromStranger) {
  if (!admitSessionInterval(serverTx, request)) return;
  auto owned = std::make_unique<ProxyTransaction>(std::move(request));
  auto& pt = *owned;
  pt.serverTx = serverTx;
  pt.source = flow;
  pt.fromStranger = fromStranger;
  byServerTx_.emplace(serverTx, std::move(owned));
  // Before trackRequest: a BYE ends its dialog there.
  if (!pt.request.toTag().empty()) pt.cseqShift = cseqShiftOf(pt.request);
  trackRequest(pt);
  planMedia(pt);
  for (auto& target : targets) forwardBranch(pt, std::move(target));
  if (pt.allBranchesCompleted() && !pt.finalSent) sendBestResponse(pt);
}

bool ProxyCore::forwardBranch(ProxyTransaction& pt, Target target) {
  if (target.requestUri.empty()) target.requestUri = std::string(pt.request.requestUri());
  const auto branchId = transactions_.newBranch() + "." + loopHash(pt.request);
  auto request = prepareForward(pt, target, branchId);
  pt.branches.push_back({});
  const auto index = pt.branches.size() - 1;
  auto& branch = pt.branches[index];
  branch.failover = std::move(target.failover);
  branch.flow = target.flow;
  branch.viaBranch = branchId;
  branch.anchored = anchorsBranch(pt, target, branch.leg);
  ++stats_.forwardedRequests;
  if (branch.anchored && pt.mediaRole == ProxyTransaction::MediaRole::Offer) {
    offerBranch(pt, index, std::move(request), target.flow);
    return true;
  }
  return sendBranch(pt, index, std::move(request), target.flow);
}

// false when the transport refused it: the branch is then completed with a 503 (the caller sends
// the final response once every branch is done).
bool ProxyCore::sendBranch(ProxyTransaction& pt, std::size_t index, SipMessage&& request,
                           const sip::Flow& flow) {
  auto started = transactions_.sendRequest(std::move(request), flow);
  if (!started) {
    spdlog::info("{} {}: could not send to {}: {}", pt.request.methodText(), pt.request.callId(),
                 flow.remote.toString(), started.error());
    releaseBranchMedia(pt, index);
    pt.branches[index].state = Branch::State::Completed;
    pt.branches[index].finalStatus = 503;
    pt.selector.offer(503);
    return false;
  }
  pt.branches[index].clientTx = *started;
  clientToServer_[*started] = pt.serverTx;
  if (pt.request.method() == Method::Invite) startTimerC(pt, index);
  return true;
}

SipMessage ProxyCore::prepareForward(const ProxyTransaction& pt, const Target& target,
                                     const std::string& branch) const {
  auto request = pt.request.clone();
  request.setRequestUri(target.requestUri);
  const int hops = request.maxForwards() < 0 ? kDefaultMaxForwards : request.maxForwards() - 1;
  request.setHeader(HeaderId::MaxForwards, std::to_string(hops));
  // Routes to add go in front of whatever Route set remains (Path, static route target).
  for (auto it = target.routes.rbegin(); it != target.routes.rend(); ++it) {
    request.prependHeader(HeaderId::Route, *it);
  }
  if (createsDialog(request.method()) && request.toTag().empty()) {
    addRecordRoute(request, pt.source, target.flow);
  }
  if (pt.cseqShift != 0) renumber(request, request.cseq() + pt.cseqShift);
  request.prependHeader(HeaderId::Via, viaFor(target.flow, branch));
  return request;
}

// Record-Route (RFC 3261 16.6 step 4). When the two sides use different transports, or either
// side is a connection (WebSocket, TCP, TLS), we record two entries, one facing each side, each
// with the token of its side's connection: in-dialog requests from either end then leave over
// the right transport and connection (RFC 5658 double Record-Route, RFC 7118).
void ProxyCore::addRecordRoute(SipMessage& request, const sip::Flow& in,
                               const sip::Flow& out) const {
  const bool connections = sip::isReliable(in.transport) || sip::isReliable(out.transport);
  const std::string callId(request.callId());
  if (in.transport == out.transport && !connections && in.local == out.local) {
    request.prependHeader(HeaderId::RecordRoute, "<" + recordRouteUri(out, callId) + ">");
    return;
  }
  request.prependHeader(HeaderId::RecordRoute, "<" + recordRouteUri(in, callId) + ";r2=on>");
  request.prependHeader(HeaderId::RecordRoute, "<" + recordRouteUri(out, callId) + ";r2=on>");
}

// Every Record-Route we write carries a token for its Call-ID (naming the side's connection, if
// any): the dialog's requests prove with it that we record-routed them.
std::string ProxyCore::recordRouteUri(const sip::Flow& flow, std::string_view callId) const {
  const auto* listener = identity_.listenerFor(flow.transport, flow.remote.isV6());
  std::string uri = "sip:";
  uri += listener ? LocalIdentity::hostPort(*listener) : flow.local.toString();
  uri += ";transport=";
  uri += sip::transportParamName(flow.transport);
  uri += ";lr";
  const auto connection = sip::isReliable(flow.transport) ? flow.connectionId : 0;
  uri += ";ftok=" + flowTokens_.encode(connection, callId);
  return uri;
}

std::string ProxyCore::viaFor(const sip::Flow& out, const std::string& branch) const {
  const auto* listener = identity_.listenerFor(out.transport, out.remote.isV6());
  std::string via = "SIP/2.0/";
  via += sip::viaTransportName(out.transport);
  via += ' ';
  via += listener ? LocalIdentity::hostPort(*listener) : out.local.toString();
  via += ";branch=";
  via += branch;
  return via;
}

void ProxyCore::startTimerC(ProxyTransaction& pt, std::size_t index) {
  auto& branch = pt.branches[index];
  timers_.cancel(branch.timerC);
  const auto clientTx = branch.clientTx;
  branch.timerC = timers_.start(options_.timerC, [this, clientTx] {
    auto [owner, i] = findBranch(clientTx);
    if (!owner) return;
    owner->branches[i].timerC = 0;
    spdlog::info("{} {}: no final response in time, cancelling branch", owner->request.methodText(),
                 owner->request.callId());
    transactions_.cancel(clientTx);
  });
}

// ------------------------------------------------------------------ stateless parts

// An ACK that matched no transaction is the ACK of a 2xx: forwarded only within a dialog we
// record-routed (as Kamailio's default script does), never along a Request-URI of a stranger's
// choosing.
void ProxyCore::onAck(SipMessage&& ack, const sip::Flow& flow) {
  auto route = popOurRoutes(ack);
  if (ack.toTag().empty() || !belongsToDialog(ack, flow, route, dialogOf(ack))) {
    ++stats_.acksDropped;
    spdlog::debug("ACK {} from {}: dropped, it belongs to no dialog of ours", ack.callId(),
                  flow.remote.toString());
    return;
  }
  if (ackWithMedia(ack, route)) return;  // forwarded once the relay has the answer
  forwardStateless(std::move(ack), route);
}

void ProxyCore::forwardStateless(SipMessage&& request, const RouteInfo& route) {
  const char* why = "";
  auto target = nextHopTarget(request, route, why);
  if (!target) {
    spdlog::debug("{} {}: dropped, no next hop: {}", request.methodText(), request.callId(), why);
    return;
  }
  if (identity_.isOurAddress(target->flow.remote.host(), target->flow.remote.port())) {
    // Addressed to ourselves without our Route: it would only spiral until Max-Forwards ran out.
    spdlog::debug("{} {}: dropped, its next hop is this proxy", request.methodText(),
                  request.callId());
    return;
  }
  const int hops = request.maxForwards() < 0 ? kDefaultMaxForwards : request.maxForwards() - 1;
  if (hops < 0) return;
  request.setHeader(HeaderId::MaxForwards, std::to_string(hops));
  if (const auto shift = cseqShiftOf(request); shift != 0) {
    renumber(request, request.cseq() + shift);
  }
  // The branch of a stateless ACK only needs to be unique (RFC 3261 16.11).
  request.prependHeader(HeaderId::Via, viaFor(target->flow, transactions_.newBranch()));
  ++stats_.statelessForwards;
  send_(target->flow, request.serialize());
}

// A response that matches none of our client transactions answers nothing we sent (or a
// transaction long finished, RFC 6026): dropped, never sent on along its Via (RFC 3261 16.7 step
// 3), which would make us a reflector for whatever Via a stranger writes.
void ProxyCore::onStrayResponse(SipMessage&& response, const sip::Flow& flow) {
  if (pinger_.answered(response.callId())) return;  // a keep-alive's answer (ProxySessions.cpp)
  ++stats_.strayResponsesDropped;
  spdlog::debug("{} response from {} (Call-ID {}) matches no transaction: dropped",
                response.statusCode(), flow.remote.toString(), response.callId());
}

// ------------------------------------------------------------------ CANCEL

void ProxyCore::onCancel(TransactionId cancelTx, TransactionId inviteTx, SipMessage&& cancel,
                         const sip::Flow& flow) {
  auto it = byServerTx_.find(inviteTx);
  if (it != byServerTx_.end() && !it->second->source.sameOrigin(flow)) {
    // The branch of an INVITE is no secret to those on its path, but only its sender may
    // cancel it (RFC 3261 9.1: the CANCEL goes where the INVITE went, from where it came).
    // Answered statelessly, and its transaction forgotten: the sender's own CANCEL, with the
    // same branch, must not be taken for a retransmission of this one.
    ++stats_.inDialogRefused;
    spdlog::info("CANCEL {} from {}: refused, the INVITE came from {}", cancel.callId(),
                 flow.remote.toString(), it->second->source.remote.toString());
    send_(flow, cancel.makeResponse(481, "Call/Transaction Does Not Exist").serialize());
    transactions_.discard(cancelTx);
    return;
  }
  if (inviteTx == 0 || it == byServerTx_.end()) {
    // Answered by us (auth challenge, 404, ...) or never seen.
    answer(cancelTx, cancel, inviteTx == 0 ? 481 : 200,
           inviteTx == 0 ? "Call/Transaction Does Not Exist" : "OK");
    if (inviteTx != 0) {
      auto terminated = cancel.makeResponse(487, "Request Terminated");
      terminated.setHeader(HeaderId::CSeq, std::to_string(cancel.cseq()) + " INVITE");
      respond(inviteTx, std::move(terminated));
    }
    return;
  }
  answer(cancelTx, cancel, 200, "OK");
  auto& pt = *it->second;
  pt.cancelled = true;
  cancelPendingBranches(pt);
}

void ProxyCore::cancelPendingBranches(ProxyTransaction& pt) {
  for (auto& branch : pt.branches) {
    if (branch.state != Branch::State::Completed && branch.clientTx != 0) {
      transactions_.cancel(branch.clientTx);
    }
  }
}

// ------------------------------------------------------------------ responses

std::pair<ProxyTransaction*, std::size_t> ProxyCore::findBranch(TransactionId clientTx) {
  const auto owner = clientToServer_.find(clientTx);
  if (owner == clientToServer_.end()) return {nullptr, 0};
  const auto it = byServerTx_.find(owner->second);
  if (it == byServerTx_.end()) return {nullptr, 0};
  auto& branches = it->second->branches;
  for (std::size_t i = 0; i < branches.size(); ++i) {
    if (branches[i].clientTx == clientTx) return {it->second.get(), i};
  }
  return {nullptr, 0};
}

void ProxyCore::onResponse(TransactionId clientTx, SipMessage&& response, const sip::Flow& flow) {
  if (originateResponse(clientTx, std::move(response), flow)) return;
  if (moveResponse(clientTx, response)) return;
  auto [pt, index] = findBranch(clientTx);
  if (!pt) return;
  response.removeFirst(HeaderId::Via);
  if (!response.find(HeaderId::Via)) return;
  // Renumbered on the way: the sender gets back the CSeq it sent.
  if (pt->cseqShift != 0) renumber(response, pt->request.cseq());
  const int status = response.statusCode();
  auto& branch = pt->branches[index];
  if (status < 200) {
    if (status == 100) return;
    branch.state = Branch::State::Proceeding;
    if (pt->request.method() == Method::Invite) startTimerC(*pt, index);
    if (!pt->finalSent) forwardResponseUpstream(*pt, index, std::move(response));
    return;
  }
  if (status < 300) {
    // Every 2xx goes upstream at once (RFC 3261 16.7 step 5); other branches are cancelled.
    const bool first = branch.state != Branch::State::Completed;
    branch.state = Branch::State::Completed;
    branch.finalStatus = status;
    timers_.cancel(branch.timerC);
    branch.timerC = 0;
    sessionAnswered(*pt, response);
    forwardResponseUpstream(*pt, index, std::move(response));
    if (first) {
      pt->finalSent = true;
      if (pt->request.method() == Method::Invite) cancelPendingBranches(*pt);
    }
    return;
  }
  branchCompleted(*pt, index, std::move(response));
}

void ProxyCore::branchCompleted(ProxyTransaction& pt, std::size_t index, SipMessage&& response) {
  auto& branch = pt.branches[index];
  if (branch.state == Branch::State::Completed) return;
  branch.state = Branch::State::Completed;
  const int status = response.statusCode();
  branch.finalStatus = status;
  timers_.cancel(branch.timerC);
  branch.timerC = 0;
  releaseBranchMedia(pt, index);

  // Static-route failover: try the next target on a timeout or server error.
  if ((status == 408 || status >= 500) && status < 600 && !branch.failover.empty() &&
      !pt.cancelled && !pt.finalSent) {
    auto remaining = std::move(branch.failover);
    const char* why = "";
    while (!remaining.empty()) {
      const auto user = sip::parseUri(pt.request.requestUri());
      auto next = uriTarget(remaining.front(), user ? user->user : std::string_view(), why);
      remaining.erase(remaining.begin());
      if (!next) continue;
      next->failover = std::move(remaining);
      ++stats_.routeFailovers;
      spdlog::info("{} {}: route target answered {}, failing over", pt.request.methodText(),
                   pt.request.callId(), status);
      forwardBranch(pt, std::move(*next));
      return;
    }
  }

  for (const auto& value : response.all(HeaderId::WwwAuthenticate)) {
    pt.wwwChallenges.emplace_back(value);
  }
  for (const auto& value : response.all(HeaderId::ProxyAuthenticate)) {
    pt.proxyChallenges.emplace_back(value);
  }
  if (pt.selector.offer(status)) pt.bestResponse = std::move(response);
  if (status >= 600 && pt.request.method() == Method::Invite) cancelPendingBranches(pt);
  if (pt.allBranchesCompleted() && !pt.finalSent) sendBestResponse(pt);
}

void ProxyCore::sendBestResponse(ProxyTransaction& pt) {
  pt.finalSent = true;
  if (pt.request.method() == Method::Invite && pt.request.toTag().empty()) {
    if (Dialog* dialog = dialogOf(pt.request);
        dialog && dialog->state != Dialog::State::Confirmed) {
      const int status = pt.bestResponse       ? pt.bestResponse->statusCode()
                         : pt.selector.empty() ? 480
                                               : pt.selector.best();
      // A call we cancelled ourselves (hangup) keeps the reason we gave.
      const std::string cancelled = dialog->endReason.empty() ? "cancelled" : dialog->endReason;
      endDialog(*dialog, pt.cancelled ? cancelled : Dialog::failureReason(status), status);
    }
  }
  if (!pt.bestResponse) {
    const int status = pt.selector.empty() ? 480 : pt.selector.best();
    auto response = pt.request.makeResponse(status == 503 ? 500 : status,
                                            status == 408   ? "Request Timeout"
                                            : status == 503 ? "Service Unavailable"
                                                            : "Temporarily Unavailable");
    respondUpstream(pt, ProxyTransaction::kNoBranch, std::move(response));
    return;
  }
  auto response = std::move(*pt.bestResponse);
  pt.bestResponse.reset();
  if (response.statusCode() == 503) response.setStatus(500, "Server Error");
  if (response.statusCode() == 401 || response.statusCode() == 407) {
    response.removeAll(HeaderId::WwwAuthenticate);
    response.removeAll(HeaderId::ProxyAuthenticate);
    for (auto& value : pt.wwwChallenges) response.appendHeader(HeaderId::WwwAuthenticate, value);
    for (auto& value : pt.proxyChallenges) {
      response.appendHeader(HeaderId::ProxyAuthenticate, value);
    }
  }
  respondUpstream(pt, ProxyTransaction::kNoBranch, std::move(response));
}

void ProxyCore::branchFailed(TransactionId clientTx, int status, std::string_view reason) {
  auto [pt, index] = findBranch(clientTx);
  if (!pt) return;
  // pt->request is the request as received: the synthesized answer carries exactly the Vias an
  // answer from the branch would have after we took ours off.
  branchCompleted(*pt, index, pt->request.makeResponse(status, reason));
}

void ProxyCore::onTimeout(TransactionId clientTx) {
  if (originateTx_.contains(clientTx)) return originateTransactionEnded(clientTx, 408);
  if (moveTransactionEnded(clientTx, 408)) return;
  ++stats_.branchTimeouts;
  branchFailed(clientTx, 408, "Request Timeout");
}

void ProxyCore::onTransportError(TransactionId clientTx) {
  if (originateTx_.contains(clientTx)) return originateTransactionEnded(clientTx, 503);
  if (moveTransactionEnded(clientTx, 503)) return;
  branchFailed(clientTx, 503, "Service Unavailable");
}

// The proxy's state for a request goes with its server transaction (RFC 6026: after the final
// response's retransmission window), when every branch has long completed or been cancelled.
void ProxyCore::onTerminated(TransactionId tx) {
  if (originateTx_.erase(tx) != 0) return;
  if (moveInvites_.erase(tx) != 0) return;
  const auto client = clientToServer_.find(tx);
  if (client != clientToServer_.end()) {
    auto [pt, index] = findBranch(tx);
    if (pt && pt->branches[index].state != Branch::State::Completed) {
      // Ended without a final response reaching us (e.g. 2xx-less CANCEL race): count it done.
      branchCompleted(*pt, index, pt->request.makeResponse(408, "Request Timeout"));
    }
    clientToServer_.erase(tx);
    return;
  }
  const auto server = byServerTx_.find(tx);
  if (server == byServerTx_.end()) return;
  for (auto& branch : server->second->branches) {
    timers_.cancel(branch.timerC);
    if (branch.clientTx != 0 && branch.state != Branch::State::Completed) {
      transactions_.cancel(branch.clientTx);
    }
    clientToServer_.erase(branch.clientTx);
  }
  byServerTx_.erase(server);
}

}  // namespace rtcgate::proxy
