#include "web/StaticFiles.hpp"

#include <string>

namespace rtcgate::web {

namespace {

const StaticFile* exact(std::string_view path) {
  for (const auto& file : StaticFiles::all()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

}  // namespace

std::span<const StaticFile> StaticFiles::all() {
  return {detail::kEmbeddedFiles, detail::kEmbeddedFileCount};
}

const StaticFile* StaticFiles::find(std::string_view path) {
  if (path.empty() || path.front() != '/') return nullptr;
  if (path.back() != '/') {
    if (const auto* file = exact(path)) return file;
  }
  std::string index(path);
  if (index.back() != '/') index += '/';
  index += "index.html";
  return exact(index);
}

}  // namespace rtcgate::web
