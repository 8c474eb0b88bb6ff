#include "proxy/StaticRoutes.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

#include "sip/SipUri.hpp"

namespace rtcgate::proxy {
namespace {

bool sameHost(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// An absent port is the scheme's default (RFC 3263 would look it up; routes name hosts directly).
std::uint16_t portOf(const sip::SipUri& uri) {
  if (uri.port != 0) return uri.port;
  return uri.scheme == sip::UriScheme::Sips ? 5061 : 5060;
}

// Latin-1: a user part is bytes (escapes decoded), each byte one character, as std::regex saw
// them; RE2's UTF-8 default would refuse to match invalid UTF-8. Errors are reported by
// patternError, not logged by RE2.
RE2::Options patternOptions() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  return options;
}

}  // namespace

std::optional<std::string> StaticRoutes::patternError(const std::string& pattern) {
  const RE2 compiled(pattern, patternOptions());
  if (compiled.ok()) return std::nullopt;
  return compiled.error();
}

void StaticRoutes::add(const std::string& pattern, std::vector<std::string> targets,
                       std::optional<MediaLeg> media, std::string mediaInterface) {
  Route route;
  route.pattern = pattern;
  route.targets = std::move(targets);
  route.media = media;
  route.mediaInterface = std::move(mediaInterface);
  add(std::move(route));
}

void StaticRoutes::add(Route route) {
  route.match = std::make_shared<const RE2>(route.pattern, patternOptions());
  routes_.push_back(std::move(route));
}

const StaticRoutes::Route* StaticRoutes::find(std::string_view user) const {
  for (const auto& route : routes_) {
    if (route.match->ok() && RE2::PartialMatch(user, *route.match)) return &route;
  }
  return nullptr;
}

std::string StaticRoutes::Route::dialled(std::string_view user) const {
  user.remove_prefix(std::min<std::size_t>(strip, user.size()));
  std::string out = prefix;
  out.append(user);
  return out;
}

template <typename Sets>
const StaticRoutes::Route* StaticRoutes::routeOfTarget(std::string_view requestUri,
                                                       Sets sets) const {
  const auto uri = sip::parseUri(requestUri);
  if (!uri) return nullptr;
  for (const auto& route : routes_) {
    if (!sets(route)) continue;
    for (const auto& target : route.targets) {
      const auto parsed = sip::parseUri(target);
      if (parsed && sameHost(parsed->host, uri->host) && portOf(*parsed) == portOf(*uri)) {
        return &route;
      }
    }
  }
  return nullptr;
}

std::optional<MediaLeg> StaticRoutes::targetMedia(std::string_view requestUri) const {
  const Route* route =
      routeOfTarget(requestUri, [](const Route& r) { return r.media.has_value(); });
  return route != nullptr ? route->media : std::nullopt;
}

std::optional<DtmfMode> StaticRoutes::targetDtmf(std::string_view requestUri) const {
  const Route* route = routeOfTarget(requestUri, [](const Route& r) { return r.dtmf.has_value(); });
  return route != nullptr ? route->dtmf : std::nullopt;
}

bool StaticRoutes::targetRecorded(std::string_view requestUri) const {
  return routeOfTarget(requestUri, [](const Route& r) { return r.record; }) != nullptr;
}

std::string StaticRoutes::targetInterface(std::string_view requestUri) const {
  const Route* route =
      routeOfTarget(requestUri, [](const Route& r) { return !r.mediaInterface.empty(); });
  return route != nullptr ? route->mediaInterface : std::string();
}

}  // namespace rtcgate::proxy
