#include "proxy/StaticRoutes.hpp"

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

}  // namespace

void StaticRoutes::add(const std::string& pattern, std::vector<std::string> targets,
                       std::optional<MediaLeg> media) {
  routes_.push_back(
      {pattern, std::regex(pattern, std::regex::ECMAScript), std::move(targets), media});
}

const std::vector<std::string>* StaticRoutes::find(std::string_view user) const {
  for (const auto& route : routes_) {
    if (std::regex_search(user.begin(), user.end(), route.match)) return &route.targets;
  }
  return nullptr;
}

std::optional<MediaLeg> StaticRoutes::targetMedia(std::string_view requestUri) const {
  const auto uri = sip::parseUri(requestUri);
  if (!uri) return std::nullopt;
  for (const auto& route : routes_) {
    if (!route.media) continue;
    for (const auto& target : route.targets) {
      const auto parsed = sip::parseUri(target);
      if (parsed && sameHost(parsed->host, uri->host) && portOf(*parsed) == portOf(*uri)) {
        return route.media;
      }
    }
  }
  return std::nullopt;
}

}  // namespace rtcgate::proxy
