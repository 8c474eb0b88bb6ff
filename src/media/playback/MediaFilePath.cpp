#include "media/playback/MediaFilePath.hpp"

#include <algorithm>
#include <filesystem>

namespace rtcgate::media {
namespace {

namespace fs = std::filesystem;

bool hasParentStep(const fs::path& path) {
  return std::find(path.begin(), path.end(), fs::path("..")) != path.end();
}

}  // namespace

Result<std::string> mediaFilePath(const std::string& mediaDir, std::string_view file) {
  if (file.empty()) return Error{"No file given"};
  if (mediaDir.empty()) return Error{"No media directory configured (relay.media_dir)"};
  if (file.find('\0') != std::string_view::npos) return Error{"Invalid file name"};
  const fs::path asked(file);
  if (hasParentStep(asked)) return Error{"The file may not contain '..'"};
  const fs::path base = fs::absolute(mediaDir).lexically_normal();
  const fs::path path =
      asked.is_relative() ? (base / asked).lexically_normal() : asked.lexically_normal();
  const fs::path inside = path.lexically_relative(base);
  if (inside.empty() || inside == "." || hasParentStep(inside)) {
    return Error{"The file is outside the relay's media directory"};
  }
  // A link inside the directory may point anywhere: its target must be inside too.
  std::error_code error;
  const fs::path real = fs::canonical(path, error);
  if (error) return Error{"No such file"};
  const fs::path realBase = fs::canonical(base, error);
  if (error) return Error{"No such file"};
  const fs::path realInside = real.lexically_relative(realBase);
  if (realInside.empty() || hasParentStep(realInside)) {
    return Error{"The file is outside the relay's media directory"};
  }
  return real.string();
}

}  // namespace rtcgate::media
