#include "sdp/SdpDirection.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "sdp/SessionDescription.hpp"

namespace rtcgate::sdp {
namespace {

bool isDirection(const SdpLine& line) {
  constexpr std::array<std::string_view, 4> kDirections = {"sendrecv", "sendonly", "recvonly",
                                                           "inactive"};
  return line.type == 'a' && std::find(kDirections.begin(), kDirections.end(),
                                       std::string_view(line.value)) != kDirections.end();
}

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>
void raiseVersion(SdpLine& origin, unsigned step) {
  std::string_view value = origin.value;
  const std::size_t first = value.find(' ');
  const std::size_t second = first == std::string_view::npos ? first : value.find(' ', first + 1);
  const std::size_t third = second == std::string_view::npos ? second : value.find(' ', second + 1);
  if (third == std::string_view::npos) return;
  const std::string_view version = value.substr(second + 1, third - second - 1);
  std::uint64_t number = 0;
  const auto [end, error] =
      std::from_chars(version.data(), version.data() + version.size(), number);
  if (error != std::errc() || end != version.data() + version.size()) return;
  origin.value = std::string(value.substr(0, second + 1)) + std::to_string(number + step) +
                 std::string(value.substr(third));
}

}  // namespace

Result<std::string> withDirection(std::string_view sdp, std::string_view direction,
                                  unsigned versionStep) {
  auto parsed = SessionDescription::parse(sdp);
  if (!parsed) return Error{parsed.error()};
  auto& session = parsed->sessionLines();
  std::erase_if(session, isDirection);
  for (SdpLine& line : session) {
    if (line.type == 'o') raiseVersion(line, versionStep);
  }
  const std::string eol = session.empty() ? "\r\n" : session.front().eol;
  for (MediaSection& media : parsed->media()) {
    std::erase_if(media.lines, isDirection);
    media.lines.push_back(SdpLine{'a', std::string(direction), eol});
    // The last line may have had no line ending: it is no longer last.
    for (SdpLine& line : media.lines) {
      if (line.eol.empty()) line.eol = eol;
    }
  }
  return parsed->toString();
}

}  // namespace rtcgate::sdp
