#pragma once

#include <cstdint>
#include <string>

namespace rtcgate::app {

// Every media port is a socket, so the default soft limit of 1024 open files caps a relay at a
// few hundred calls. At start the soft limit is raised to the hard one (what systemd's
// LimitNOFILE or `ulimit -Hn` allow).
struct OpenFileLimit {
  std::uint64_t before = 0;  // soft limit found
  std::uint64_t now = 0;     // soft limit after raising
  std::uint64_t hard = 0;
};

OpenFileLimit raiseOpenFileLimit();

// A warning for the operator when `limit` cannot hold every port of the media range (plus
// `reserve` descriptors for signalling, the store and logs); empty when it can.
std::string openFileLimitWarning(const OpenFileLimit& limit, unsigned portMin, unsigned portMax,
                                 std::uint64_t reserve = 256);

}  // namespace rtcgate::app
