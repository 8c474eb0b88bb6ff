#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace rtcgate {

// Files no other local account may read: secrets (tokens, passwords, keys), the store, and the
// data directory that holds them. What rtcgate creates is made private here whatever the umask;
// what the operator made is left alone (exposedMode() lets the caller warn about it). Each
// function returns false / nullopt with `why` set (the path and the system's reason) on failure.

// Creates `path` and its missing parents; the directories created here get mode 0700.
bool createPrivateDirectory(const std::string& path, std::string& why);

// Creates an empty file with mode 0600 unless `path` exists (so that a library that creates the
// file later, such as SQLite, inherits private permissions).
bool createPrivateFile(const std::string& path, std::string& why);

// A secret kept in a file (`*_file` configuration keys): its content without the trailing
// newline(s) that editors and `echo` add. An empty secret is an error.
std::optional<std::string> readSecretFile(const std::string& path, std::string& why);

// The secret in `path`; when the file does not exist yet, `randomBytes` bytes from the kernel's
// CSPRNG, hex-encoded, are written there first (mode 0600, created exclusively so two processes
// starting together end up with the same secret). For secrets rtcgate generates for itself.
std::optional<std::string> loadOrCreateSecretFile(const std::string& path, std::size_t randomBytes,
                                                  std::string& why);

// The permission bits of `path` when its group or others may read, write or enter it; nullopt
// when it is private or does not exist.
std::optional<unsigned> exposedMode(const std::string& path);

}  // namespace rtcgate
