#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace rtcgate::dns::test {

// A dnsmasq the test starts on 127.0.0.1 and a free port, serving only the records it is given
// (other names under --local domains are NXDOMAIN), stopped by its PID. dnsmasq comes from
// Debian's dnsmasq-base (scripts/install-deps.sh --test).
class DnsmasqProcess {
 public:
  static constexpr const char* kBinary = "/usr/sbin/dnsmasq";

  static bool installed() { return ::access(kBinary, X_OK) == 0; }

  // nullptr when it would not start (the reason is on stderr, dnsmasq's own output too).
  static std::unique_ptr<DnsmasqProcess> start(const std::vector<std::string>& records) {
    for (int attempt = 0; attempt < 5; ++attempt) {  // the free port may be taken meanwhile
      const std::uint16_t port = freeUdpPort();
      if (port == 0) continue;
      std::unique_ptr<DnsmasqProcess> process(new DnsmasqProcess(port));
      if (process->spawn(records) && process->waitListening()) return process;
    }
    return nullptr;
  }

  ~DnsmasqProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  DnsmasqProcess(const DnsmasqProcess&) = delete;
  DnsmasqProcess& operator=(const DnsmasqProcess&) = delete;

  std::uint16_t port() const { return port_; }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

  // A UDP port on 127.0.0.1 nobody is bound to right now.
  static std::uint16_t freeUdpPort() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address = loopback(0);
    socklen_t size = sizeof address;
    std::uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      port = ntohs(address.sin_port);
    }
    ::close(fd);
    return port;
  }

 private:
  explicit DnsmasqProcess(std::uint16_t port) : port_(port) {}

  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
  }

  // --user and --group root: dnsmasq changes no credentials, which would clear the
  // parent-death signal that stops it with a crashed test.
  bool spawn(const std::vector<std::string>& records) {
    std::vector<std::string> arguments = {kBinary,
                                          "--keep-in-foreground",
                                          "--no-resolv",
                                          "--no-hosts",
                                          "--conf-file=/dev/null",
                                          "--listen-address=127.0.0.1",
                                          "--bind-interfaces",
                                          "--port=" + std::to_string(port_),
                                          "--user=root",
                                          "--group=root",
                                          "--pid-file=",
                                          "--log-facility=-"};
    arguments.insert(arguments.end(), records.begin(), records.end());
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      // Stopped with the test even when the test crashes before its destructor runs.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      ::execv(kBinary, argv.data());
      ::_exit(127);
    }
    return pid_ > 0;
  }

  // Listening once our own bind to its port fails; false when it exited or took too long.
  bool waitListening() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
      const sockaddr_in address = loopback(port_);
      const bool taken =
          ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 &&
          errno == EADDRINUSE;
      ::close(fd);
      if (taken) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace rtcgate::dns::test
