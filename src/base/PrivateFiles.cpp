#include "base/PrivateFiles.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace rtcgate {
namespace {

constexpr mode_t kPrivateDirectory = 0700;
constexpr mode_t kPrivateFile = 0600;

std::string systemError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool fillRandom(unsigned char* out, std::size_t size) {
  while (size > 0) {
    const ssize_t n = getrandom(out, size, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    out += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

std::string hex(const std::vector<unsigned char>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xf];
  }
  return out;
}

bool writeAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

bool createPrivateDirectory(const std::string& path, std::string& why) {
  std::filesystem::path target(path);
  std::filesystem::path walked;
  for (const auto& part : target) {
    walked /= part;
    if (walked == walked.root_path()) continue;
    if (::mkdir(walked.c_str(), kPrivateDirectory) == 0) {
      // mkdir applied the umask; the directory is ours, so make it exactly private.
      if (::chmod(walked.c_str(), kPrivateDirectory) != 0) {
        why = systemError("cannot restrict", walked.string());
        return false;
      }
    } else if (errno != EEXIST) {
      why = systemError("cannot create", walked.string());
      return false;
    }
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    why = path + " is not a directory";
    return false;
  }
  return true;
}

bool createPrivateFile(const std::string& path, std::string& why) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kPrivateFile);
  if (fd < 0) {
    if (errno == EEXIST) return true;
    why = systemError("cannot create", path);
    return false;
  }
  const bool restricted = ::fchmod(fd, kPrivateFile) == 0;
  ::close(fd);
  if (!restricted) why = systemError("cannot restrict", path);
  return restricted;
}

std::optional<std::string> readSecretFile(const std::string& path, std::string& why) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    why = systemError("cannot read", path);
    return std::nullopt;
  }
  std::stringstream content;
  content << file.rdbuf();
  std::string secret = content.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) {
    why = path + " is empty";
    return std::nullopt;
  }
  return secret;
}

std::optional<std::string> loadOrCreateSecretFile(const std::string& path, std::size_t randomBytes,
                                                  std::string& why) {
  if (::access(path.c_str(), F_OK) == 0) return readSecretFile(path, why);
  std::vector<unsigned char> bytes(randomBytes == 0 ? 32 : randomBytes);
  if (!fillRandom(bytes.data(), bytes.size())) {
    why = systemError("no random bytes for", path);
    return std::nullopt;
  }
  const std::string secret = hex(bytes);
  // Written in full under a temporary name, then linked into place: whoever reads `path` sees a
  // whole secret, and of two processes creating it at once the second takes the first's.
  std::string temporary = path + ".XXXXXX";
  const int fd = ::mkstemp(temporary.data());  // mode 0600
  if (fd < 0) {
    why = systemError("cannot create", temporary);
    return std::nullopt;
  }
  const bool written = writeAll(fd, secret + "\n") && ::fsync(fd) == 0;
  ::close(fd);
  const bool linked = written && ::link(temporary.c_str(), path.c_str()) == 0;
  const int linkError = errno;
  ::unlink(temporary.c_str());
  if (linked) return secret;
  errno = linkError;
  if (written && linkError == EEXIST) return readSecretFile(path, why);
  why = systemError("cannot write", path);
  return std::nullopt;
}

std::optional<unsigned> exposedMode(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  const auto permissions = static_cast<unsigned>(info.st_mode & 07777);
  if ((permissions & 077) == 0) return std::nullopt;
  return permissions;
}

}  // namespace rtcgate
