// dtlspeer: DTLS-SRTP <-> RTP load peer for the WebRTC relay benchmark
// (bench/relay/run_bench.py --webrtc) and its smoke test (tests/integration/test_dtlspeer.py).
//
// For each session it plays both ends of a browser-to-phone call: an ng offer from the "browser"
// (UDP/TLS/RTP/SAVPF, ICE, fingerprint, actpass) with the flags Kamailio sends towards SIP, an
// ng answer from a plain RTP/AVP "phone" with the flags towards a browser. Then the browser end
// behaves as Chromium does (support/WebRtcLeg: ICE check with USE-CANDIDATE, DTLS, SRTP) and both
// ends send at a fixed aggregate packet rate, alternating directions. What arrives is checked
// (SRTP authenticated and decrypted, the payload names the session it came through) and counted.
// One socket per side serves all sessions: the relay's ports tell them apart. Prints one JSON
// line; the set-up progress and "N sessions ready" go to stderr.
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "media/packet/EventLoop.hpp"
#include "media/webrtc/DtlsIdentity.hpp"
#include "media/webrtc/StunWriter.hpp"
#include "ng/NgFlags.hpp"
#include "support/LoopbackSocket.hpp"
#include "support/NgLink.hpp"
#include "support/RemoteMedia.hpp"
#include "support/SendBatch.hpp"
#include "support/TaggedRtp.hpp"
#include "support/WebRtcLeg.hpp"

namespace {

using rtcgate::Duration;
using rtcgate::media::DtlsIdentity;
using rtcgate::media::EventLoop;
using rtcgate::media::SrtpProfile;
using rtcgate::media::SrtpSession;
using rtcgate::tools::NgLink;
using rtcgate::tools::RemoteMedia;
using rtcgate::tools::WebRtcLeg;
namespace ng = rtcgate::ng;

struct Options {
  std::string ng = "127.0.0.1:22222";
  int sessions = 10;
  double rate = 1000;  // packets per second into the relay, both directions together
  double duration = 5;
  double hold = 0;  // seconds between set-up and traffic (memory measurement)
  int payload = 160;
  int concurrency = 32;  // handshakes in flight during set-up
  double setupTimeout = 120;
  // As Kamailio's rtpengine module sends them (docs/relay.md), plus trust-address: the load
  // peer has no SIP source address to pass as received-from.
  std::string towardSip =
      "ICE=remove RTP/AVP rtcp-mux-demux replace-origin replace-session-connection trust-address";
  std::string towardBrowser =
      "ICE=force UDP/TLS/RTP/SAVPF rtcp-mux-offer generate-mid SDES-off replace-origin "
      "replace-session-connection trust-address";
  // Chromium's use_srtp offer order.
  std::string srtpProfiles = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--ng") {
      o.ng = value;
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
    } else if (key == "--concurrency") {
      o.concurrency = std::max(1, std::atoi(value));
    } else if (key == "--setup-timeout") {
      o.setupTimeout = std::atof(value);
    } else if (key == "--toward-sip") {
      o.towardSip = value;
    } else if (key == "--toward-browser") {
      o.towardBrowser = value;
    } else if (key == "--srtp-profiles") {
      o.srtpProfiles = value;
    } else {
      std::fprintf(stderr, "dtlspeer: unknown option %s\n", key.c_str());
      std::exit(2);
    }
  }
  return o;
}

std::string plainSdp(std::uint16_t port) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=phone\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " +
         std::to_string(port) + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";
}

const char* profileName(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::AeadAes128Gcm:
      return "AEAD_AES_128_GCM";
    case SrtpProfile::AesCm128HmacSha1_80:
      return "AES_CM_128_HMAC_SHA1_80";
    case SrtpProfile::AesCm128HmacSha1_32:
      return "AES_CM_128_HMAC_SHA1_32";
    default:
      return "none";
  }
}

struct Session {
  std::string callId;
  std::unique_ptr<WebRtcLeg> leg;
  RemoteMedia toBrowser;    // the relay's WebRTC port, ICE credentials, fingerprint
  sockaddr_in plainTarget;  // the relay's port towards the phone
  std::uint16_t browserSequence = 0;
  std::uint16_t phoneSequence = 0;
};

// The payload names the session (support/TaggedRtp), so the receiver can tell that a packet came
// out of the session it went into (and, on the browser side, that decryption gave the right bytes).
std::size_t writeRtp(std::uint8_t* p, std::uint16_t sequence, std::uint32_t ssrc,
                     std::uint32_t session, int payload) {
  return rtcgate::tools::writeTaggedRtp(p, sequence, sequence * 160u, ssrc,
                                        rtcgate::tools::RtpTag{session, 0, sequence},
                                        static_cast<std::size_t>(payload));
}

bool namesSession(const std::uint8_t* p, std::size_t length, std::uint32_t session) {
  const auto tag = rtcgate::tools::readRtpTag(p, length);
  return tag && tag->stream == session;
}

struct Counters {
  std::uint64_t browserReceived = 0;  // SRTP that authenticated and named its session
  std::uint64_t phoneReceived = 0;    // RTP that named its session
  std::uint64_t srtpFailures = 0;
  std::uint64_t wrongSession = 0;
  std::uint64_t stunAnswered = 0;
};

constexpr int kBatch = 64;
constexpr std::size_t kPacketCapacity = 2048;

// Receives on both sockets until told to stop and the relay went quiet: answers the relay's STUN
// checks on the browser side, unprotects SRTP, checks payloads.
class Receiver {
 public:
  Receiver(int browserFd, int phoneFd, std::vector<Session>& sessions,
           const std::vector<std::int32_t>& byBrowserPort,
           const std::vector<std::int32_t>& byPhonePort)
      : browserFd_(browserFd),
        phoneFd_(phoneFd),
        sessions_(sessions),
        byBrowserPort_(byBrowserPort),
        byPhonePort_(byPhonePort) {
    for (int i = 0; i < kBatch; ++i) {
      iov_[i] = {buffers_[i], kPacketCapacity};
      messages_[i] = {};
      messages_[i].msg_hdr.msg_iov = &iov_[i];
      messages_[i].msg_hdr.msg_iovlen = 1;
      messages_[i].msg_hdr.msg_name = &from_[i];
    }
  }

  void run(const std::atomic<bool>& sending) {
    auto quietSince = std::chrono::steady_clock::now();
    for (;;) {
      pollfd fds[2] = {{browserFd_, POLLIN, 0}, {phoneFd_, POLLIN, 0}};
      poll(fds, 2, 10);
      const bool media = drain(browserFd_, true) + drain(phoneFd_, false) > 0;
      const auto now = std::chrono::steady_clock::now();
      if (media) quietSince = now;
      if (!sending && now - quietSince > std::chrono::milliseconds(500)) return;
    }
  }

  const Counters& counters() const { return counters_; }

 private:
  // Returns the number of media packets read.
  int drain(int fd, bool browser) {
    int media = 0;
    for (;;) {
      for (int i = 0; i < kBatch; ++i) messages_[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
      const int n = recvmmsg(fd, messages_, kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) return media;
      for (int i = 0; i < n; ++i) {
        const std::size_t length = messages_[i].msg_len;
        const std::uint16_t port = ntohs(from_[i].sin_port);
        const std::int32_t index = (browser ? byBrowserPort_ : byPhonePort_)[port];
        if (index < 0 || length < 1) continue;
        std::uint8_t* data = buffers_[i];
        if (browser) {
          media += onBrowserDatagram(sessions_[static_cast<std::size_t>(index)], data, length,
                                     from_[i], static_cast<std::uint32_t>(index));
        } else if (length >= 16 && data[0] >= 128 && data[0] <= 191) {
          ++media;
          if (namesSession(data, length, static_cast<std::uint32_t>(index))) {
            ++counters_.phoneReceived;
          } else {
            ++counters_.wrongSession;
          }
        }
      }
    }
  }

  int onBrowserDatagram(Session& session, std::uint8_t* data, std::size_t length,
                        const sockaddr_in& from, std::uint32_t index) {
    if (data[0] < 4) {
      std::uint8_t response[rtcgate::media::StunWriter::kMaxSize];
      const std::size_t size = session.leg->answerStun(data, length, from, response);
      if (size != 0) {
        sendto(browserFd_, response, size, 0, reinterpret_cast<const sockaddr*>(&from),
               sizeof from);
        ++counters_.stunAnswered;
      }
      return 0;
    }
    if (data[0] < 128 || data[0] > 191 || length < 12) return 0;  // late DTLS, or junk
    if (data[1] >= 192 && data[1] <= 223) return 0;               // SRTCP (RFC 5761)
    SrtpSession* srtp = session.leg->srtp();
    if (srtp == nullptr || !srtp->unprotectRtp(data, length)) {
      ++counters_.srtpFailures;
      return 1;
    }
    if (namesSession(data, length, index)) {
      ++counters_.browserReceived;
    } else {
      ++counters_.wrongSession;
    }
    return 1;
  }

  int browserFd_;
  int phoneFd_;
  std::vector<Session>& sessions_;
  const std::vector<std::int32_t>& byBrowserPort_;
  const std::vector<std::int32_t>& byPhonePort_;
  Counters counters_;
  std::uint8_t buffers_[kBatch][kPacketCapacity];
  iovec iov_[kBatch];
  mmsghdr messages_[kBatch];
  sockaddr_in from_[kBatch];
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  auto identity = DtlsIdentity::generate();
  if (!identity) {
    std::fprintf(stderr, "dtlspeer: cannot create a DTLS identity\n");
    return 1;
  }
  // The peer's own context: choosing what the "browser" offers in use_srtp is the peer's affair.
  if (SSL_CTX_set_tlsext_use_srtp((*identity)->context(), o.srtpProfiles.c_str()) != 0) {
    std::fprintf(stderr, "dtlspeer: bad --srtp-profiles %s\n", o.srtpProfiles.c_str());
    return 2;
  }
  std::uint16_t browserPort = 0;
  std::uint16_t phonePort = 0;
  const int browserFd = rtcgate::tools::boundLoopbackSocket(browserPort);
  const int phoneFd = rtcgate::tools::boundLoopbackSocket(phonePort);
  if (browserFd < 0 || phoneFd < 0) {
    std::fprintf(stderr, "dtlspeer: cannot bind loopback sockets\n");
    return 1;
  }
  NgLink ng = NgLink::fromOption(o.ng);
  EventLoop loop;
  const auto setupStart = std::chrono::steady_clock::now();
  const auto sendToRelay = [browserFd](const sockaddr_in& to, const std::uint8_t* data,
                                       std::size_t length) {
    sendto(browserFd, data, length, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  };

  // 1. Sessions over ng: all of them first, so the handshakes below are not paced by ng.
  const std::string tag = std::to_string(getpid());
  std::vector<Session> sessions(static_cast<std::size_t>(o.sessions));
  std::vector<std::int32_t> byBrowserPort(65536, -1);
  std::vector<std::int32_t> byPhonePort(65536, -1);
  int created = 0;
  std::string failure;
  for (std::size_t i = 0; i < sessions.size() && failure.empty(); ++i) {
    Session& s = sessions[i];
    s.callId = "dtlspeer-" + tag + "-" + std::to_string(i);
    s.leg = std::make_unique<WebRtcLeg>(*identity, loop, sendToRelay);
    ng::Value offer = ng::Value::dict();
    offer.set("command", "offer");
    offer.set("call-id", s.callId);
    offer.set("from-tag", "browser");
    offer.set("sdp", s.leg->localSdp(browserPort));
    rtcgate::ng::applyNgFlags(offer, o.towardSip);
    const auto offered = ng.call(offer);
    const auto toPhone =
        offered ? RemoteMedia::fromSdp(offered->stringAt("sdp")) : std::optional<RemoteMedia>();
    ng::Value answer = ng::Value::dict();
    answer.set("command", "answer");
    answer.set("call-id", s.callId);
    answer.set("from-tag", "browser");
    answer.set("to-tag", "phone");
    answer.set("sdp", plainSdp(phonePort));
    rtcgate::ng::applyNgFlags(answer, o.towardBrowser);
    const auto answered = toPhone ? ng.call(answer) : std::optional<ng::Value>();
    const auto toBrowser =
        answered ? RemoteMedia::fromSdp(answered->stringAt("sdp")) : std::optional<RemoteMedia>();
    if (!toPhone || !toBrowser || toBrowser->iceUfrag.empty() || toBrowser->fingerprint.empty()) {
      const ng::Value* reply = answered ? &*answered : offered ? &*offered : nullptr;
      failure = "session " + std::to_string(i) + " not created: " +
                (reply ? std::string(reply->stringAt("result")) + " " +
                             std::string(reply->stringAt("error-reason")) +
                             " sdp: " + std::string(reply->stringAt("sdp"))
                       : std::string("no ng reply"));
      break;
    }
    s.toBrowser = *toBrowser;
    s.leg->setRemote(s.toBrowser);
    s.plainTarget = toPhone->socketAddress();
    byBrowserPort[toBrowser->port] = static_cast<std::int32_t>(i);
    byPhonePort[toPhone->port] = static_cast<std::int32_t>(i);
    ++created;
  }

  // 2. ICE and DTLS, `concurrency` at a time, on this thread with the event loop's timers.
  std::size_t started = 0;
  std::size_t pending = 0;
  const auto deadline = setupStart + std::chrono::duration<double>(o.setupTimeout);
  std::uint8_t buffer[kPacketCapacity];
  const auto pump = [&] {
    loop.runOnce(Duration(1));
    for (;;) {
      sockaddr_in from{};
      socklen_t fromLength = sizeof from;
      const ssize_t n = recvfrom(browserFd, buffer, sizeof buffer, MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &fromLength);
      if (n <= 0) break;
      const std::int32_t index = byBrowserPort[ntohs(from.sin_port)];
      if (index >= 0) {
        sessions[static_cast<std::size_t>(index)].leg->onDatagram(
            buffer, static_cast<std::size_t>(n), from);
      }
    }
    while (recv(phoneFd, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
    }
  };
  while (failure.empty()) {
    while (started < static_cast<std::size_t>(created) &&
           pending < static_cast<std::size_t>(o.concurrency)) {
      sessions[started].leg->start();
      ++started;
      ++pending;
    }
    pump();
    pending = 0;
    for (std::size_t i = 0; i < started; ++i) {
      const auto state = sessions[i].leg->state();
      if (state == WebRtcLeg::State::Failed) {
        failure = "session " + std::to_string(i) + ": " + sessions[i].leg->failure();
      } else if (state != WebRtcLeg::State::Connected) {
        ++pending;
      }
    }
    if (started == static_cast<std::size_t>(created) && pending == 0) break;
    if (std::chrono::steady_clock::now() > deadline) {
      failure = std::to_string(pending) + " handshakes still pending at the set-up timeout";
    }
  }
  // The relay reads our final DTLS flight (and could still ask for a retransmission).
  for (int i = 0; i < 100 && failure.empty(); ++i) pump();
  const double setupSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - setupStart).count();
  const SrtpProfile profile =
      created > 0 && failure.empty() ? sessions[0].leg->profile() : SrtpProfile::None;
  if (failure.empty()) {
    std::fprintf(stderr, "dtlspeer: %d sessions ready (%s, %.1fs)\n", created, profileName(profile),
                 setupSeconds);
  } else {
    std::fprintf(stderr, "dtlspeer: failed: %s\n", failure.c_str());
  }

  // 3. Traffic: browser -> relay SRTP and phone -> relay RTP alternately, plus consent checks.
  std::uint64_t sentToPhone = 0;    // SRTP the browser sent
  std::uint64_t sentToBrowser = 0;  // RTP the phone sent
  std::uint64_t protectFailures = 0;
  Counters counters;
  if (failure.empty()) {
    std::atomic<bool> sending{true};
    auto receiver =
        std::make_unique<Receiver>(browserFd, phoneFd, sessions, byBrowserPort, byPhonePort);
    std::thread receiving([&] { receiver->run(sending); });
    const std::size_t n = sessions.size();
    std::vector<std::vector<std::uint8_t>> packets(2 * kBatch,
                                                   std::vector<std::uint8_t>(kPacketCapacity));
    iovec iov[2 * kBatch];
    mmsghdr browserMessages[kBatch];
    mmsghdr phoneMessages[kBatch];
    const double consentInterval = 2.5;  // seconds between a session's consent checks
    std::uint64_t consentSent = 0;
    std::uint64_t packetIndex = 0;
    const auto start = std::chrono::steady_clock::now();
    const double total = o.hold + (o.rate > 0 ? o.duration : 0);
    for (;;) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (elapsed >= total) break;
      const auto consentDue =
          static_cast<std::uint64_t>(elapsed * static_cast<double>(n) / consentInterval);
      for (; consentSent < consentDue; ++consentSent) {
        Session& s = sessions[consentSent % n];
        std::uint8_t request[rtcgate::media::StunWriter::kMaxSize];
        const std::size_t size =
            s.leg->consentRequest(request, static_cast<std::uint32_t>(consentSent));
        sendToRelay(s.leg->relayAddress(), request, size);
      }
      const double trafficElapsed = elapsed - o.hold;
      const auto due = trafficElapsed > 0 && o.rate > 0
                           ? static_cast<std::uint64_t>(trafficElapsed * o.rate)
                           : 0;
      if (due <= packetIndex) {
        usleep(200);
        continue;
      }
      const int count = static_cast<int>(std::min<std::uint64_t>(due - packetIndex, kBatch));
      int browserCount = 0;
      int phoneCount = 0;
      for (int i = 0; i < count; ++i, ++packetIndex) {
        const std::size_t index = (packetIndex / 2) % n;
        Session& s = sessions[index];
        std::uint8_t* p = packets[static_cast<std::size_t>(i)].data();
        const auto sessionId = static_cast<std::uint32_t>(index);
        if (packetIndex % 2 == 0) {
          std::size_t length =
              writeRtp(p, s.browserSequence++, 0x10000000u + sessionId, sessionId, o.payload);
          if (!s.leg->srtp()->protectRtp(p, length, kPacketCapacity)) {
            ++protectFailures;
            continue;
          }
          iov[i] = {p, length};
          mmsghdr& m = browserMessages[browserCount++];
          m = {};
          m.msg_hdr.msg_iov = &iov[i];
          m.msg_hdr.msg_iovlen = 1;
          m.msg_hdr.msg_name = const_cast<sockaddr_in*>(&s.leg->relayAddress());
          m.msg_hdr.msg_namelen = sizeof(sockaddr_in);
        } else {
          iov[i] = {p,
                    writeRtp(p, s.phoneSequence++, 0x20000000u + sessionId, sessionId, o.payload)};
          mmsghdr& m = phoneMessages[phoneCount++];
          m = {};
          m.msg_hdr.msg_iov = &iov[i];
          m.msg_hdr.msg_iovlen = 1;
          m.msg_hdr.msg_name = &s.plainTarget;
          m.msg_hdr.msg_namelen = sizeof(sockaddr_in);
        }
      }
      rtcgate::tools::sendAllMessages(browserFd, browserMessages, browserCount);
      rtcgate::tools::sendAllMessages(phoneFd, phoneMessages, phoneCount);
      sentToPhone += static_cast<std::uint64_t>(browserCount);
      sentToBrowser += static_cast<std::uint64_t>(phoneCount);
    }
    sending = false;
    receiving.join();
    counters = receiver->counters();
    // The benchmark reads the relay's CPU time here, so set-up and teardown are not counted.
    std::fprintf(stderr, "dtlspeer: traffic done\n");
  }

  for (const Session& s : sessions) {
    if (s.callId.empty()) continue;
    ng::Value request = ng::Value::dict();
    request.set("command", "delete");
    request.set("call-id", s.callId);
    request.set("delete delay", ng::Value::integer(0));
    ng.call(request);
  }
  close(browserFd);
  close(phoneFd);
  if (!failure.empty()) return 1;

  const std::uint64_t sent = sentToPhone + sentToBrowser;
  const std::uint64_t received = counters.browserReceived + counters.phoneReceived;
  const double loss = sent == 0 ? 0.0 : 1.0 - static_cast<double>(received) / sent;
  std::printf(
      "{\"sessions\": %d, \"profile\": \"%s\", \"peer_dtls_role\": \"%s\", "
      "\"setup_s\": %.2f, \"rate\": %.0f, "
      "\"duration\": %.1f, \"sent\": %llu, \"received\": %llu, \"loss\": %.6f, "
      "\"browser_to_phone\": {\"sent\": %llu, \"received\": %llu}, "
      "\"phone_to_browser\": {\"sent\": %llu, \"received\": %llu}, \"srtp_failures\": %llu, "
      "\"wrong_session\": %llu, \"protect_failures\": %llu, \"stun_answered\": %llu}\n",
      o.sessions, profileName(profile), sessions[0].leg->dtlsClient() ? "client" : "server",
      setupSeconds, o.rate, o.duration, static_cast<unsigned long long>(sent),
      static_cast<unsigned long long>(received), loss < 0 ? 0.0 : loss,
      static_cast<unsigned long long>(sentToPhone),
      static_cast<unsigned long long>(counters.phoneReceived),
      static_cast<unsigned long long>(sentToBrowser),
      static_cast<unsigned long long>(counters.browserReceived),
      static_cast<unsigned long long>(counters.srtpFailures),
      static_cast<unsigned long long>(counters.wrongSession),
      static_cast<unsigned long long>(protectFailures),
      static_cast<unsigned long long>(counters.stunAnswered));
  return 0;
}
