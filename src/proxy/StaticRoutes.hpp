#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/DtmfMode.hpp"
#include "proxy/MediaPolicy.hpp"
#include "proxy/WeightedRotation.hpp"

namespace re2 {
class RE2;
}

namespace rtcgate::proxy {

// The `routes:` of the configuration: requests for non-local users whose Request-URI user matches
// a pattern go to the first target, failing over to the next on 408, 5xx or timeout (the role
// Kamailio's dispatcher module plays in a routing script). A route may fix the media profile its
// targets speak (`routes[].media.srtp`), so one PBX gets SDES-SRTP and another plain RTP.
//
// Patterns are RE2 expressions: matching is linear in the user part's length whatever the pattern,
// with no recursion, so no Request-URI can exhaust the stack or the CPU (std::regex recursed per
// character and backtracked exponentially).
class StaticRoutes {
 public:
  struct Route {
    std::string pattern;
    std::shared_ptr<const re2::RE2> match;  // compiled once, shared by copies of the table
    std::vector<std::string> targets;       // SIP URIs, tried in order
    // When the targets have weights: which goes first for each call (shared by copies).
    std::shared_ptr<WeightedRotation> rotation;
    std::optional<MediaLeg> media;        // the targets' profile; none: media.sip_srtp applies
    std::string mediaInterface;           // the targets' relay interface; "": the default
    std::optional<DtmfMode> dtmf;         // how digits reach its targets; none: calls.dtmf
    bool record = false;                  // calls to its targets are recorded once answered
    std::string trunk;                    // or a trunk by name (targets then empty)
    std::uint32_t strip = 0;              // leading characters taken off the number
    std::string prefix;                   // then put in front of it
    std::chrono::seconds optionsPing{0};  // OPTIONS probes of its targets; 0: none

    // The user part the targets are sent: `user` with strip and prefix applied.
    std::string dialled(std::string_view user) const;
  };

  // Why `pattern` is not a usable route pattern, or nullopt when it is (ConfigLoader's check).
  static std::optional<std::string> patternError(const std::string& pattern);

  // A pattern that does not compile matches nothing (the configuration loader refuses it first).
  void add(const std::string& pattern, std::vector<std::string> targets,
           std::optional<MediaLeg> media = std::nullopt, std::string mediaInterface = {});
  // A route with everything set but `match`, which is compiled from `pattern`.
  void add(Route route);
  // The first route whose pattern matches (anywhere in) user; nullptr when none does.
  const Route* find(std::string_view user) const;
  // The media profile of the route target a branch's Request-URI points at (same host and port
  // as a target of a route that sets one); none when no route says.
  std::optional<MediaLeg> targetMedia(std::string_view requestUri) const;
  // The relay interface (`routes[].media.interface`) of the route target a branch's Request-URI
  // points at, matched as targetMedia does; "" when no route names one.
  std::string targetInterface(std::string_view requestUri) const;
  // How digits reach that target (`routes[].dtmf`), matched as targetMedia does; none when no
  // route says.
  std::optional<DtmfMode> targetDtmf(std::string_view requestUri) const;
  // Whether calls to that target are recorded (`routes[].record`), matched as targetMedia does.
  bool targetRecorded(std::string_view requestUri) const;
  bool empty() const { return routes_.empty(); }
  const std::vector<Route>& all() const { return routes_; }

 private:
  // The first route that `sets` something and has a target at the Request-URI's host and port.
  template <typename Sets>
  const Route* routeOfTarget(std::string_view requestUri, Sets sets) const;

  std::vector<Route> routes_;
};

}  // namespace rtcgate::proxy
