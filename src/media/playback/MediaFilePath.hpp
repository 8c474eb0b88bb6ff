#pragma once

#include <string>
#include <string_view>

#include "base/Result.hpp"

namespace rtcgate::media {

// The file an ng `play media` request may read: `file` inside the relay's media directory
// (relay.media_dir), given as a name or path relative to it, or as an absolute path within it.
// Anything with a `..` step or outside the directory is refused, so that an ng client cannot have
// the relay read (and play to a call) an arbitrary file.
Result<std::string> mediaFilePath(const std::string& mediaDir, std::string_view file);

}  // namespace rtcgate::media
