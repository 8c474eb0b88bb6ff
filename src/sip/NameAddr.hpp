#pragma once

#include <string_view>

#include "base/Result.hpp"
#include "sip/Parameters.hpp"
#include "sip/SipUri.hpp"

namespace rtcgate::sip {

// One element of From, To, Contact, Route, Record-Route, Path, Reply-To: name-addr or addr-spec
// followed by header parameters (RFC 3261 20.10, 25.1). For an addr-spec without <>, the header
// parameters begin at the first ';' (they are not URI parameters).
struct NameAddr {
  std::string_view displayName;  // raw: quotes kept; empty when absent
  std::string_view uriText;      // between < and >, or the addr-spec
  SipUri uri;
  Parameters params;  // ";tag=abc;expires=60;q=0.5;+sip.instance=\"<urn:...>\""
  bool star = false;  // Contact: *

  std::string_view tag() const { return params.get("tag").value_or(""); }
};

Result<NameAddr> parseNameAddr(std::string_view text);

}  // namespace rtcgate::sip
