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

#include "media/DtlsTransport.hpp"
#include "media/RelayEngine.hpp"
#include "media/SrtpSession.hpp"

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
  std::vector<std::array<std::uint8_t, 256>> packets(kBatch);
  std::vector<std::size_t> lengths(kBatch);
  std::uint16_t sequence = 0;
  auto refill = [&] {
    for (std::size_t i = 0; i < kBatch; ++i) {
      fillRtp(packets[i].data(), ++sequence);
      lengths[i] = kPacketSize;
      sender->protectRtp(packets[i].data(), lengths[i], packets[i].size());
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
    benchmark::DoNotOptimize(relay->unprotectRtp(packets[next].data(), lengths[next]));
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

  // Runs one complete handshake against the relay port; the client side is freed afterwards so
  // that only the relay's memory stays.
  bool handshake(std::uint16_t port, const std::string& relayFingerprint) {
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

BENCHMARK(BM_BridgedSessionMemory)->Arg(2000)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace rtcgate::media
