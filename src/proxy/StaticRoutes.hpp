#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace rtcgate::proxy {

// The `routes:` of the configuration: requests for non-local users whose Request-URI user matches
// a pattern go to the first target, failing over to the next on 408, 5xx or timeout (the role
// Kamailio's dispatcher module plays in a routing script).
class StaticRoutes {
 public:
  struct Route {
    std::string pattern;
    std::regex match;
    std::vector<std::string> targets;  // SIP URIs, tried in order
  };

  void add(const std::string& pattern, std::vector<std::string> targets);
  // The targets of the first route whose pattern matches user; nullptr when none does.
  const std::vector<std::string>* find(std::string_view user) const;
  bool empty() const { return routes_.empty(); }

 private:
  std::vector<Route> routes_;
};

}  // namespace rtcgate::proxy
