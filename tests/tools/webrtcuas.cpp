// webrtcuas: a SIP UAS over UDP that answers every INVITE as a WebRTC endpoint would (ICE, DTLS
// client, SRTP), the called party of the concurrent-calls benchmark
// (bench/gateway/concurrent_calls.py) and its smoke test (tests/integration/test_webrtcuas.py).
//
//   webrtcuas --sip-port P [--talk SECONDS=10] [--pps 50] [--payload 160]
//             [--report-every SECONDS=0] [--max-calls N=0]
//
// Three UDP sockets on 127.0.0.1: SIP on P; "webrtc", the media end of every WebRTC leg (the
// relay's ports tell the calls apart); "plain", standing in for the SIP caller's RTP endpoint
// (the benchmark's sipp UAC, which does signalling only, names this port in its SDP). Once a
// leg's DTLS is up, for --talk seconds each call sends SRTP into its WebRTC leg and, as soon as
// the relay has delivered that call's first packet to the plain socket (which teaches us the
// relay's SIP-side address), RTP back from the plain socket; every payload names its call
// (support/TaggedRtp), so what arrives is attributed, and SRTP is authenticated.
//
// Threads: the control thread (an epoll loop) does SIP, ICE, DTLS and reads all media; one
// sender thread sends both directions of every call in sendmmsg batches, spreading the calls over
// the packet interval. They share one MediaSlot per call (see there for the hand-over).
//
// Prints "ready sip=P plain=Q" once listening, then one JSON report line on SIGINT/SIGTERM (and
// every --report-every seconds) and exits 0 after the final one; --max-calls N exits after N BYEs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "media/packet/EventLoop.hpp"
#include "media/webrtc/DtlsIdentity.hpp"
#include "media/webrtc/SrtpSession.hpp"
#include "media/webrtc/StunWriter.hpp"
#include "sip/SipMessage.hpp"
#include "support/LoopbackSocket.hpp"
#include "support/RemoteMedia.hpp"
#include "support/SendBatch.hpp"
#include "support/TaggedRtp.hpp"
#include "support/WebRtcLeg.hpp"

namespace {

using rtcgate::Clock;
using rtcgate::Duration;
using rtcgate::Timers;
using rtcgate::media::DtlsIdentity;
using rtcgate::media::EventLoop;
using rtcgate::media::PollHandler;
using rtcgate::media::SrtpSession;
using rtcgate::tools::readRtpTag;
using rtcgate::tools::RemoteMedia;
using rtcgate::tools::RtpTag;
using rtcgate::tools::SendBatch;
using rtcgate::tools::WebRtcLeg;
using rtcgate::tools::writeTaggedRtp;
namespace sip = rtcgate::sip;

struct Options {
  std::uint16_t sipPort = 0;
  double talk = 10;
  int pps = 50;
  int payload = 160;
  double reportEvery = 0;
  long maxCalls = 0;
};

[[noreturn]] void usage(const char* problem) {
  std::fprintf(stderr,
               "webrtcuas: %s\nusage: webrtcuas --sip-port P [--talk SECONDS=10] [--pps 50] "
               "[--payload 160] [--report-every SECONDS=0] [--max-calls N=0]\n",
               problem);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (i + 1 >= argc) usage(("missing value for " + key).c_str());
    const char* value = argv[i + 1];
    if (key == "--sip-port") {
      o.sipPort = static_cast<std::uint16_t>(std::atoi(value));
    } else if (key == "--talk") {
      o.talk = std::atof(value);
    } else if (key == "--pps") {
      o.pps = std::atoi(value);
    } else if (key == "--payload") {
      o.payload = std::atoi(value);
    } else if (key == "--report-every") {
      o.reportEvery = std::atof(value);
    } else if (key == "--max-calls") {
      o.maxCalls = std::atol(value);
    } else {
      usage(("unknown option " + key).c_str());
    }
  }
  if (o.sipPort == 0) usage("--sip-port is required");
  if (o.pps < 1 || o.pps > 1000) usage("--pps must be 1-1000");
  if (o.payload < static_cast<int>(RtpTag::kSize) || o.payload > 1200) {
    usage("--payload must be 12-1200");
  }
  return o;
}

// CLOCK_MONOTONIC nanoseconds (what steady_clock reads on Linux, and what the sender sleeps on).
std::int64_t nowNs() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return std::int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
}

std::int64_t threadCpuNs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return std::int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
}

constexpr std::size_t kMaxSlots = 32768;  // concurrent calls, retiring ones included
constexpr std::int64_t kMillisecond = 1000000;

// What the sender thread reads of one call. The control thread fills srtp, relay and talkEndNs,
// resets plainKnown, then publishes them by storing the call's serial (0 = send nothing); the
// sender loads the serial before touching the rest. plainTarget is published the same way by
// plainKnown. To end a call the control thread stores serial 0 and keeps the call (its SRTP
// session) alive until the sender has finished two more passes (MediaSender::passes), after which
// no pass can still be using it.
struct MediaSlot {
  std::atomic<std::uint32_t> serial{0};
  rtcgate::media::SrtpSession* srtp = nullptr;
  sockaddr_in relay{};
  std::int64_t talkEndNs = 0;
  std::atomic<bool> plainKnown{false};
  sockaddr_in plainTarget{};
  // Sender thread only.
  std::uint32_t sendingSerial = 0;
  std::uint32_t webrtcSequence = 0;
  std::uint32_t plainSequence = 0;
};

// The sender thread: every millisecond, one of `phases` groups of slots (slot index modulo
// phases) sends one packet per direction, so each call sends every `phases` ms and a thousand
// calls are not one burst per 20 ms. No allocation, lock or clock read per packet.
class MediaSender {
 public:
  MediaSender(const Options& o, int webrtcFd, int plainFd, std::vector<MediaSlot>& slots)
      : payload_(static_cast<std::size_t>(o.payload)),
        phases_(std::max<std::uint64_t>(1, static_cast<std::uint64_t>(1000 / o.pps))),
        samplesPerPacket_(static_cast<std::uint32_t>(8 * phases_)),
        webrtc_(webrtcFd, 128),
        plain_(plainFd, 128),
        slots_(slots) {}

  void run() {
    std::int64_t next = nowNs();
    for (std::uint64_t sub = 0; running_.load(std::memory_order_relaxed); ++sub) {
      next += kMillisecond;
      timespec at{static_cast<time_t>(next / 1000000000), static_cast<long>(next % 1000000000)};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
      const std::int64_t now = nowNs();
      if (now - next > 5 * kMillisecond) lateTicks_.fetch_add(1, std::memory_order_relaxed);
      // Far behind (the machine is saturated): skip the backlog rather than send it in a burst.
      if (now - next > 100 * kMillisecond) next = now;
      const std::size_t count = slotCount_.load(std::memory_order_acquire);
      std::uint64_t toPlain = 0;
      std::uint64_t toWebrtc = 0;
      for (std::size_t i = sub % phases_; i < count; i += phases_) {
        sendSlot(slots_[i], static_cast<std::uint32_t>(i), now, toPlain, toWebrtc);
      }
      webrtc_.flush();
      plain_.flush();
      toPlainSent_.fetch_add(toPlain, std::memory_order_relaxed);
      toWebrtcSent_.fetch_add(toWebrtc, std::memory_order_relaxed);
      passes_.fetch_add(1);
      if (sub % 1000 == 0) cpuNs_.store(threadCpuNs(), std::memory_order_relaxed);
    }
    cpuNs_.store(threadCpuNs(), std::memory_order_relaxed);
  }

  void stop() { running_.store(false); }
  // Slots below this index may be in use (the control thread only raises it).
  void setSlotCount(std::size_t count) { slotCount_.store(count, std::memory_order_release); }
  std::uint64_t passes() const { return passes_.load(); }
  std::uint64_t toPlainSent() const { return toPlainSent_.load(std::memory_order_relaxed); }
  std::uint64_t toWebrtcSent() const { return toWebrtcSent_.load(std::memory_order_relaxed); }
  std::uint64_t protectFailed() const { return protectFailed_.load(std::memory_order_relaxed); }
  std::uint64_t lateTicks() const { return lateTicks_.load(std::memory_order_relaxed); }
  // This thread's CPU time, as of its last second.
  double cpuSeconds() const { return static_cast<double>(cpuNs_.load()) / 1e9; }

 private:
  void sendSlot(MediaSlot& slot, std::uint32_t index, std::int64_t now, std::uint64_t& toPlain,
                std::uint64_t& toWebrtc) {
    const std::uint32_t serial = slot.serial.load();
    if (serial == 0) return;
    if (serial != slot.sendingSerial) {
      slot.sendingSerial = serial;
      slot.webrtcSequence = 0;
      slot.plainSequence = 0;
    }
    if (now >= slot.talkEndNs) return;
    {
      const std::uint32_t sequence = slot.webrtcSequence++;
      std::uint8_t* packet = webrtc_.next();
      std::size_t length =
          writeTaggedRtp(packet, static_cast<std::uint16_t>(sequence), sequence * samplesPerPacket_,
                         0x10000000u ^ serial, RtpTag{index, serial, sequence}, payload_);
      if (slot.srtp->protectRtp(packet, length, SendBatch::kPacketCapacity)) {
        webrtc_.push(length, slot.relay);
        ++toPlain;
      } else {
        protectFailed_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (slot.plainKnown.load(std::memory_order_acquire)) {
      const std::uint32_t sequence = slot.plainSequence++;
      std::uint8_t* packet = plain_.next();
      const std::size_t length =
          writeTaggedRtp(packet, static_cast<std::uint16_t>(sequence), sequence * samplesPerPacket_,
                         0x20000000u ^ serial, RtpTag{index, serial, sequence}, payload_);
      plain_.push(length, slot.plainTarget);
      ++toWebrtc;
    }
  }

  const std::size_t payload_;
  const std::uint64_t phases_;
  const std::uint32_t samplesPerPacket_;
  SendBatch webrtc_;
  SendBatch plain_;
  std::vector<MediaSlot>& slots_;
  std::atomic<bool> running_{true};
  std::atomic<std::size_t> slotCount_{0};
  std::atomic<std::uint64_t> passes_{0};
  std::atomic<std::uint64_t> toPlainSent_{0};
  std::atomic<std::uint64_t> toWebrtcSent_{0};
  std::atomic<std::uint64_t> protectFailed_{0};
  std::atomic<std::uint64_t> lateTicks_{0};
  std::atomic<std::int64_t> cpuNs_{0};
};

// RFC 3261 timers for the 2xx retransmission (13.3.1.4) and the RFC 6026 Accepted state.
constexpr Duration kT1{500};
constexpr Duration kT2{4000};
constexpr Duration kAccepted{64 * 500};
constexpr Duration kSetupTimeout{30000};
constexpr Duration kConsentInterval{2500};  // Chromium checks consent every ~5 s; be keener
constexpr Duration kMediaLinger{1000};      // an ended call's late packets still find its SRTP
// RFC 3261 §17.2.2 Timer J: an ended call answers retransmissions of its BYE for 64*T1.
constexpr Duration kTimerJ{64 * 500};
constexpr Duration kHousekeeping{20};

// One call's control state, on the control thread only.
struct Call {
  enum class Media { Setup, Connected, Failed };

  std::string callId;
  std::string toTag;
  std::uint32_t inviteCseq = 0;
  std::string okText;   // the 200 to the INVITE, resent on retransmissions until the ACK
  std::string byeText;  // the 200 to the BYE, resent on BYE retransmissions
  sockaddr_in sipPeer{};
  std::uint32_t slot = 0;
  std::uint32_t serial = 0;
  std::unique_ptr<WebRtcLeg> leg;
  std::uint16_t relayPort = 0;
  std::int64_t invitedNs = 0;
  Clock::time_point acceptedUntil;
  Timers::Id retransmitTimer = 0;
  Duration retransmitInterval = kT1;
  Media media = Media::Setup;
  Clock::time_point nextConsent;
  std::uint32_t consentSequence = 0;
  bool ended = false;
  Clock::time_point endedAt;
  std::uint64_t retireAfterPass = 0;
};

std::string randomToken(std::size_t length) {
  static std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string token(length, 'x');
  for (char& c : token) c = kAlphabet[generator() % (sizeof kAlphabet - 1)];
  return token;
}

std::string addressText(const sockaddr_in& address) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &address.sin_addr, text, sizeof text);
  return text;
}

const char* profileName(rtcgate::media::SrtpProfile profile) {
  switch (profile) {
    case rtcgate::media::SrtpProfile::AeadAes128Gcm:
      return "AEAD_AES_128_GCM";
    case rtcgate::media::SrtpProfile::AesCm128HmacSha1_80:
      return "AES_CM_128_HMAC_SHA1_80";
    case rtcgate::media::SrtpProfile::AesCm128HmacSha1_32:
      return "AES_CM_128_HMAC_SHA1_32";
    case rtcgate::media::SrtpProfile::None:
      break;
  }
  return "none";
}

// Datagrams the kernel dropped because our socket's receive buffer was full (the "drops" column of
// /proc/net/udp for the socket bound to 127.0.0.1:port): loss that is the tool's, not the relay's.
unsigned long long socketDrops(std::uint16_t port) {
  FILE* table = std::fopen("/proc/self/net/udp", "r");
  if (table == nullptr) return 0;
  char line[512];
  char wanted[16];
  std::snprintf(wanted, sizeof wanted, ":%04X ", static_cast<unsigned>(port));
  unsigned long long drops = 0;
  while (std::fgets(line, sizeof line, table) != nullptr) {
    const char* local = std::strchr(line, ':');  // after the slot number
    if (local == nullptr || std::strncmp(local + 10, wanted, 6) != 0) continue;
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    char* save = nullptr;
    char* field = strtok_r(line, " \t\n", &save);
    for (int i = 0; i < 12 && field != nullptr; ++i) field = strtok_r(nullptr, " \t\n", &save);
    if (field != nullptr) drops += std::strtoull(field, nullptr, 10);
  }
  std::fclose(table);
  return drops;
}

volatile std::sig_atomic_t stopSignal = 0;
void onSignal(int) { stopSignal = 1; }

// The control thread: SIP UAS, the legs' ICE and DTLS, all media reception, reports.
class Uas {
 public:
  Uas(const Options& o, std::shared_ptr<const DtlsIdentity> identity, int sipFd, int webrtcFd,
      std::uint16_t webrtcPort, int plainFd, std::uint16_t plainPort)
      : options_(o),
        identity_(std::move(identity)),
        sipFd_(sipFd),
        webrtcFd_(webrtcFd),
        webrtcPort_(webrtcPort),
        plainFd_(plainFd),
        plainPort_(plainPort),
        slots_(kMaxSlots),
        sender_(o, webrtcFd, plainFd, slots_),
        calls_(kMaxSlots),
        byRelayPort_(65536, -1),
        sipHandler_(*this, &Uas::onSipReadable),
        contact_("<sip:webrtcuas@127.0.0.1:" + std::to_string(o.sipPort) + ">"),
        statelessTag_(randomToken(10)) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      iov_[i] = {buffers_[i], kPacketCapacity};
      messages_[i] = {};
      messages_[i].msg_hdr.msg_iov = &iov_[i];
      messages_[i].msg_hdr.msg_iovlen = 1;
      messages_[i].msg_hdr.msg_name = &from_[i];
    }
  }

  int run() {
    loop_.add(sipFd_, &sipHandler_);
    std::thread sending([this] { sender_.run(); });
    startedNs_ = nowNs();
    nextReportNs_ = startedNs_ + static_cast<std::int64_t>(options_.reportEvery * 1e9);
    housekeeping();
    pollMedia();
    loop_.run();
    sender_.stop();
    sending.join();
    report();
    return 0;
  }

 private:
  static constexpr std::size_t kBatch = 64;
  static constexpr std::size_t kPacketCapacity = 2048;

  // Binds an epoll registration to one of our member functions.
  class Handler : public PollHandler {
   public:
    Handler(Uas& owner, void (Uas::*method)()) : owner_(owner), method_(method) {}
    void onReadable() override { (owner_.*method_)(); }

   private:
    Uas& owner_;
    void (Uas::*method_)();
  };

  // ------------------------------------------------------------------ SIP

  void onSipReadable() {
    for (int i = 0; i < 64; ++i) {
      sockaddr_in from{};
      socklen_t fromLength = sizeof from;
      const ssize_t n = recvfrom(sipFd_, buffers_[0], kPacketCapacity, MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &fromLength);
      if (n <= 0) return;
      auto message = sip::SipMessage::parse(
          std::string(reinterpret_cast<const char*>(buffers_[0]), static_cast<std::size_t>(n)));
      if (!message) {
        ++badSip_;
        continue;
      }
      if (message->isRequest()) onRequest(*message, from);
    }
  }

  void sendSip(const std::string& text, const sockaddr_in& to) {
    sendto(sipFd_, text.data(), text.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }

  // A response to `request` with our To tag; the top Via gets received/rport filled in when the
  // request asked for rport (RFC 3581), though the answer goes to the source address either way.
  sip::SipMessage response(const sip::SipMessage& request, int status, std::string_view reason,
                           const std::string& toTag, const sockaddr_in& from) const {
    sip::SipMessage out = request.makeResponse(status, reason, status > 100 ? toTag : "");
    const sip::Via& via = request.topVia();
    if (auto rport = via.params.get("rport"); rport && rport->empty()) {
      std::string value(via.protocol);
      value.append(" ").append(via.host);
      if (via.port != 0) value.append(":").append(std::to_string(via.port));
      via.params.forEach([&](std::string_view name, std::string_view param) {
        value.append(";").append(name);
        if (name == "rport") {
          value.append("=").append(std::to_string(ntohs(from.sin_port)));
        } else if (!param.empty()) {
          value.append("=").append(param);
        }
      });
      value.append(";received=").append(addressText(from));
      out.setHeader(sip::HeaderId::Via, std::move(value));
    }
    return out;
  }

  void onRequest(const sip::SipMessage& request, const sockaddr_in& from) {
    switch (request.method()) {
      case sip::Method::Invite:
        onInvite(request, from);
        return;
      case sip::Method::Ack:
        onAck(request);
        return;
      case sip::Method::Bye:
        onBye(request, from);
        return;
      case sip::Method::Cancel:
        onCancel(request, from);
        return;
      case sip::Method::Options: {
        sip::SipMessage out = response(request, 200, "OK", statelessTag_, from);
        out.appendHeader(sip::HeaderId::Allow, "INVITE, ACK, BYE, CANCEL, OPTIONS");
        out.appendHeader("Accept", "application/sdp");
        sendSip(out.serialize(), from);
        return;
      }
      default:
        sendSip(response(request, 501, "Not Implemented", statelessTag_, from).serialize(), from);
        return;
    }
  }

  Call* findCall(std::string_view callId) {
    const auto it = byCallId_.find(std::string(callId));
    return it == byCallId_.end() ? nullptr : calls_[it->second].get();
  }

  void onInvite(const sip::SipMessage& request, const sockaddr_in& from) {
    if (Call* call = findCall(request.callId())) {
      if (call->ended) {
        sendSip(response(request, 481, "Call/Transaction Does Not Exist", call->toTag, from)
                    .serialize(),
                from);
      } else if (request.cseq() == call->inviteCseq) {
        sendSip(call->okText, from);  // a retransmission of the INVITE we answered
      } else {
        // A re-INVITE (a session refresh, say): the same description again. A changed offer
        // (ICE restart, new relay address) is not followed: the benchmark sends none.
        sip::SipMessage out = response(request, 200, "OK", call->toTag, from);
        out.appendHeader(sip::HeaderId::Contact, contact_);
        out.setBody(call->leg->localSdp(webrtcPort_, "active"), "application/sdp");
        sendSip(out.serialize(), from);
      }
      return;
    }
    const std::string callId(request.callId());
    if (!request.toTag().empty()) {
      sendSip(response(request, 481, "Call/Transaction Does Not Exist", statelessTag_, from)
                  .serialize(),
              from);
      return;
    }
    if (auto it = rejected_.find(callId); it != rejected_.end()) {
      sendSip(it->second, from);
      return;
    }
    const std::int64_t invitedNs = nowNs();
    const auto remote = RemoteMedia::fromSdp(request.body());
    const bool webrtc = remote && remote->protocol.find("UDP/TLS/RTP/SAVPF") != std::string::npos &&
                        !remote->iceUfrag.empty() && !remote->icePwd.empty() &&
                        !remote->fingerprint.empty();
    if (!webrtc || (freeSlots_.empty() && slotCount_ == kMaxSlots)) {
      const bool capacity = webrtc;
      ++failures_[capacity ? "no free call slot (503)" : "INVITE without WebRTC SDP (488)"];
      const std::string text =
          capacity
              ? response(request, 503, "Service Unavailable", randomToken(10), from).serialize()
              : response(request, 488, "Not Acceptable Here", randomToken(10), from).serialize();
      rejected_.emplace(callId, text);
      sendSip(text, from);
      return;
    }
    sendSip(response(request, 100, "Trying", "", from).serialize(), from);

    std::uint32_t slot = 0;
    if (!freeSlots_.empty()) {
      slot = freeSlots_.back();
      freeSlots_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(slotCount_++);
      sender_.setSlotCount(slotCount_);
    }
    auto owned = std::make_unique<Call>();
    Call& call = *owned;
    calls_[slot] = std::move(owned);
    byCallId_.emplace(callId, slot);
    call.callId = callId;
    call.toTag = randomToken(10);
    call.inviteCseq = request.cseq();
    call.sipPeer = from;
    call.slot = slot;
    call.serial = ++lastSerial_;
    call.invitedNs = invitedNs;
    call.leg = std::make_unique<WebRtcLeg>(
        identity_, loop_, [this](const sockaddr_in& to, const std::uint8_t* data, std::size_t n) {
          sendto(webrtcFd_, data, n, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
        });
    call.relayPort = remote->port;
    byRelayPort_[remote->port] = static_cast<std::int32_t>(slot);
    call.leg->setRemote(*remote, true);

    sip::SipMessage ok = response(request, 200, "OK", call.toTag, from);
    for (std::string_view route : request.all(sip::HeaderId::RecordRoute)) {
      ok.appendHeader(sip::HeaderId::RecordRoute, std::string(route));
    }
    ok.appendHeader(sip::HeaderId::Contact, contact_);
    ok.appendHeader(sip::HeaderId::Allow, "INVITE, ACK, BYE, CANCEL, OPTIONS");
    // We answer actpass with active: the DTLS client, as Chromium is when it answers.
    ok.setBody(call.leg->localSdp(webrtcPort_, "active"), "application/sdp");
    call.okText = ok.serialize();
    sendSip(call.okText, from);
    call.acceptedUntil = loop_.now() + kAccepted;
    call.retransmitTimer = loop_.start(call.retransmitInterval, [this, slot] { retransmit(slot); });
    ++answered_;
    ++active_;
    maxActive_ = std::max(maxActive_, active_);
    // As a browser does after setLocalDescription: ICE (and then DTLS) without waiting for the ACK.
    call.leg->start();
    checkLeg(call);
  }

  void retransmit(std::uint32_t slot) {
    Call& call = *calls_[slot];
    call.retransmitTimer = 0;
    if (call.ended) return;
    if (loop_.now() >= call.acceptedUntil) {
      // RFC 3261 13.3.1.4 would have us send a BYE; the caller has given up on the call anyway.
      ++failures_["no ACK for the 200"];
      endCall(call);
      return;
    }
    sendSip(call.okText, call.sipPeer);
    call.retransmitInterval = std::min(call.retransmitInterval * 2, kT2);
    call.retransmitTimer = loop_.start(call.retransmitInterval, [this, slot] { retransmit(slot); });
  }

  void onAck(const sip::SipMessage& request) {
    Call* call = findCall(request.callId());
    if (call == nullptr || request.cseq() != call->inviteCseq) return;
    if (call->retransmitTimer != 0) loop_.cancel(call->retransmitTimer);
    call->retransmitTimer = 0;
  }

  void onBye(const sip::SipMessage& request, const sockaddr_in& from) {
    Call* call = findCall(request.callId());
    if (call == nullptr) {
      ++failures_["BYE for an unknown call (481)"];
      sendSip(response(request, 481, "Call/Transaction Does Not Exist", statelessTag_, from)
                  .serialize(),
              from);
      return;
    }
    if (call->ended) {
      if (!call->byeText.empty()) sendSip(call->byeText, from);  // a BYE retransmission
      return;
    }
    call->byeText = response(request, 200, "OK", call->toTag, from).serialize();
    sendSip(call->byeText, from);
    ++byes_;
    if (call->media == Call::Media::Setup) {
      ++setupFailed_;
      ++failures_["BYE before DTLS connected"];
      call->media = Call::Media::Failed;
    }
    endCall(*call);
    if (options_.maxCalls > 0 && byes_ >= static_cast<std::uint64_t>(options_.maxCalls)) {
      loop_.stop();
    }
  }

  // The INVITE was answered at once, so a CANCEL can only find its server transaction in the
  // Accepted state (RFC 6026: 200, no effect on the call) or no transaction at all (481).
  void onCancel(const sip::SipMessage& request, const sockaddr_in& from) {
    Call* call = findCall(request.callId());
    if (call != nullptr && !call->ended && request.cseq() == call->inviteCseq &&
        loop_.now() < call->acceptedUntil) {
      sendSip(response(request, 200, "OK", call->toTag, from).serialize(), from);
      return;
    }
    sendSip(
        response(request, 481, "Call/Transaction Does Not Exist", statelessTag_, from).serialize(),
        from);
  }

  void endCall(Call& call) {
    call.ended = true;
    call.endedAt = loop_.now();
    if (call.retransmitTimer != 0) loop_.cancel(call.retransmitTimer);
    call.retransmitTimer = 0;
    slots_[call.slot].serial.store(0);
    call.retireAfterPass = sender_.passes() + 2;
    --active_;
  }

  // ------------------------------------------------------------------ media set-up

  void checkLeg(Call& call) {
    if (call.media != Call::Media::Setup || call.ended) return;
    const auto state = call.leg->state();
    if (state == WebRtcLeg::State::Failed) {
      call.media = Call::Media::Failed;
      ++setupFailed_;
      ++failures_[call.leg->failure() ? call.leg->failure() : "leg failed"];
    } else if (state == WebRtcLeg::State::Connected) {
      onConnected(call);
    }
  }

  void onConnected(Call& call) {
    if (call.leg->srtp() == nullptr) {
      call.media = Call::Media::Failed;
      ++setupFailed_;
      ++failures_["SRTP profile not supported"];
      return;
    }
    call.media = Call::Media::Connected;
    ++connected_;
    profile_ = call.leg->profile();
    const std::int64_t now = nowNs();
    setupMs_.push_back(static_cast<double>(now - call.invitedNs) / 1e6);
    call.nextConsent = loop_.now() + kConsentInterval;
    MediaSlot& slot = slots_[call.slot];
    slot.srtp = call.leg->srtp();
    slot.relay = call.leg->relayAddress();
    slot.talkEndNs = now + static_cast<std::int64_t>(options_.talk * 1e9);
    slot.plainKnown.store(false);
    slot.serial.store(call.serial);
  }

  void housekeeping() {
    if (stopSignal != 0) {
      loop_.stop();
      return;
    }
    const auto now = loop_.now();
    for (std::size_t i = 0; i < slotCount_; ++i) {
      Call* call = calls_[i].get();
      if (call == nullptr) continue;
      if (call->ended) {
        if (call->leg && sender_.passes() >= call->retireAfterPass &&
            now - call->endedAt >= kMediaLinger) {
          releaseMedia(*call);
        }
        if (!call->leg && now - call->endedAt >= kTimerJ) retire(*call);
        continue;
      }
      if (call->media == Call::Media::Setup) {
        checkLeg(*call);
        if (call->media == Call::Media::Setup &&
            nowNs() - call->invitedNs > kSetupTimeout.count() * kMillisecond) {
          call->media = Call::Media::Failed;
          ++setupFailed_;
          ++failures_["set-up timeout"];
        }
      } else if (call->media == Call::Media::Connected && now >= call->nextConsent) {
        std::uint8_t request[rtcgate::media::StunWriter::kMaxSize];
        const std::size_t size = call->leg->consentRequest(request, call->consentSequence++);
        const sockaddr_in& relay = call->leg->relayAddress();
        sendto(webrtcFd_, request, size, 0, reinterpret_cast<const sockaddr*>(&relay),
               sizeof relay);
        call->nextConsent = now + kConsentInterval;
      }
    }
    if (options_.reportEvery > 0 && nowNs() >= nextReportNs_) {
      report();
      nextReportNs_ += static_cast<std::int64_t>(options_.reportEvery * 1e9);
    }
    loop_.start(kHousekeeping, [this] { housekeeping(); });
  }

  // The sender has let go of the call's SRTP (MediaSlot): ICE, DTLS and SRTP state go; the SIP
  // state stays for Timer J.
  void releaseMedia(Call& call) {
    if (byRelayPort_[call.relayPort] == static_cast<std::int32_t>(call.slot)) {
      byRelayPort_[call.relayPort] = -1;
    }
    slots_[call.slot].srtp = nullptr;
    call.leg.reset();
  }

  void retire(Call& call) {
    const std::uint32_t slot = call.slot;
    byCallId_.erase(call.callId);
    calls_[slot].reset();
    freeSlots_.push_back(slot);
  }

  // ------------------------------------------------------------------ media reception

  // The media sockets are read every millisecond rather than on readiness: the relays send one
  // packet at a time, and a wake-up per packet (epoll_wait, recvmmsg, a context switch) cost more
  // than the packet itself. A millisecond of 1000 calls is ~100 packets per socket, well inside
  // the socket buffers, and ICE and DTLS do not mind the wait.
  void pollMedia() {
    onWebrtcReadable();
    onPlainReadable();
    loop_.start(Duration(1), [this] { pollMedia(); });
  }

  // Reads up to a few batches per call, so SIP and timers keep their turn under load.
  template <class OnDatagram>
  void drain(int fd, OnDatagram&& onDatagram) {
    for (int round = 0; round < 16; ++round) {
      for (auto& message : messages_) message.msg_hdr.msg_namelen = sizeof(sockaddr_in);
      const int n = recvmmsg(fd, messages_, kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) return;
      for (int i = 0; i < n; ++i) onDatagram(buffers_[i], messages_[i].msg_len, from_[i]);
      if (static_cast<std::size_t>(n) < kBatch) return;
    }
  }

  void onWebrtcReadable() {
    drain(webrtcFd_, [this](std::uint8_t* data, std::size_t length, const sockaddr_in& from) {
      const std::int32_t index = byRelayPort_[ntohs(from.sin_port)];
      if (index < 0 || length == 0) {
        ++stray_;
        return;
      }
      Call& call = *calls_[static_cast<std::size_t>(index)];
      const std::uint8_t first = data[0];
      if (first < 4) {  // STUN: the relay's checks (a full ICE agent), answers to ours
        std::uint8_t answer[rtcgate::media::StunWriter::kMaxSize];
        const std::size_t size = call.leg->answerStun(data, length, from, answer);
        if (size != 0) {
          sendto(webrtcFd_, answer, size, 0, reinterpret_cast<const sockaddr*>(&from), sizeof from);
        } else if (call.media == Call::Media::Setup) {
          call.leg->onDatagram(data, length, from);
          checkLeg(call);
        }
      } else if (first >= 20 && first <= 63) {  // DTLS (RFC 7983)
        if (call.ended) return;
        call.leg->onDatagram(data, length, from);
        checkLeg(call);
      } else if (first >= 128 && first <= 191) {
        if (data[1] >= 192 && data[1] <= 223) return;  // SRTCP (RFC 5761)
        auto* srtp = call.leg && call.media == Call::Media::Connected ? call.leg->srtp() : nullptr;
        if (srtp == nullptr || !srtp->unprotectRtp(data, length)) {
          ++toWebrtcAuthFailed_;
          return;
        }
        const auto tag = readRtpTag(data, length);
        if (tag && tag->stream == call.slot && tag->serial == call.serial) {
          ++toWebrtcReceived_;
        } else {
          ++misattributed_;
        }
      }
    });
  }

  void onPlainReadable() {
    drain(plainFd_, [this](std::uint8_t* data, std::size_t length, const sockaddr_in& from) {
      const auto tag = readRtpTag(data, length);
      if (!tag) {
        ++stray_;
        return;
      }
      Call* call = tag->stream < slotCount_ ? calls_[tag->stream].get() : nullptr;
      if (call == nullptr || call->serial != tag->serial) {
        ++misattributed_;
        return;
      }
      ++toPlainReceived_;
      MediaSlot& slot = slots_[call->slot];
      if (!call->ended && !slot.plainKnown.load(std::memory_order_relaxed)) {
        // The relay's SIP-side address for this call: where the plain direction goes from now.
        slot.plainTarget = from;
        slot.plainKnown.store(true, std::memory_order_release);
      }
    });
  }

  // ------------------------------------------------------------------ report

  void report() {
    std::vector<double> setup = setupMs_;
    double median = 0;
    double p95 = 0;
    if (!setup.empty()) {
      std::sort(setup.begin(), setup.end());
      median = setup[setup.size() / 2];
      p95 = setup[std::min(setup.size() - 1, setup.size() * 95 / 100)];
    }
    std::string failures;
    for (const auto& [reason, count] : failures_) {
      if (!failures.empty()) failures += ", ";
      failures += "\"" + reason + "\": " + std::to_string(count);
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    std::printf(
        "{\"calls\": %llu, \"connected\": %llu, \"setupFailed\": %llu, \"failures\": {%s}, "
        "\"byes\": %llu, \"active\": %lld, \"maxActive\": %lld, "
        "\"toPlain\": {\"sent\": %llu, \"received\": %llu}, "
        "\"toWebrtc\": {\"sent\": %llu, \"received\": %llu, \"authFailed\": %llu}, "
        "\"setupMs\": {\"median\": %.1f, \"p95\": %.1f}, \"misattributed\": %llu, "
        "\"stray\": %llu, \"badSip\": %llu, \"protectFailed\": %llu, \"senderLateTicks\": %llu, "
        "\"srtpProfile\": \"%s\", \"cpuSeconds\": %.2f, "
        "\"threadCpuSeconds\": {\"control\": %.2f, \"sender\": %.2f}, "
        "\"socketDrops\": {\"sip\": %llu, \"webrtc\": %llu, \"plain\": %llu}, "
        "\"elapsedSeconds\": %.2f}\n",
        static_cast<unsigned long long>(answered_), static_cast<unsigned long long>(connected_),
        static_cast<unsigned long long>(setupFailed_), failures.c_str(),
        static_cast<unsigned long long>(byes_), static_cast<long long>(active_),
        static_cast<long long>(maxActive_), static_cast<unsigned long long>(sender_.toPlainSent()),
        static_cast<unsigned long long>(toPlainReceived_),
        static_cast<unsigned long long>(sender_.toWebrtcSent()),
        static_cast<unsigned long long>(toWebrtcReceived_),
        static_cast<unsigned long long>(toWebrtcAuthFailed_), median, p95,
        static_cast<unsigned long long>(misattributed_), static_cast<unsigned long long>(stray_),
        static_cast<unsigned long long>(badSip_),
        static_cast<unsigned long long>(sender_.protectFailed()),
        static_cast<unsigned long long>(sender_.lateTicks()), profileName(profile_), cpu,
        static_cast<double>(threadCpuNs()) / 1e9, sender_.cpuSeconds(),
        socketDrops(options_.sipPort), socketDrops(webrtcPort_), socketDrops(plainPort_),
        static_cast<double>(nowNs() - startedNs_) / 1e9);
    std::fflush(stdout);
  }

  const Options options_;
  std::shared_ptr<const DtlsIdentity> identity_;
  const int sipFd_;
  const int webrtcFd_;
  const std::uint16_t webrtcPort_;
  const int plainFd_;
  const std::uint16_t plainPort_;
  EventLoop loop_;
  std::vector<MediaSlot> slots_;
  MediaSender sender_;
  std::vector<std::unique_ptr<Call>> calls_;  // by slot
  std::size_t slotCount_ = 0;                 // slots ever used
  std::vector<std::uint32_t> freeSlots_;
  std::unordered_map<std::string, std::uint32_t> byCallId_;
  std::unordered_map<std::string, std::string> rejected_;  // Call-ID -> our final answer
  std::vector<std::int32_t> byRelayPort_;                  // the relay's WebRTC port -> slot
  std::uint32_t lastSerial_ = 0;
  Handler sipHandler_;
  const std::string contact_;
  const std::string statelessTag_;

  std::uint8_t buffers_[kBatch][kPacketCapacity];
  iovec iov_[kBatch];
  mmsghdr messages_[kBatch];
  sockaddr_in from_[kBatch];

  std::int64_t startedNs_ = 0;
  std::int64_t nextReportNs_ = 0;
  std::uint64_t answered_ = 0;
  std::uint64_t connected_ = 0;
  std::uint64_t setupFailed_ = 0;
  std::map<std::string, std::uint64_t> failures_;
  std::uint64_t byes_ = 0;
  std::int64_t active_ = 0;
  std::int64_t maxActive_ = 0;
  std::uint64_t toPlainReceived_ = 0;
  std::uint64_t toWebrtcReceived_ = 0;
  std::uint64_t toWebrtcAuthFailed_ = 0;
  std::uint64_t misattributed_ = 0;
  std::uint64_t stray_ = 0;
  std::uint64_t badSip_ = 0;
  std::vector<double> setupMs_;
  rtcgate::media::SrtpProfile profile_ = rtcgate::media::SrtpProfile::None;  // the last negotiated
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  auto identity = DtlsIdentity::generate();
  if (!identity) {
    std::fprintf(stderr, "webrtcuas: cannot create a DTLS identity\n");
    return 1;
  }
  // Chromium's use_srtp offer order: which profiles the "browser" offers is the peer's affair.
  SSL_CTX_set_tlsext_use_srtp((*identity)->context(),
                              "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80");
  std::uint16_t sipPort = o.sipPort;
  std::uint16_t webrtcPort = 0;
  std::uint16_t plainPort = 0;
  const int sipFd = rtcgate::tools::boundLoopbackSocket(sipPort);
  const int webrtcFd = rtcgate::tools::boundLoopbackSocket(webrtcPort);
  const int plainFd = rtcgate::tools::boundLoopbackSocket(plainPort);
  if (sipFd < 0 || webrtcFd < 0 || plainFd < 0) {
    std::fprintf(stderr, "webrtcuas: cannot bind udp 127.0.0.1:%u (or the media sockets)\n",
                 static_cast<unsigned>(o.sipPort));
    return 1;
  }
  // As root (the benchmark's network namespace) the media sockets may exceed net.core.rmem_max:
  // 32 MiB holds about half a second of a thousand calls, should the control thread be starved
  // for a moment on a busy machine. Without the privilege the 8 MiB asked for stays.
  for (const int fd : {webrtcFd, plainFd}) {
    int size = 32 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  }
  struct sigaction action {};
  action.sa_handler = onSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::printf("ready sip=%u plain=%u\n", static_cast<unsigned>(sipPort),
              static_cast<unsigned>(plainPort));
  std::fflush(stdout);
  // The control state (receive buffers, call table) is large: keep it off the stack.
  auto uas = std::make_unique<Uas>(o, *identity, sipFd, webrtcFd, webrtcPort, plainFd, plainPort);
  const int status = uas->run();
  close(sipFd);
  close(webrtcFd);
  close(plainFd);
  return status;
}
