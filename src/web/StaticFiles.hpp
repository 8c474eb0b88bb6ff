#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace rtcgate::web {

// One file of web/ compiled into the binary (cmake/embed_web.py generates the table at build time).
struct StaticFile {
  std::string_view path;         // URL path, "/phone/index.html"
  std::string_view contentType;  // "text/html; charset=utf-8"
  std::string_view body;
};

// The Content-Type served for a file name, by extension; unknown ones are application/octet-stream
// so that a browser never sniffs and runs them.
constexpr std::string_view contentTypeFor(std::string_view path) {
  const auto dot = path.rfind('.');
  const auto slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  const auto extension = path.substr(dot + 1);
  if (extension == "html") return "text/html; charset=utf-8";
  if (extension == "js") return "text/javascript; charset=utf-8";
  if (extension == "css") return "text/css; charset=utf-8";
  if (extension == "json") return "application/json";
  if (extension == "svg") return "image/svg+xml";
  if (extension == "png") return "image/png";
  if (extension == "ico") return "image/x-icon";
  if (extension == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// The embedded web files: the demo phone under /phone/, the dashboard under /dashboard/ and what
// both share under /assets/.
class StaticFiles {
 public:
  // The file at `path` (no query string); a directory ("/phone" or "/phone/") means its
  // index.html. No normalisation: "/phone/../x" is simply not found.
  static const StaticFile* find(std::string_view path);
  static std::span<const StaticFile> all();
};

namespace detail {
// Defined in the generated source.
extern const StaticFile kEmbeddedFiles[];
extern const std::size_t kEmbeddedFileCount;
}  // namespace detail

}  // namespace rtcgate::web
