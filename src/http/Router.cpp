#include "http/Router.hpp"

#include <exception>
#include <optional>

#include "http/Json.hpp"
#include "http/RequestTarget.hpp"

namespace rtcgate::http {
namespace {

std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool isParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Decodes per segment so an encoded '/' inside a parameter (an AoR, say) stays in it.
std::optional<std::vector<std::string>> decodeSegments(std::string_view rawPath) {
  std::vector<std::string> segments;
  for (const auto& raw : splitPath(rawPath)) {
    auto decoded = percentDecode(raw, false);
    if (!decoded) return std::nullopt;
    segments.push_back(std::move(*decoded));
  }
  return segments;
}

}  // namespace

HttpReply HttpReply::json(std::string body, unsigned status) {
  return HttpReply{status, "application/json", std::move(body)};
}

HttpReply HttpReply::error(unsigned status, std::string_view message) {
  return HttpReply{status, "application/json", jsonError(message)};
}

HttpReply HttpReply::later(std::function<void(Send)> start) {
  HttpReply reply;
  reply.deferred = std::move(start);
  return reply;
}

void Router::add(std::string method, std::string pattern, std::string help, Handler handler,
                 Access access) {
  auto segments = splitPath(pattern);
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(help),
                          std::move(handler), std::move(segments), access});
}

bool Router::isPublic(std::string_view method, std::string_view target) const {
  if (target.empty() || target.front() != '/') return false;
  const auto segments = decodeSegments(target.substr(0, target.find('?')));
  if (!segments) return false;
  std::map<std::string, std::string> params;
  for (const Route& route : routes_) {
    if (route.method == method && match(route, *segments, params)) {
      return route.access == Access::Public;
    }
  }
  return false;
}

bool Router::match(const Route& route, const std::vector<std::string>& segments,
                   std::map<std::string, std::string>& params) const {
  if (route.segments.size() != segments.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (isParam(expected)) {
      if (segments[i].empty()) return false;
      params.emplace(expected.substr(1, expected.size() - 2), segments[i]);
    } else if (expected != segments[i]) {
      return false;
    }
  }
  return true;
}

HttpReply Router::dispatch(std::string_view method, std::string_view target,
                           std::string body) const {
  if (target.empty() || target.front() != '/') return HttpReply::error(400, "bad request target");
  const auto question = target.find('?');
  const std::string_view rawPath = target.substr(0, question);
  auto query = parseQuery(question == std::string_view::npos ? "" : target.substr(question + 1));
  if (!query) return HttpReply::error(400, "malformed query string");

  auto decoded = decodeSegments(rawPath);
  if (!decoded) return HttpReply::error(400, "malformed percent-encoding in path");
  const std::vector<std::string>& segments = *decoded;

  bool pathKnown = false;
  std::map<std::string, std::string> params;
  for (const Route& route : routes_) {
    if (!match(route, segments, params)) continue;
    pathKnown = true;
    if (route.method != method) continue;
    HttpRequest request{std::string(method), std::string(rawPath), std::move(params),
                        std::move(*query), std::move(body)};
    try {
      return route.handler(request);
    } catch (const std::exception& e) {
      return HttpReply::error(500, e.what());
    }
  }
  if (pathKnown) return HttpReply::error(405, "method not allowed");
  return HttpReply::error(404, "no such endpoint; GET /api/v1/ lists them");
}

std::string Router::routesJson() const {
  std::string out = "{\"routes\":[";
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"method\":";
    appendJsonString(out, routes_[i].method);
    out += ",\"path\":";
    appendJsonString(out, routes_[i].pattern);
    out += ",\"help\":";
    appendJsonString(out, routes_[i].help);
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace rtcgate::http
