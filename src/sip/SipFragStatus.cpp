#include "sip/SipFragStatus.hpp"

#include "base/AsciiCase.hpp"

namespace rtcgate::sip {

std::optional<int> sipFragStatus(std::string_view body) {
  constexpr std::string_view kVersion = "SIP/2.0 ";
  while (!body.empty() && (body.front() == ' ' || body.front() == '\t')) body.remove_prefix(1);
  if (body.size() < kVersion.size() + 3 ||
      !equalsIgnoringCase(body.substr(0, kVersion.size()), kVersion)) {
    return std::nullopt;
  }
  body.remove_prefix(kVersion.size());
  int status = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    if (body[i] < '0' || body[i] > '9') return std::nullopt;
    status = status * 10 + (body[i] - '0');
  }
  // A fourth digit would make it some other number.
  if (body.size() > 3 && body[3] >= '0' && body[3] <= '9') return std::nullopt;
  if (status < 100 || status > 699) return std::nullopt;
  return status;
}

}  // namespace rtcgate::sip
