#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

// What the code under test set on its own sockets, seen from the test in the same process.
namespace rtcgate::io::testing {

// TCP_NODELAY (0 or 1) of this process's socket bound to `local` and connected to `remote` (for a
// test's client socket: its remote and local endpoints, in that order), or -1 when there is no such
// socket within `wait` (an accept still on its way).
inline int tcpNoDelayOf(const boost::asio::ip::tcp::endpoint& local,
                        const boost::asio::ip::tcp::endpoint& remote,
                        std::chrono::milliseconds wait = std::chrono::seconds(2)) {
  const auto endpointOf = [](int fd, bool peer) {
    boost::asio::ip::tcp::endpoint endpoint;
    socklen_t size = static_cast<socklen_t>(endpoint.capacity());
    const int status = peer ? ::getpeername(fd, endpoint.data(), &size)
                            : ::getsockname(fd, endpoint.data(), &size);
    if (status != 0) return boost::asio::ip::tcp::endpoint();
    endpoint.resize(size);
    return endpoint;
  };
  const auto deadline = std::chrono::steady_clock::now() + wait;
  do {
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ignored)) {
      const int fd = std::atoi(entry.path().filename().c_str());
      if (endpointOf(fd, false) != local || endpointOf(fd, true) != remote) continue;
      int value = 0;
      socklen_t size = sizeof value;
      if (::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &size) != 0) return -1;
      return value != 0 ? 1 : 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return -1;
}

}  // namespace rtcgate::io::testing
