#include "app/OpenFileLimit.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

namespace rtcgate::app {

OpenFileLimit raiseOpenFileLimit() {
  OpenFileLimit result;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return result;
  result.before = result.now = limit.rlim_cur;
  result.hard = limit.rlim_max;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) result.now = limit.rlim_max;
  }
  return result;
}

std::string openFileLimitWarning(const OpenFileLimit& limit, unsigned portMin, unsigned portMax,
                                 std::uint64_t reserve) {
  if (limit.now == 0 || portMax < portMin) return {};
  const std::uint64_t needed = std::uint64_t{portMax} - portMin + 1 + reserve;
  if (limit.now >= needed) return {};
  return fmt::format(
      "media.ports {}-{} may need {} open files but the limit is {} (hard limit {}): the relay "
      "will refuse calls before the port range is used up; raise LimitNOFILE (systemd) or "
      "`ulimit -n`",
      portMin, portMax, needed, limit.now, limit.hard);
}

}  // namespace rtcgate::app
