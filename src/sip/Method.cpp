#include "sip/Method.hpp"

#include <array>

namespace rtcgate::sip {
namespace {

constexpr std::array<std::string_view, 15> kMethodNames = {
    "",       "INVITE", "ACK",       "BYE",    "CANCEL", "REGISTER", "OPTIONS", "INFO",
    "UPDATE", "PRACK",  "SUBSCRIBE", "NOTIFY", "REFER",  "MESSAGE",  "PUBLISH",
};

}  // namespace

// Methods are case-sensitive, so a switch on the first letter plus one exact compare suffices.
Method methodFromName(std::string_view name) {
  if (name.empty()) return Method::Other;
  auto is = [&](Method m) { return name == methodName(m) ? m : Method::Other; };
  switch (name[0]) {
    case 'I':
      return name.size() == 6 ? is(Method::Invite) : is(Method::Info);
    case 'A':
      return is(Method::Ack);
    case 'B':
      return is(Method::Bye);
    case 'C':
      return is(Method::Cancel);
    case 'R':
      return name.size() == 8 ? is(Method::Register) : is(Method::Refer);
    case 'O':
      return is(Method::Options);
    case 'U':
      return is(Method::Update);
    case 'P':
      return name.size() == 5 ? is(Method::Prack) : is(Method::Publish);
    case 'S':
      return is(Method::Subscribe);
    case 'N':
      return is(Method::Notify);
    case 'M':
      return is(Method::Message);
    default:
      return Method::Other;
  }
}

std::string_view methodName(Method method) {
  const auto index = static_cast<std::size_t>(method);
  return index < kMethodNames.size() ? kMethodNames[index] : std::string_view{};
}

}  // namespace rtcgate::sip
