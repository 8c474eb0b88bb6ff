// rtpgen: RTP load generator for the relay benchmark (bench/relay/run_bench.py).
//
// Creates N sessions on an ng server (rtcgate relay or rtpengine) with offer/answer, then sends
// RTP for every session at a fixed aggregate packet rate from one socket with sendmmsg, and counts
// what the relay forwards to one sink socket with recvmmsg. One socket per side is enough: every
// session's SDP names the same source/sink address, and the relay's ports tell sessions apart.
// With --both-ways 1 the sink socket sends too, as the answering party of a call does: packets
// alternate between the directions (the rate stays the total) and both sockets count what
// arrives. Prints one JSON line. The ng link and the sockets are shared with dtlspeer (support/).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
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
#include "support/SendBatch.hpp"
#include "support/TaggedRtp.hpp"

namespace {

struct Options {
  std::string ngHost = "127.0.0.1";
  int ngPort = 22222;
  int sessions = 10;
  double rate = 1000;  // packets per second, all sessions together
  double duration = 5;
  double hold = 0;  // seconds to keep the sessions before deleting (memory measurement)
  int payload = 160;
  bool bothWays = false;
};

using rtcgate::tools::NgLink;
using rtcgate::tools::RtpTag;
using rtcgate::tools::SendBatch;
using rtcgate::tools::writeTaggedRtp;

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
    } else if (key == "--both-ways") {
      o.bothWays = std::atoi(value) != 0;
    }
  }
  return o;
}

sockaddr_in loopbackPort(int port) {
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  target.sin_port = htons(static_cast<std::uint16_t>(port));
  return target;
}

// Reads both sockets (the sink only, one way) until sending stopped and 500 ms passed quietly.
void receiveUntilQuiet(const int (&fds)[2], int count, const std::atomic<bool>& sending,
                       std::atomic<std::uint64_t>& received) {
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
  pollfd polls[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
  auto quietSince = std::chrono::steady_clock::now();
  for (;;) {
    poll(polls, static_cast<nfds_t>(count), 10);
    const auto now = std::chrono::steady_clock::now();
    for (int k = 0; k < count; ++k) {
      const int n = recvmmsg(fds[k], messages, kBatch, MSG_DONTWAIT, nullptr);
      if (n > 0) {
        received += static_cast<std::uint64_t>(n);
        quietSince = now;
      }
    }
    if (!sending && now - quietSince > std::chrono::milliseconds(500)) return;
  }
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
  // Per session: where the offerer (source) sends, then where the answerer (sink) sends.
  std::vector<sockaddr_in> targets;
  std::vector<sockaddr_in> answererTargets;
  for (int i = 0; i < o.sessions; ++i) {
    const std::string callId = "bench-" + tag + "-" + std::to_string(i);
    const std::string common = bstr("call-id") + bstr(callId) + bstr("from-tag") + bstr("a") +
                               bstr("flags") + "l" + bstr("trust-address") + "e";
    const std::string offer = ng.call("d" + bstr("command") + bstr("offer") + common + bstr("sdp") +
                                      bstr(sdp(sourcePort)) + "e");
    const std::string answer =
        ng.call("d" + bstr("command") + bstr("answer") + common + bstr("to-tag") + bstr("b") +
                bstr("sdp") + bstr(sdp(sinkPort)) + "e");
    const int port = sdpPort(answer);
    const int answererPort = sdpPort(offer);
    if (port == 0 || answererPort == 0) {
      std::fprintf(stderr, "rtpgen: session %d failed: %s %s\n", i, offer.c_str(), answer.c_str());
      return 1;
    }
    targets.push_back(loopbackPort(port));
    answererTargets.push_back(loopbackPort(answererPort));
  }
  std::fprintf(stderr, "rtpgen: %d sessions ready\n", o.sessions);
  if (o.hold > 0) std::this_thread::sleep_for(std::chrono::duration<double>(o.hold));

  std::atomic<bool> sending{true};
  std::atomic<std::uint64_t> received{0};
  const int receivers[2] = {sink, source};
  std::thread receiver(
      [&] { receiveUntilQuiet(receivers, o.bothWays ? 2 : 1, sending, received); });

  std::uint64_t sent = 0;
  if (o.duration > 0 && o.rate > 0) {
    const int directions = o.bothWays ? 2 : 1;
    SendBatch offerer(source);
    SendBatch answerer(sink);
    SendBatch* senders[2] = {&offerer, &answerer};
    const std::vector<sockaddr_in>* destinations[2] = {&targets, &answererTargets};
    const auto payload = static_cast<std::size_t>(o.payload);  // PCMU, 160 samples a packet
    std::vector<std::uint16_t> sequence(2 * targets.size(), 0);
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
      const auto count = std::min<std::uint64_t>(due - sent, 64);
      for (std::uint64_t i = 0; i < count; ++i, ++next) {
        const auto direction = static_cast<int>(next % directions);
        const std::size_t session = next / directions % targets.size();
        const std::uint16_t seq = sequence[2 * session + direction]++;
        const RtpTag rtpTag{static_cast<std::uint32_t>(session),
                            static_cast<std::uint32_t>(direction), seq};
        const std::size_t length = writeTaggedRtp(
            senders[direction]->next(), seq, seq * 160u,
            static_cast<std::uint32_t>(session + 1 + (direction << 16)), rtpTag, payload);
        senders[direction]->push(length, (*destinations[direction])[session]);
      }
      offerer.flush();
      answerer.flush();
      sent += count;
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
