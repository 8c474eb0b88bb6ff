#pragma once

namespace rtcgate::proxy {

// Why ProxyCore::originate placed no call. The kind is what the management API answers with
// (400, 404, 503); the reason is the text shown to the person asking.
struct OriginateError {
  enum class Kind {
    BadParty,      // from or to is not a user name, number or SIP URI
    UnknownParty,  // not registered, and no route leads there
    NotSent,       // the first INVITE could not be sent
  };

  Kind kind = Kind::NotSent;
  const char* reason = "the call could not be placed";
};

}  // namespace rtcgate::proxy
