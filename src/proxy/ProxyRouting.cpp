// ProxyCore's routing decisions (RFC 3261 16.4-16.5): where an in-dialog request goes (its Route
// set, a flow token, the dialog's sides), where an initial request goes (local users' contacts,
// static routes, a URI of its own), and where an INVITE we place ourselves goes.
#include <spdlog/spdlog.h>

#include "proxy/MessageParts.hpp"
#include "proxy/ProxyCore.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {

using sip::HeaderId;
using sip::Method;
using sip::SipMessage;
using transaction::TransactionId;

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
      calls_.endDialog(*dialog,
                       request.fromTag() == dialog->caller.tag ? "caller-bye" : "callee-bye", 200);
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
    if (resolver_.needsLookup(next->uri)) {
      target.locate = std::string(next->uri.text);
      return target;
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
  if (resolver_.needsLookup(*uri)) {
    target.locate = target.requestUri;
    return target;
  }
  auto flow = resolver_.resolve(*uri, why);
  if (!flow) return std::nullopt;
  target.flow = *flow;
  return target;
}

void ProxyCore::routeInitial(TransactionId serverTx, SipMessage&& request, const sip::Flow& flow) {
  // A trunk's requests are its by where they come from, never by what they claim.
  if (const auto trunk = trunks_.identify(flow)) {
    return routeFromTrunk(serverTx, std::move(request), flow, *trunk);
  }
  const auto uri = sip::parseUri(request.requestUri());
  const auto host = uri->hostNoBrackets();
  const bool toUs = identity_.isOurAddress(*uri);
  const bool localTarget = identity_.isLocalDomain(host) || (toUs && !uri->user.empty());

  if (toUs && uri->user.empty()) {
    // Addressed to the proxy itself.
    if (request.method() == Method::Options) {
      auto response = request.makeResponse(200, "OK");
      response.appendHeader(HeaderId::Allow, std::string(kAllowedMethods));
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
  if (resolver_.needsLookup(*uri)) {
    Target target;
    target.requestUri = std::string(request.requestUri());
    target.locate = target.requestUri;
    return startProxying(serverTx, std::move(request), flow, {std::move(target)});
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
                            const StaticRoutes::Route& route, std::string_view user) {
  const char* why = "";
  auto first = firstRouteTarget(route, user, why);
  if (!first) {
    spdlog::warn("{} {}: the route for {} cannot be used: {}", request.methodText(),
                 request.callId(), user, why);
    return false;
  }
  if (first->locate.empty() &&
      identity_.isOurAddress(first->flow.remote.host(), first->flow.remote.port())) {
    ++stats_.loopsDetected;
    spdlog::warn("{} {}: the route for {} leads back to this gateway", request.methodText(),
                 request.callId(), user);
    answer(serverTx, request, 482, "Loop Detected");
    return true;
  }
  startProxying(serverTx, std::move(request), flow, {std::move(*first)});
  return true;
}

// A route's first target -- its trunk's address, or one of its `to`, the others kept for
// failover; by weight when they have weights -- with the number the route dials (strip, prefix).
std::optional<ProxyCore::Target> ProxyCore::firstRouteTarget(const StaticRoutes::Route& route,
                                                             std::string_view user,
                                                             const char*& why) const {
  std::shared_ptr<const Trunk> trunk;
  if (!route.trunk.empty()) {
    trunk = trunks_.find(route.trunk);
    if (!trunk) {
      why = "its trunk is not configured";
      return std::nullopt;
    }
  }
  const auto& all = trunk ? trunk->addresses : route.targets;
  if (all.empty()) {
    why = "it has no target";
    return std::nullopt;
  }
  const auto& rotation = trunk ? trunk->rotation : route.rotation;
  std::vector<std::size_t> order;
  if (rotation) order = rotation->next();
  auto at = [&](std::size_t i) -> const std::string& { return all[order.empty() ? i : order[i]]; };
  const std::string dialled = route.dialled(user);
  auto target = uriTarget(at(0), dialled, why);
  if (!target) return std::nullopt;
  target->dialled = dialled;
  target->trunk = std::move(trunk);
  for (std::size_t i = 1; i < all.size(); ++i) target->failover.push_back(at(i));
  return target;
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
  Target target;
  if (resolver_.needsLookup(*parsed)) {
    target.locate = uri;
  } else if (auto flow = resolver_.resolve(*parsed, why)) {
    target.flow = *flow;
  } else {
    return std::nullopt;
  }
  target.requestUri = std::string(parsed->schemeName) + ":";
  if (!user.empty()) target.requestUri.append(user).append("@");
  target.requestUri.append(parsed->host);
  if (parsed->port) target.requestUri += ":" + std::to_string(parsed->port);
  target.requestUri.append(parsed->params.text());
  return target;
}

// Where an INVITE to `uri` would go (a call we place): the preferred contact of a local user
// (highest q, then the most recent), else a static route for the user part, else the URI's own
// host when not ours. A party behind a route takes the route's media profile (an SDES PBX) and
// relay interface, as a branch would; behind a trunk route, the trunk (caller id, credentials,
// relay interface) and the number the route dials.
std::optional<OriginateTarget> ProxyCore::originateTarget(const std::string& uri) const {
  const auto parsed = sip::parseUri(uri);
  if (!parsed) return std::nullopt;
  const auto host = parsed->hostNoBrackets();
  const bool toUs = identity_.isOurAddress(*parsed);
  auto found = [this](const std::string& requestUri, const sip::Flow& flow,
                      std::vector<std::string> routes) {
    const auto leg = calls_.policy().legToward(flow.transport, routes_.targetMedia(requestUri));
    OriginateTarget target{requestUri, flow, std::move(routes), leg};
    target.mediaInterface = routes_.targetInterface(requestUri);
    target.dtmf = routes_.targetDtmf(requestUri);
    target.record = routes_.targetRecorded(requestUri);
    return target;
  };
  if (identity_.isLocalDomain(host) || (toUs && !parsed->user.empty())) {
    const std::string_view domain =
        identity_.isLocalDomain(host) ? host : identity_.defaultDomain();
    auto contacts = locationTargets(aorOf(parsed->user, domain));
    if (!contacts.empty()) {
      auto& preferred = contacts.front();
      return found(preferred.requestUri, preferred.flow, preferred.routes);
    }
  }
  // A party by name is found through DNS when its INVITE is about to leave: what matters for its
  // media profile now is only that it is not a WebSocket.
  auto byName = [&](const std::string& requestUri, const std::string& name) {
    auto target = found(requestUri, sip::Flow{}, {});
    target.locate = name;
    return target;
  };
  const char* why = "";
  if (const auto* route = routes_.find(sip::unescapeUriComponent(parsed->user))) {
    if (auto target = firstRouteTarget(*route, parsed->user, why)) {
      auto routed = target->locate.empty() ? found(target->requestUri, target->flow, target->routes)
                                           : byName(target->requestUri, target->locate);
      routed.dialled = target->dialled;
      if (target->trunk) routed.mediaInterface = target->trunk->mediaInterface;
      routed.trunk = std::move(target->trunk);
      routed.failover = std::move(target->failover);
      return routed;
    }
  }
  if (toUs || identity_.isLocalDomain(host)) return std::nullopt;
  if (resolver_.needsLookup(*parsed)) return byName(uri, uri);
  auto direct = resolver_.resolve(*parsed, why);
  if (!direct) return std::nullopt;
  return found(uri, *direct, {});
}

void ProxyCore::locate(const std::string& uri, Located done) {
  const auto parsed = sip::parseUri(uri);
  if (!parsed) return done({}, 404, "not a SIP URI");
  resolver_.resolve(*parsed, [done = std::move(done)](TargetResolver::Resolved found) {
    done(std::move(found.flows), found.status, found.why);
  });
}

// A route's or trunk's next target for a call we place, as uriTarget gives it to a branch, with
// the media profile a branch toward it would get (the leg keeps its trunk and interface).
std::optional<OriginateTarget> ProxyCore::failoverTarget(const std::string& uri,
                                                         const std::string& dialled) const {
  const char* why = "";
  auto target = uriTarget(uri, dialled, why);
  if (!target) return std::nullopt;
  OriginateTarget next;
  next.requestUri = std::move(target->requestUri);
  next.flow = target->flow;
  next.locate = std::move(target->locate);
  next.leg = calls_.policy().legToward(next.flow.transport, routes_.targetMedia(next.requestUri));
  return next;
}

}  // namespace rtcgate::proxy
