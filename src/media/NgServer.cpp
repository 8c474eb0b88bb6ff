#include "media/NgServer.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <array>

#include "media/PeerAddress.hpp"
#include "ng/Bencode.hpp"

namespace rtcgate::media {

class NgServer::Listener : public PollHandler {
 public:
  Listener(NgServer& server, int fd) : server_(server), fd_(fd) {}
  ~Listener() override {
    server_.loop_.remove(fd_);
    close(fd_);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  int fd() const { return fd_; }

  void onReadable() override {
    // Full browser SDPs can exceed one MTU; the kernel reassembles fragments up to 64 KiB.
    static thread_local std::array<char, 65536> buffer;
    for (int i = 0; i < 64; ++i) {
      PeerAddress from;
      from.length = sizeof from.storage;
      const ssize_t n = recvfrom(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from.storage), &from.length);
      if (n < 0) return;
      auto reply = server_.process(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      if (reply) {
        sendto(fd_, reply->data(), reply->size(), MSG_DONTWAIT,
               reinterpret_cast<const sockaddr*>(&from.storage), from.length);
      }
    }
  }

 private:
  NgServer& server_;
  int fd_;
};

NgServer::NgServer(EventLoop& loop, RelayEngine& engine, Duration cookieLifetime)
    : loop_(loop), engine_(engine), cache_(cookieLifetime) {}

NgServer::~NgServer() = default;

Result<bool> NgServer::listen(const SocketAddress& address) {
  const PeerAddress local = PeerAddress::from(address);
  const int fd = socket(local.storage.sin6_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{"cannot create ng socket"};
  if (bind(fd, reinterpret_cast<const sockaddr*>(&local.storage), local.length) != 0) {
    close(fd);
    return Error{"cannot bind ng listen address"};
  }
  auto listener = std::make_unique<Listener>(*this, fd);
  if (!loop_.add(fd, listener.get())) return Error{"cannot watch ng socket"};
  listeners_.push_back(std::move(listener));
  return true;
}

std::vector<SocketAddress> NgServer::localAddresses() const {
  std::vector<SocketAddress> addresses;
  for (const auto& listener : listeners_) {
    PeerAddress local;
    local.length = sizeof local.storage;
    getsockname(listener->fd(), reinterpret_cast<sockaddr*>(&local.storage), &local.length);
    addresses.push_back(local.toSocketAddress());
  }
  return addresses;
}

std::optional<std::string> NgServer::process(std::string_view datagram) {
  const std::size_t space = datagram.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  const std::string_view cookie = datagram.substr(0, space);
  const std::string_view document = datagram.substr(space + 1);
  if (const std::string* cached = cache_.find(cookie, loop_.now())) return *cached;
  ng::Value reply;
  if (document.starts_with('d')) {
    auto request = ng::Bencode::decode(document);
    if (request) {
      reply = engine_.handle(*request);
    } else {
      reply = ng::Value::dict();
      reply.set("result", "error");
      reply.set("error-reason", "Could not decode bencode dictionary");
    }
  } else {
    reply = ng::Value::dict();
    reply.set("result", "error");
    reply.set("error-reason", "Invalid NG data format");
  }
  std::string out(cookie);
  out += ' ';
  ng::Bencode::encode(reply, out);
  cache_.store(cookie, out, loop_.now());
  return out;
}

}  // namespace rtcgate::media
