#include "support/NgLink.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "ng/Bencode.hpp"

namespace rtcgate::tools {

NgLink::NgLink(const std::string& host, int port) {
  fd_ = socket(AF_INET, SOCK_DGRAM, 0);
  server_.sin_family = AF_INET;
  server_.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &server_.sin_addr);
  timeval timeout{2, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

NgLink::~NgLink() {
  if (fd_ >= 0) close(fd_);
}

NgLink NgLink::fromOption(const std::string& hostPort) {
  const auto colon = hostPort.rfind(':');
  return NgLink(hostPort.substr(0, colon), std::stoi(hostPort.substr(colon + 1)));
}

std::string NgLink::call(const std::string& dict) {
  const std::string cookie = std::to_string(getpid()) + "_" + std::to_string(++sequence_);
  const std::string datagram = cookie + " " + dict;
  std::vector<char> buffer(65536);
  for (int attempt = 0; attempt < 3; ++attempt) {
    sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&server_),
           sizeof server_);
    for (;;) {
      const ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
      if (n <= 0) break;
      const std::string reply(buffer.data(), static_cast<std::size_t>(n));
      // A late reply to an earlier try carries an older cookie: skip it.
      if (reply.compare(0, cookie.size() + 1, cookie + " ") == 0) {
        return reply.substr(cookie.size() + 1);
      }
    }
  }
  return "";
}

std::optional<ng::Value> NgLink::call(const ng::Value& request) {
  const std::string reply = call(ng::Bencode::encode(request));
  if (reply.empty()) return std::nullopt;
  auto decoded = ng::Bencode::decode(reply);
  if (!decoded) return std::nullopt;
  return std::move(*decoded);
}

std::string bencodeString(const std::string& s) { return std::to_string(s.size()) + ":" + s; }

}  // namespace rtcgate::tools
