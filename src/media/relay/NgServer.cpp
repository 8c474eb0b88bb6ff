#include "media/relay/NgServer.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

#include "media/packet/PeerAddress.hpp"
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
      if (!server_.sourceAllowed(from.toSocketAddress())) continue;
      server_.process(std::string_view(buffer.data(), static_cast<std::size_t>(n)),
                      [fd = fd_, from](const std::string& reply) {
                        sendto(fd, reply.data(), reply.size(), MSG_DONTWAIT,
                               reinterpret_cast<const sockaddr*>(&from.storage), from.length);
                      });
    }
  }

 private:
  NgServer& server_;
  int fd_;
};

NgServer::NgServer(EventLoop& loop, Handler handler, Duration cookieLifetime)
    : loop_(loop), handler_(std::move(handler)), cache_(cookieLifetime) {}

NgServer::NgServer(EventLoop& loop, RelayEngine& engine, Duration cookieLifetime)
    : NgServer(
          loop,
          [&engine](const ng::Value& request, const ReplyFn& reply) {
            reply(engine.handle(request));
          },
          cookieLifetime) {}

NgServer::~NgServer() = default;

bool NgServer::sourceAllowed(const SocketAddress& source) {
  if (!allowedSources_) return true;
  for (const auto& range : *allowedSources_) {
    if (range.contains(source)) return true;
  }
  ++refusedSources_;
  if (refusalLog_.allow(loop_.now())) {
    spdlog::warn(
        "ng: dropped a request from {}, which relay.allowed_sources does not allow ({} "
        "more not logged)",
        source.toString(), refusalLog_.suppressed());
  }
  return false;
}

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

void NgServer::process(std::string_view datagram, std::function<void(const std::string&)> send) {
  const std::size_t space = datagram.find(' ');
  if (space == std::string_view::npos || space == 0) return;
  const std::string cookie(datagram.substr(0, space));
  const std::string_view document = datagram.substr(space + 1);
  if (const std::string* cached = cache_.find(cookie, loop_.now())) {
    send(*cached);
    return;
  }
  if (inFlight_.contains(cookie)) return;
  auto finish = [this, cookie, send = std::move(send)](ng::Value reply) {
    inFlight_.erase(cookie);
    std::string out = cookie;
    out += ' ';
    ng::Bencode::encode(reply, out);
    cache_.store(cookie, out, loop_.now());
    send(out);
  };
  auto error = [](const char* reason) {
    ng::Value reply = ng::Value::dict();
    reply.set("result", "error");
    reply.set("error-reason", reason);
    return reply;
  };
  if (!document.starts_with('d')) {
    finish(error("Invalid NG data format"));
    return;
  }
  auto request = ng::Bencode::decode(document);
  if (!request) {
    finish(error("Could not decode bencode dictionary"));
    return;
  }
  inFlight_.insert(cookie);
  handler_(*request, std::move(finish));
}

std::optional<std::string> NgServer::process(std::string_view datagram) {
  std::optional<std::string> result;
  process(datagram, [&result](const std::string& reply) { result = reply; });
  return result;
}

}  // namespace rtcgate::media
