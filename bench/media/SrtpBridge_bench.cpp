// Micro benchmarks of the WebRTC bridge: the SRTP work the relay adds per packet (unprotect what
// the browser sends, protect what it receives), and the heap held per bridged session (browser
// leg with ICE-lite, completed DTLS-SRTP and SRTP contexts, plus the plain RTP leg), measured
// with 2,000 sessions brought up through the relay engine with real DTLS handshakes.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <map>
#include <random>
#include <vector>

#include "media/relay/RelayEngine.hpp"
#include "media/webrtc/DtlsTransport.hpp"
#include "media/webrtc/SrtpSession.hpp"

namespace rtcgate::media {
namespace {

constexpr std::size_t kPacketSize = 172;  // 20 ms of G.711 with its RTP header

SrtpKeys testKeys(SrtpProfile profile, bool mirrored) {
  SrtpKeys keys;
  keys.profile = profile;
  for (std::size_t i = 0; i < keys.local.size(); ++i) {
    keys.local[i] = static_cast<std::uint8_t>(i + 1);
    keys.remote[i] = static_cast<std::uint8_t>(3 * i + 7);
  }
  if (mirrored) std::swap(keys.local, keys.remote);
  return keys;
}

void fillRtp(std::uint8_t* packet, std::uint16_t sequence) {
  std::fill(packet, packet + kPacketSize, 0x55);
  packet[0] = 0x80;
  packet[1] = 0;
  packet[2] = static_cast<std::uint8_t>(sequence >> 8);
  packet[3] = static_cast<std::uint8_t>(sequence);
  packet[8] = 0x12;
}

// Relay -> browser: one protect per packet, in place.
void BM_SrtpProtect(benchmark::State& state) {
  const auto profile = static_cast<SrtpProfile>(state.range(0));
  auto session = SrtpSession::create(testKeys(profile, false)).value();
  std::array<std::uint8_t, 2048> buffer{};
  std::uint16_t sequence = 0;
  for (auto _ : state) {
    fillRtp(buffer.data(), ++sequence);
    std::size_t length = kPacketSize;
    benchmark::DoNotOptimize(session->protectRtp(buffer.data(), length, buffer.size()));
  }
  state.SetItemsProcessed(state.iterations());
}

// Browser -> relay: one unprotect per packet (authentication, replay check, decryption).
void BM_SrtpUnprotect(benchmark::State& state) {
  const auto profile = static_cast<SrtpProfile>(state.range(0));
  auto sender = SrtpSession::create(testKeys(profile, false)).value();
  auto relay = SrtpSession::create(testKeys(profile, true)).value();
  constexpr std::size_t kBatch = 4096;
  std::vector<std::array<std::uint8_t, 512>> packets(kBatch);
  std::vector<std::size_t> lengths(kBatch);
  std::uint16_t sequence = 0;
  auto refill = [&] {
    for (std::size_t i = 0; i < kBatch; ++i) {
      fillRtp(packets[i].data(), ++sequence);
      lengths[i] = kPacketSize;
      if (!sender->protectRtp(packets[i].data(), lengths[i], packets[i].size())) std::abort();
    }
  };
  refill();
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == kBatch) {
      state.PauseTiming();
      refill();
      next = 0;
      state.ResumeTiming();
    }
    if (!relay->unprotectRtp(packets[next].data(), lengths[next])) {
      state.SkipWithError("unprotect failed");
      break;
    }
    ++next;
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_SrtpProtect)
    ->Arg(static_cast<int>(SrtpProfile::AesCm128HmacSha1_80))
    ->Arg(static_cast<int>(SrtpProfile::AeadAes128Gcm));
BENCHMARK(BM_SrtpUnprotect)
    ->Arg(static_cast<int>(SrtpProfile::AesCm128HmacSha1_80))
    ->Arg(static_cast<int>(SrtpProfile::AeadAes128Gcm));

// --- memory per bridged session ---------------------------------------------------------------

std::string browserOffer(const std::string& fingerprint) {
  return "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
         "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\n"
         "a=ice-ufrag:brws\r\na=ice-pwd:browserPasswordBrowserPassword\r\n"
         "a=fingerprint:sha-256 " +
         fingerprint + "\r\na=setup:actpass\r\na=mid:0\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n";
}

const std::string kPhoneAnswer =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 9000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

std::uint16_t mediaPort(const std::string& sdp) {
  const auto at = sdp.find("m=audio ");
  return static_cast<std::uint16_t>(std::stoi(sdp.substr(at + 8)));
}

std::string fingerprintIn(const std::string& sdp) {
  const auto at = sdp.find("a=fingerprint:sha-256 ") + 22;
  return sdp.substr(at, sdp.find('\r', at) - at);
}

// A DTLS client for many sessions over one socket: the "browsers" of the memory benchmark.
class HandshakeDriver {
 public:
  explicit HandshakeDriver(EventLoop& loop) : loop_(loop), identity_(*DtlsIdentity::generate()) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  ~HandshakeDriver() { close(fd_); }
  const std::string& fingerprint() const { return identity_->fingerprint(); }
  int fd() const { return fd_; }

  // Runs one complete handshake against the relay port; the client side is freed afterwards so
  // that only the relay's memory stays.
  bool handshake(std::uint16_t port, const std::string& relayFingerprint,
                 SrtpKeys* keys = nullptr) {
    DtlsTransport client(identity_, loop_, [&](const std::uint8_t* data, std::size_t size) {
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(port);
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      sendto(fd_, data, size, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    });
    client.start(DtlsTransport::Role::Client, relayFingerprint);
    std::array<std::uint8_t, 2048> buffer;
    for (int i = 0; i < 500 && client.state() == DtlsTransport::State::Connecting; ++i) {
      loop_.runOnce(Duration(1));
      for (;;) {
        const ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
        if (n <= 0) break;
        client.onDatagram(buffer.data(), static_cast<std::size_t>(n));
      }
    }
    // Let the relay read the client's last flight.
    for (int i = 0; i < 3; ++i) loop_.runOnce(Duration(1));
    if (keys != nullptr) *keys = client.keys();
    return client.state() == DtlsTransport::State::Connected;
  }

 private:
  EventLoop& loop_;
  std::shared_ptr<DtlsIdentity> identity_;
  int fd_ = -1;
};

void BM_BridgedSessionMemory(benchmark::State& state) {
  const int sessions = static_cast<int>(state.range(0));
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  for (auto _ : state) {
    EventLoop loop;
    RelayOptions options;
    options.portMin = 20000;
    options.portMax = static_cast<std::uint16_t>(20000 + 4 * sessions + 400);
    options.mediaTimeout = std::chrono::seconds(3600);
    RelayEngine engine(loop, options);
    HandshakeDriver driver(loop);
    malloc_trim(0);
    const std::size_t before = mallinfo2().uordblks;
    int connected = 0;
    for (int i = 0; i < sessions; ++i) {
      const std::string callId = "mem-" + std::to_string(i);
      ng::Value offer = ng::Value::dict();
      offer.set("command", "offer");
      offer.set("call-id", callId);
      offer.set("from-tag", "browser");
      offer.set("sdp", browserOffer(driver.fingerprint()));
      ng::Value& flags = offer.set("flags", ng::Value::list());
      for (const char* flag : {"ICE=remove", "RTP/AVP", "rtcp-mux-demux"}) flags.push(flag);
      engine.handle(offer);
      ng::Value answer = ng::Value::dict();
      answer.set("command", "answer");
      answer.set("call-id", callId);
      answer.set("from-tag", "browser");
      answer.set("to-tag", "phone");
      answer.set("sdp", kPhoneAnswer);
      ng::Value& answerFlags = answer.set("flags", ng::Value::list());
      for (const char* flag : {"ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-require"}) {
        answerFlags.push(flag);
      }
      const std::string toBrowser(engine.handle(answer).stringAt("sdp"));
      if (driver.handshake(mediaPort(toBrowser), fingerprintIn(toBrowser))) ++connected;
    }
    // What a session holds in steady state: the DTLS sessions are released after their linger.
    const auto until = loop.now() + DtlsTransport::kLinger + Duration(500);
    while (loop.now() < until) loop.runOnce(Duration(100));
    malloc_trim(0);
    const std::size_t after = mallinfo2().uordblks;
    state.counters["sessions"] = sessions;
    state.counters["dtls_connected"] = connected;
    state.counters["heap_bytes_per_session"] =
        static_cast<double>(after - before) / static_cast<double>(sessions);
  }
}

// --- the relay's packet path, bridged vs plain -------------------------------------------------

int boundSocket(std::uint16_t& port) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  const int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  return fd;
}

std::string plainSdp(std::uint16_t port) {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " +
         std::to_string(port) + " RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
}

// Time the relay spends per packet (recvmmsg, [SRTP unprotect], latch, counters, sendmmsg) in
// batches of 64, with one caller sending to it and one sink. range(0): 1 = the caller is a browser
// (UDP/TLS/RTP/SAVPF, DTLS-SRTP with GCM), 0 = a plain RTP/AVP caller (the relay's own baseline).
void BM_RelayPacketPath(benchmark::State& state) {
  const bool bridged = state.range(0) == 1;
  EventLoop loop;
  RelayOptions options;
  std::random_device random;
  options.portMin = static_cast<std::uint16_t>(30000 + (random() % 100) * 100);
  options.portMax = static_cast<std::uint16_t>(options.portMin + 99);
  RelayEngine engine(loop, options);
  HandshakeDriver driver(loop);
  std::uint16_t senderPort = 0;
  std::uint16_t sinkPort = 0;
  int sender = boundSocket(senderPort);
  const int sink = boundSocket(sinkPort);
  auto command = [&](const char* name, const std::string& sdp,
                     std::initializer_list<const char*> flags) {
    ng::Value request = ng::Value::dict();
    request.set("command", name);
    request.set("call-id", "path");
    request.set("from-tag", "caller");
    if (std::string(name) == "answer") request.set("to-tag", "callee");
    request.set("sdp", sdp);
    ng::Value& list = request.set("flags", ng::Value::list());
    for (const char* flag : flags) list.push(flag);
    return std::string(engine.handle(request).stringAt("sdp"));
  };
  std::unique_ptr<SrtpSession> srtp;
  std::uint16_t relayPort = 0;
  if (bridged) {
    std::string offer = browserOffer(driver.fingerprint());
    offer.replace(offer.find("m=audio 9 "), 10, "m=audio " + std::to_string(senderPort) + " ");
    command("offer", offer, {"ICE=remove", "RTP/AVP", "rtcp-mux-demux"});
    const std::string toBrowser = command("answer", plainSdp(sinkPort),
                                          {"ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-require"});
    relayPort = mediaPort(toBrowser);
    SrtpKeys keys;
    // The DTLS peer's address is where the relay locks the browser leg: media comes from there.
    if (!driver.handshake(relayPort, fingerprintIn(toBrowser), &keys)) {
      state.SkipWithError("DTLS handshake failed");
      return;
    }
    srtp = SrtpSession::create(keys).value();
    close(sender);
    sender = dup(driver.fd());
  } else {
    command("offer", plainSdp(senderPort), {});
    relayPort = mediaPort(command("answer", plainSdp(sinkPort), {}));
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(relayPort);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  constexpr int kBatch = 64;
  std::array<std::array<std::uint8_t, 512>, kBatch> packets{};
  std::array<std::uint8_t, 2048> drain{};
  std::uint16_t sequence = 0;
  std::uint64_t received = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (auto& packet : packets) {
      fillRtp(packet.data(), ++sequence);
      std::size_t length = kPacketSize;
      if (srtp && !srtp->protectRtp(packet.data(), length, packet.size())) std::abort();
      sendto(sender, packet.data(), length, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
    state.ResumeTiming();
    loop.runOnce(Duration(0));
    state.PauseTiming();
    while (recv(sink, drain.data(), drain.size(), 0) > 0) ++received;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.counters["delivered"] =
      static_cast<double>(received) / static_cast<double>(state.iterations() * kBatch);
  close(sender);
  close(sink);
}

BENCHMARK(BM_RelayPacketPath)->Arg(0)->Arg(1);

BENCHMARK(BM_BridgedSessionMemory)->Arg(2000)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace rtcgate::media
