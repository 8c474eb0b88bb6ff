#include "http/RequestGuard.hpp"

#include <algorithm>

namespace rtcgate::http {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return out;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// "example.com:8088" -> "example.com", "[::1]:8088" -> "[::1]", "example.com" unchanged.
std::string_view withoutPort(std::string_view hostPort) {
  if (hostPort.starts_with('[')) {
    const auto bracket = hostPort.find(']');
    return bracket == std::string_view::npos ? hostPort : hostPort.substr(0, bracket + 1);
  }
  const auto colon = hostPort.find(':');
  return colon == std::string_view::npos ? hostPort : hostPort.substr(0, colon);
}

bool changesState(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool isJson(std::string_view contentType) {
  const auto mediaType = trim(contentType.substr(0, contentType.find(';')));
  return lowercase(mediaType) == "application/json";
}

}  // namespace

void RequestGuard::allowHosts(std::vector<std::string> hosts) {
  hosts_.clear();
  for (const auto& host : hosts) hosts_.push_back(lowercase(host));
}

std::vector<std::string> RequestGuard::defaultHosts(const SocketAddress& listen,
                                                    std::uint16_t port) {
  const std::string suffix = ":" + std::to_string(port);
  std::vector<std::string> hosts;
  const bool wildcard = listen.host() == "0.0.0.0" || listen.host() == "::";
  if (listen.valid() && !wildcard) {
    hosts.push_back(listen.hostForUri());
    hosts.push_back(listen.hostForUri() + suffix);
  }
  for (const char* name : {"localhost", "127.0.0.1", "[::1]"}) hosts.push_back(name + suffix);
  return hosts;
}

bool RequestGuard::hostAllowed(std::string_view hostPort) const {
  const std::string wanted = lowercase(hostPort);
  const std::string_view name = withoutPort(wanted);
  return std::any_of(hosts_.begin(), hosts_.end(), [&](const std::string& allowed) {
    return allowed == wanted || allowed == name;
  });
}

std::optional<HttpReply> RequestGuard::refuse(std::string_view method,
                                              const RequestHeaders& headers) {
  // Browsers always send Host; a request without one comes from a tool, not from a page.
  if (!headers.host.empty() && !hostAllowed(trim(headers.host))) {
    ++refusals_.host;
    return HttpReply::error(403, "Host '" + std::string(headers.host) +
                                     "' is not one this API answers to (http.allowed_hosts)");
  }
  if (!headers.origin.empty()) {
    const std::string origin = lowercase(trim(headers.origin));
    const auto scheme = origin.find("://");
    const std::string_view name =
        scheme == std::string::npos ? "" : std::string_view(origin).substr(0, scheme);
    const std::string_view rest =
        scheme == std::string::npos ? "" : std::string_view(origin).substr(scheme + 3);
    if ((name != "http" && name != "https") || rest.empty() ||
        rest.find('/') != std::string_view::npos || !hostAllowed(rest)) {
      ++refusals_.origin;
      return HttpReply::error(403, "requests from pages of Origin '" + std::string(headers.origin) +
                                       "' are refused (the API answers its own origin only)");
    }
  }
  if (changesState(method) && !isJson(headers.contentType)) {
    ++refusals_.contentType;
    return HttpReply::error(415,
                            std::string(method) + " requests need Content-Type: application/json");
  }
  return std::nullopt;
}

}  // namespace rtcgate::http
