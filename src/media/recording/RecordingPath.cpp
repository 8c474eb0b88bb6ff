#include "media/recording/RecordingPath.hpp"

#include <ctime>
#include <filesystem>

namespace rtcgate::media {
namespace {

namespace fs = std::filesystem;

bool hasParentStep(const fs::path& path) {
  for (const fs::path& part : path) {
    if (part == "..") return true;
  }
  return false;
}

// A call-id as a file name: letters, digits and -_.@+ kept, anything else (a `/`, a space, a
// control byte) becomes `_`; never a leading dot.
std::string safeName(std::string_view callId) {
  std::string name;
  for (const char c : callId.substr(0, 128)) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '@' || c == '+';
    name += safe ? c : '_';
  }
  if (name.empty() || name.front() == '.') name.insert(name.begin(), '_');
  return name;
}

std::string utcStamp(WallClock::time_point now) {
  const std::time_t seconds = WallClock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  return std::string(text, std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc));
}

Result<fs::path, RecordingError> folderOf(const RecordingPathRequest& request) {
  const fs::path base = fs::absolute(request.baseDir).lexically_normal();
  if (request.dir.empty()) return base;
  const fs::path dir(request.dir);
  if (hasParentStep(dir)) return RecordingError{"recording-dir may not contain '..'"};
  if (dir.is_relative()) return (base / dir).lexically_normal();
  const fs::path normal = dir.lexically_normal();
  // An absolute recording-dir is taken only inside the relay's directory.
  const fs::path inside = normal.lexically_relative(base);
  if (inside.empty() || hasParentStep(inside)) {
    return RecordingError{"recording-dir is outside the relay's recording directory"};
  }
  return normal;
}

}  // namespace

Result<std::string, RecordingError> recordingPath(const RecordingPathRequest& request) {
  const std::string_view file = request.file;
  if (file.find('/') != std::string_view::npos || file.find('\0') != std::string_view::npos ||
      file == "." || file == ".." || file.find("..") != std::string_view::npos) {
    return RecordingError{"recording-file must be a file name without '/' or '..'"};
  }
  auto folder = folderOf(request);
  if (!folder) return folder.error();
  std::error_code error;
  fs::create_directories(*folder, error);
  if (error) return RecordingError{"Cannot create recording directory: " + error.message()};
  const std::string name = file.empty() ? safeName(request.callId) + "-" + utcStamp(request.now) +
                                              std::string(request.extension)
                                        : std::string(file);
  return (*folder / name).string();
}

}  // namespace rtcgate::media
