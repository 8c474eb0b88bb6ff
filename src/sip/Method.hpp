#pragma once

#include <cstdint>
#include <string_view>

namespace rtcgate::sip {

enum class Method : std::uint8_t {
  Other,
  Invite,
  Ack,
  Bye,
  Cancel,
  Register,
  Options,
  Info,
  Update,
  Prack,
  Subscribe,
  Notify,
  Refer,
  Message,
  Publish
};

// Methods are case-sensitive tokens (RFC 3261 7.1): "invite" is an unknown method.
Method methodFromName(std::string_view name);
std::string_view methodName(Method method);  // "" for Other

}  // namespace rtcgate::sip
