#include "sdp/Bundle.hpp"

#include <algorithm>

namespace rtcgate::sdp {

std::string_view midOf(const MediaSection& section) {
  const SdpLine* mid = section.findAttribute("mid");
  return mid != nullptr ? mid->attributeValue() : std::string_view();
}

std::vector<std::string_view> bundleGroup(const SessionDescription& description) {
  std::vector<std::string_view> mids;
  for (const SdpLine& line : description.sessionLines()) {
    if (!line.isAttribute("group") || !line.attributeValue().starts_with("BUNDLE")) continue;
    std::string_view rest = line.attributeValue().substr(6);
    while (!rest.empty()) {
      const std::size_t start = rest.find_first_not_of(' ');
      if (start == std::string_view::npos) break;
      rest.remove_prefix(start);
      const std::size_t end = std::min(rest.size(), rest.find(' '));
      mids.push_back(rest.substr(0, end));
      rest.remove_prefix(end);
    }
    break;
  }
  return mids;
}

bool bundleOnly(const MediaSection& section) {
  return section.port() == 0 && section.findAttribute("bundle-only") != nullptr;
}

bool hasIce(const SessionDescription& description, std::size_t index) {
  return description.hasSessionAttribute("ice-ufrag") ||
         description.media()[index].findAttribute("ice-ufrag") != nullptr ||
         description.media()[index].findAttribute("candidate") != nullptr;
}

}  // namespace rtcgate::sdp
