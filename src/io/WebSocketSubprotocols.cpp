#include "io/WebSocketSubprotocols.hpp"

#include <strings.h>

namespace rtcgate::io {

std::vector<std::string_view> webSocketSubprotocols(std::string_view header) {
  std::vector<std::string_view> out;
  while (!header.empty()) {
    const auto comma = header.find(',');
    auto entry = header.substr(0, comma);
    const auto first = entry.find_first_not_of(" \t");
    if (first != std::string_view::npos) {
      const auto last = entry.find_last_not_of(" \t");
      out.push_back(entry.substr(first, last - first + 1));
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return out;
}

bool offersWebSocketSubprotocol(std::string_view header, std::string_view name) {
  for (const auto entry : webSocketSubprotocols(header)) {
    if (entry.size() == name.size() && strncasecmp(entry.data(), name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace rtcgate::io
