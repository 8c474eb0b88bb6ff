// rtpgen: RTP load generator for the relay benchmark (bench/relay/run_bench.py).
//
// Creates N sessions on an ng server (rtcgate relay or rtpengine) with offer/answer, then sends
// RTP for every session at a fixed aggregate packet rate from one socket with sendmmsg, and counts
// what the relay forwards to one sink socket with recvmmsg. One socket per side is enough: every
// session's SDP names the same source/sink address, and the relay's ports tell sessions apart.
// Prints one JSON line. The ng link and the sockets are shared with dtlspeer (support/).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "support/LoopbackSocket.hpp"
#include "support/NgLink.hpp"

namespace {

struct Options {
  std::string ngHost = "127.0.0.1";
  int ngPort = 22222;
  int sessions = 10;
  double rate = 1000;  // packets per second, all sessions together
  double duration = 5;
  double hold = 0;  // seconds to keep the sessions before deleting (memory measurement)
  int payload = 160;
};

using rtcgate::tools::NgLink;

std::string bstr(const std::string& s) { return rtcgate::tools::bencodeString(s); }

// The m=audio port of the SDP in a bencoded reply; 0 when absent.
int sdpPort(const std::string& reply) {
  const std::size_t m = reply.find("m=audio ");
  return m == std::string::npos ? 0 : std::atoi(reply.c_str() + m + 8);
}

std::string sdp(int port) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=bench\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " +
         std::to_string(port) + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
}

int boundSocket(int& port) {
  std::uint16_t bound = 0;
  const int fd = rtcgate::tools::boundLoopbackSocket(bound);
  port = bound;
  return fd;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--ng") {
      const std::string v = value;
      o.ngHost = v.substr(0, v.rfind(':'));
      o.ngPort = std::atoi(v.c_str() + v.rfind(':') + 1);
    } else if (key == "--sessions") {
      o.sessions = std::atoi(value);
    } else if (key == "--rate") {
      o.rate = std::atof(value);
    } else if (key == "--duration") {
      o.duration = std::atof(value);
    } else if (key == "--hold") {
      o.hold = std::atof(value);
    } else if (key == "--payload") {
      o.payload = std::atoi(value);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  int sourcePort = 0;
  int sinkPort = 0;
  const int source = boundSocket(sourcePort);
  const int sink = boundSocket(sinkPort);
  NgLink ng(o.ngHost, o.ngPort);
  const std::string tag = std::to_string(getpid());
  std::vector<sockaddr_in> targets;
  for (int i = 0; i < o.sessions; ++i) {
    const std::string callId = "bench-" + tag + "-" + std::to_string(i);
    const std::string common = bstr("call-id") + bstr(callId) + bstr("from-tag") + bstr("a") +
                               bstr("flags") + "l" + bstr("trust-address") + "e";
    ng.call("d" + bstr("command") + bstr("offer") + common + bstr("sdp") + bstr(sdp(sourcePort)) +
            "e");
    const std::string answer =
        ng.call("d" + bstr("command") + bstr("answer") + common + bstr("to-tag") + bstr("b") +
                bstr("sdp") + bstr(sdp(sinkPort)) + "e");
    const int port = sdpPort(answer);
    if (port == 0) {
      std::fprintf(stderr, "rtpgen: session %d failed: %s\n", i, answer.c_str());
      return 1;
    }
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    target.sin_port = htons(static_cast<std::uint16_t>(port));
    targets.push_back(target);
  }
  std::fprintf(stderr, "rtpgen: %d sessions ready\n", o.sessions);
  if (o.hold > 0) std::this_thread::sleep_for(std::chrono::duration<double>(o.hold));

  std::atomic<bool> sending{true};
  std::atomic<std::uint64_t> received{0};
  std::thread receiver([&] {
    constexpr int kBatch = 64;
    static char buffers[kBatch][2048];
    iovec iov[kBatch];
    mmsghdr messages[kBatch];
    for (int i = 0; i < kBatch; ++i) {
      iov[i] = {buffers[i], sizeof buffers[i]};
      messages[i] = {};
      messages[i].msg_hdr.msg_iov = &iov[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    auto quietSince = std::chrono::steady_clock::now();
    for (;;) {
      timespec wait{0, 10000000};
      const int n = recvmmsg(sink, messages, kBatch, MSG_WAITFORONE, &wait);
      const auto now = std::chrono::steady_clock::now();
      if (n > 0) {
        received += static_cast<std::uint64_t>(n);
        quietSince = now;
      } else {
        usleep(1000);
      }
      if (!sending && now - quietSince > std::chrono::milliseconds(500)) return;
    }
  });

  std::uint64_t sent = 0;
  if (o.duration > 0 && o.rate > 0) {
    constexpr int kBatch = 64;
    std::vector<std::vector<std::uint8_t>> packets(kBatch,
                                                   std::vector<std::uint8_t>(12 + o.payload));
    std::vector<std::uint16_t> sequence(targets.size(), 0);
    iovec iov[kBatch];
    mmsghdr messages[kBatch];
    const auto start = std::chrono::steady_clock::now();
    std::size_t next = 0;
    for (;;) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (elapsed >= o.duration) break;
      const auto due = static_cast<std::uint64_t>(elapsed * o.rate);
      if (due <= sent) {
        usleep(200);
        continue;
      }
      const int count = static_cast<int>(std::min<std::uint64_t>(due - sent, kBatch));
      for (int i = 0; i < count; ++i) {
        const std::size_t session = next++ % targets.size();
        std::uint8_t* p = packets[i].data();
        const std::uint16_t seq = sequence[session]++;
        const std::uint32_t ts = seq * 160u;
        const auto ssrc = static_cast<std::uint32_t>(session + 1);
        p[0] = 0x80;
        p[1] = 0;
        p[2] = seq >> 8;
        p[3] = seq & 0xff;
        for (int b = 0; b < 4; ++b) {
          p[4 + b] = static_cast<std::uint8_t>(ts >> (24 - 8 * b));
          p[8 + b] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * b));
        }
        iov[i] = {p, packets[i].size()};
        messages[i] = {};
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_name = &targets[session];
        messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
      }
      int done = 0;
      while (done < count) {
        const int n = sendmmsg(source, messages + done, count - done, 0);
        if (n <= 0) {
          usleep(100);
          continue;
        }
        done += n;
      }
      sent += static_cast<std::uint64_t>(count);
    }
  }
  sending = false;
  receiver.join();

  for (int i = 0; i < o.sessions; ++i) {
    const std::string callId = "bench-" + tag + "-" + std::to_string(i);
    ng.call("d" + bstr("command") + bstr("delete") + bstr("call-id") + bstr(callId) +
            bstr("delete delay") + "i0ee");
  }
  const double loss = sent == 0 ? 0.0 : 1.0 - static_cast<double>(received) / sent;
  std::printf(
      "{\"sessions\": %d, \"rate\": %.0f, \"duration\": %.1f, \"sent\": %llu, \"received\": %llu, "
      "\"loss\": %.6f}\n",
      o.sessions, o.rate, o.duration, static_cast<unsigned long long>(sent),
      static_cast<unsigned long long>(received.load()), loss < 0 ? 0.0 : loss);
  close(source);
  close(sink);
  return 0;
}
