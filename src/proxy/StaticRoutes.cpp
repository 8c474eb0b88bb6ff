#include "proxy/StaticRoutes.hpp"

namespace rtcgate::proxy {

void StaticRoutes::add(const std::string& pattern, std::vector<std::string> targets) {
  routes_.push_back({pattern, std::regex(pattern, std::regex::ECMAScript), std::move(targets)});
}

const std::vector<std::string>* StaticRoutes::find(std::string_view user) const {
  for (const auto& route : routes_) {
    if (std::regex_search(user.begin(), user.end(), route.match)) return &route.targets;
  }
  return nullptr;
}

}  // namespace rtcgate::proxy
