#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "support/LoopbackSocket.hpp"

namespace rtcgate::media {

// A call party's UDP socket on 127.0.0.1.
class Party {
 public:
  Party() : fd_(tools::boundLoopbackSocket(port_)) {}
  ~Party() { close(fd_); }
  std::uint16_t port() const { return port_; }
  void send(std::uint16_t to, const std::vector<std::uint8_t>& bytes) const {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(to);
    sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&address),
           sizeof address);
  }
  std::vector<std::uint8_t> receive() const {
    std::vector<std::uint8_t> buffer(2048);
    const ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
    buffer.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
    return buffer;
  }

 private:
  std::uint16_t port_ = 0;
  int fd_;
};

}  // namespace rtcgate::media
