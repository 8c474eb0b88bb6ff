#include "media/relay/RelayEngine.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "media/packet/PacketRelay.hpp"
#include "media/relay/NgServer.hpp"
#include "mediacontrol/MediaControl.hpp"
#include "ng/Bencode.hpp"
#include "sdp/SessionDescription.hpp"
#include "unit/media/relay/PacketIoParam.hpp"

namespace rtcgate::media {
namespace {

// A UDP socket on 127.0.0.1 playing one call party.
class Peer {
 public:
  // Any 127.x.y.z is loopback on Linux: another one plays another host.
  explicit Peer(const char* host = "127.0.0.1") {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    inet_pton(AF_INET, host, &address.sin_addr);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~Peer() { close(fd_); }
  std::uint16_t port() const { return port_; }

  void sendTo(std::uint16_t port, const std::string& bytes) const {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&address),
           sizeof address);
  }
  // The next datagram and the port it came from, or an empty string.
  std::pair<std::string, std::uint16_t> receive() const {
    char buffer[2048];
    sockaddr_in from{};
    socklen_t length = sizeof from;
    const ssize_t n =
        recvfrom(fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &length);
    if (n < 0) return {"", 0};
    return {std::string(buffer, static_cast<std::size_t>(n)), ntohs(from.sin_port)};
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

std::string rtp(std::uint8_t payloadType, std::uint16_t sequence, std::uint32_t ssrc) {
  std::string packet(172, '\0');
  packet[0] = static_cast<char>(0x80);
  packet[1] = static_cast<char>(payloadType);
  packet[2] = static_cast<char>(sequence >> 8);
  packet[3] = static_cast<char>(sequence & 0xff);
  const std::uint32_t timestamp = sequence * 160u;
  for (int i = 0; i < 4; ++i) {
    packet[4 + i] = static_cast<char>(timestamp >> (24 - 8 * i));
    packet[8 + i] = static_cast<char>(ssrc >> (24 - 8 * i));
  }
  return packet;
}

std::string rtcpReport() {
  std::string packet(8, '\0');
  packet[0] = static_cast<char>(0x80);
  packet[1] = static_cast<char>(201);  // RR
  packet[3] = 1;
  return packet;
}

std::string sdpFor(std::uint16_t port, const std::string& extra = "") {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " +
         std::to_string(port) + " RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n" + extra;
}

std::size_t openFds() {
  std::size_t count = 0;
  DIR* dir = opendir("/proc/self/fd");
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count;
}

// The port the relay's socket on `localPort` is connected to (PacketRelay's pin), 0 when it is
// not connected, -1 when this process has no UDP socket on that port.
int pinnedPeerPort(std::uint16_t localPort) {
  DIR* dir = opendir("/proc/self/fd");
  int result = -1;
  while (dirent* entry = readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    sockaddr_in address{};
    socklen_t length = sizeof address;
    int type = 0;
    socklen_t typeLength = sizeof type;
    if (fd <= 2 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &typeLength) != 0 ||
        type != SOCK_DGRAM ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        address.sin_family != AF_INET || ntohs(address.sin_port) != localPort)
      continue;
    length = sizeof address;
    result = getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0
                 ? ntohs(address.sin_port)
                 : 0;
  }
  closedir(dir);
  return result;
}

class RelayEngineTest : public ::testing::TestWithParam<RelayOptions::PacketIo> {
 protected:
  RelayEngineTest() : packetIoProblem_(choosePacketIo(loop_, GetParam())) {
    // A random range so parallel test runs rarely collide; bind failures are retried anyway.
    std::random_device random;
    options_.portMin = static_cast<std::uint16_t>(20000 + (random() % 200) * 100);
    options_.portMax = static_cast<std::uint16_t>(options_.portMin + 99);
    options_.mediaTimeout = std::chrono::seconds(30);
    engine_ = std::make_unique<RelayEngine>(loop_, options_);
  }

  ng::Value run(const std::string& bencode) {
    auto request = ng::Bencode::decode(bencode);
    EXPECT_TRUE(request.ok()) << bencode;
    return engine_->handle(*request);
  }

  ng::Value offer(const std::string& callId, const std::string& sdp,
                  const std::vector<std::string>& flags = {}) {
    ng::Value request = ng::Value::dict();
    request.set("command", "offer");
    request.set("call-id", callId);
    request.set("from-tag", "alice");
    request.set("sdp", sdp);
    ng::Value& list = request.set("flags", ng::Value::list());
    for (const auto& flag : flags) list.push(flag);
    return engine_->handle(request);
  }

  ng::Value answer(const std::string& callId, const std::string& sdp) {
    ng::Value request = ng::Value::dict();
    request.set("command", "answer");
    request.set("call-id", callId);
    request.set("from-tag", "alice");
    request.set("to-tag", "bob");
    request.set("sdp", sdp);
    return engine_->handle(request);
  }

  static std::uint16_t portIn(const ng::Value& reply) {
    auto sdp = sdp::SessionDescription::parse(reply.stringAt("sdp"));
    return sdp ? sdp->media()[0].port() : 0;
  }

  // Runs the loop until `peer` has a datagram or ~1 s passed.
  std::pair<std::string, std::uint16_t> pump(const Peer& peer) {
    for (int i = 0; i < 100; ++i) {
      loop_.runOnce(Duration(10));
      auto received = peer.receive();
      if (!received.first.empty()) return received;
    }
    return {"", 0};
  }

  void runFor(Duration duration) {
    const auto until = Clock::now() + duration;
    while (Clock::now() < until) loop_.runOnce(Duration(10));
  }

  // Sends `count` RTP packets 20 ms apart, as a phone does, each forwarded to `to`.
  void talk(const Peer& from, std::uint16_t port, const Peer& to, std::uint16_t firstSequence,
            int count, std::uint32_t ssrc) {
    for (int i = 0; i < count; ++i) {
      from.sendTo(port, rtp(0, static_cast<std::uint16_t>(firstSequence + i), ssrc));
      ASSERT_FALSE(pump(to).first.empty()) << "packet " << i;
      runFor(Duration(20));
    }
  }

  const ng::Value* stream(const ng::Value& reply, const std::string& tag) {
    const ng::Value* party = reply.find("tags")->find(tag);
    return &party->find("medias")->items()[0].find("streams")->items()[0];
  }

  void SetUp() override {
    if (!packetIoProblem_.empty()) GTEST_SKIP() << packetIoProblem_;
  }

  RelayOptions options_;
  EventLoop loop_;
  std::string packetIoProblem_;  // set up before the engine, which takes the loop's ring
  std::unique_ptr<RelayEngine> engine_;
};

RTCGATE_BOTH_PACKET_PATHS(RelayEngineTest);

// An SR (NTP middle 32 bits 0x12345678) or an RR whose one block reports on `about` with LSR
// `lsr`, DLSR 0.
std::string rtcpPacket(bool sender, std::uint32_t ssrc, std::uint32_t about, std::uint32_t lsr) {
  std::string packet;
  auto put32 = [&packet](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) packet += static_cast<char>(v >> shift);
  };
  packet += static_cast<char>(0x81);
  packet += static_cast<char>(sender ? 200 : 201);
  packet += '\0';
  packet += static_cast<char>(sender ? 12 : 7);
  put32(ssrc);
  if (sender) {
    for (std::uint32_t v : {0x00001234u, 0x56780000u, 160u, 10u, 1600u}) put32(v);
  }
  put32(about);
  put32((51u << 24) | 3u);  // 20% lost lately, 3 in all
  put32(100);               // highest sequence
  put32(40);                // jitter: 5 ms at 8000
  put32(lsr);
  put32(0);
  return packet;
}

TEST_P(RelayEngineTest, PingPong) {
  EXPECT_EQ(run("d7:command4:pinge").stringAt("result"), "pong");
}

TEST_P(RelayEngineTest, OfferAnswerForwardsBothWaysAndDeleteFreesPorts) {
  Peer alice, bob, stranger;
  const ng::Value offered = offer("call1", sdpFor(alice.port()), {"trust-address"});
  ASSERT_EQ(offered.stringAt("result"), "ok") << offered.stringAt("error-reason");
  const std::uint16_t bobSends = portIn(offered);
  EXPECT_NE(offered.stringAt("sdp").find("a=rtcp:" + std::to_string(bobSends + 1)),
            std::string::npos);
  // Bob takes RTCP on his RTP port (explicit a=rtcp), so one test socket sees both.
  const ng::Value answered =
      answer("call1", sdpFor(bob.port(), "a=rtcp:" + std::to_string(bob.port()) + "\r\n"));
  ASSERT_EQ(answered.stringAt("result"), "ok") << answered.stringAt("error-reason");
  const std::uint16_t aliceSends = portIn(answered);
  EXPECT_NE(aliceSends, bobSends);

  alice.sendTo(aliceSends, rtp(0, 1, 0xA11CE));
  auto atBob = pump(bob);
  EXPECT_EQ(atBob.first, rtp(0, 1, 0xA11CE));
  EXPECT_EQ(atBob.second, bobSends);  // symmetric: from the port bob sends to
  bob.sendTo(bobSends, rtp(8, 7, 0xB0B));
  auto atAlice = pump(alice);
  EXPECT_EQ(atAlice.first, rtp(8, 7, 0xB0B));
  EXPECT_EQ(atAlice.second, aliceSends);
  alice.sendTo(aliceSends + 1, rtcpReport());
  EXPECT_EQ(pump(bob).first, rtcpReport());

  // A stranger is dropped and counted as an error, be it RTP or RTCP.
  stranger.sendTo(aliceSends, rtp(0, 2, 0xBAD));
  stranger.sendTo(aliceSends, rtcpReport());
  EXPECT_EQ(pump(bob).first, "");

  const ng::Value queried = run("d7:command5:query7:call-id5:call1e");
  ASSERT_EQ(queried.stringAt("result"), "ok") << queried.stringAt("error-reason");
  const ng::Value* aliceRtp = stream(queried, "alice");
  EXPECT_EQ(aliceRtp->find("local port")->integerValue(), aliceSends);
  EXPECT_EQ(aliceRtp->find("stats")->find("packets")->integerValue(), 1);
  EXPECT_EQ(aliceRtp->find("stats")->find("errors")->integerValue(), 2);
  EXPECT_EQ(aliceRtp->find("SSRC")->integerValue(), 0xA11CE);
  EXPECT_EQ(queried.find("totals")->find("RTCP")->find("packets")->integerValue(), 1);
  EXPECT_NE(queried.find("SSRC")->find(std::to_string(0xB0B)), nullptr);

  // What /metrics reads: three packets out (RTP both ways, one RTCP), the stranger's two dropped.
  const ng::RelayTotals during = engine_->totals();
  EXPECT_EQ(during.sessions, 1u);
  EXPECT_EQ(during.managedSessions, 1u);
  EXPECT_EQ(during.packets, 3u);
  EXPECT_EQ(during.bytes, 2 * rtp(0, 1, 0xA11CE).size() + rtcpReport().size());
  EXPECT_EQ(during.droppedPackets, 2u);
  EXPECT_EQ(during.sendErrors, 0u);

  const ng::Value deleted = run("d7:command6:delete7:call-id5:call18:from-tag5:alicee");
  EXPECT_EQ(deleted.stringAt("result"), "ok");
  EXPECT_NE(deleted.find("totals"), nullptr);
  EXPECT_EQ(engine_->callCount(), 0u);
  EXPECT_EQ(engine_->ports().inUse(), 0u);
  EXPECT_EQ(run("d7:command5:query7:call-id5:call1e").stringAt("error-reason"), "Unknown call-id");
  const ng::Value again = run("d7:command6:delete7:call-id5:call1e");
  EXPECT_EQ(again.stringAt("result"), "ok");
  EXPECT_EQ(again.stringAt("warning"), "Call-ID not found or tags didn't match");
  EXPECT_EQ(run("d7:command6:delete7:call-id5:call15:flagsl5:fatalee").stringAt("result"), "error");
}

TEST_P(RelayEngineTest, PortsHeldByAnotherProcessAreSkippedPastAsARun) {
  // 40 ports at the start of the range are someone else's (another relay, a test running
  // beside this one): the offer still gets a pair from the rest.
  std::vector<int> held;
  for (std::uint16_t port = options_.portMin; port < options_.portMin + 40; ++port) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      held.push_back(fd);
    } else {
      close(fd);
    }
  }
  Peer alice;
  const ng::Value offered = offer("held", sdpFor(alice.port()), {"trust-address"});
  for (const int fd : held) close(fd);
  ASSERT_EQ(offered.stringAt("result"), "ok") << offered.stringAt("error-reason");
  EXPECT_GE(portIn(offered), options_.portMin + 40);
}

TEST_P(RelayEngineTest, LatchesToTheRealSourceBehindNat) {
  Peer alice, bob;
  // Alice's SDP names an address she does not send from (NAT): the first packet teaches it.
  const ng::Value offered = offer("nat", sdpFor(9), {"trust-address"});
  const std::uint16_t aliceSends = portIn(answer("nat", sdpFor(bob.port())));
  alice.sendTo(aliceSends, rtp(0, 1, 5));
  EXPECT_FALSE(pump(bob).first.empty());
  bob.sendTo(portIn(offered), rtp(0, 1, 6));
  EXPECT_EQ(pump(alice).first, rtp(0, 1, 6));  // sent to the learned address, not port 9
}

// rtpengine's "heuristic" learning: the SDP's address is preferred, so a stranger on another host
// who sprays both relay ports before the real parties speak never gets their media.
TEST_P(RelayEngineTest, AStrangerBeforeTheRealPeersNeverDivertsTheirMedia) {
  Peer alice, bob, stranger("127.0.0.2");
  const std::uint16_t bobSends = portIn(offer("spray", sdpFor(alice.port())));
  const std::uint16_t aliceSends = portIn(answer("spray", sdpFor(bob.port())));
  for (std::uint16_t sequence = 1; sequence <= 5; ++sequence) {
    stranger.sendTo(aliceSends, rtp(0, sequence, 0xBAD));
    stranger.sendTo(bobSends, rtp(0, sequence, 0xBAD));
    stranger.sendTo(bobSends, rtcpReport());
  }
  runFor(Duration(50));
  EXPECT_TRUE(alice.receive().first.empty());
  EXPECT_TRUE(bob.receive().first.empty());
  alice.sendTo(aliceSends, rtp(0, 1, 5));
  EXPECT_EQ(pump(bob).first, rtp(0, 1, 5));
  bob.sendTo(bobSends, rtp(0, 1, 6));
  EXPECT_EQ(pump(alice).first, rtp(0, 1, 6));
  // Still refused once the learning delay is over: both ports have their peers.
  runFor(options_.learningDelay);
  stranger.sendTo(aliceSends, rtp(0, 9, 0xBAD));
  stranger.sendTo(bobSends, rtp(0, 9, 0xBAD));
  bob.sendTo(bobSends, rtp(0, 2, 6));
  EXPECT_EQ(pump(alice).first, rtp(0, 2, 6));
  runFor(Duration(50));
  EXPECT_TRUE(stranger.receive().first.empty());
  EXPECT_TRUE(alice.receive().first.empty());
  EXPECT_TRUE(bob.receive().first.empty());
  const ng::Value queried = engine_->handle(mediacontrol::MediaControl::query("spray"));
  EXPECT_EQ(stream(queried, "alice")->find("endpoint")->find("port")->integerValue(), alice.port());
}

TEST_P(RelayEngineTest, APeerOnAnotherHostThanItsSdpIsLearnedAfterTheLearningDelay) {
  Peer alice, bob("127.0.0.3");
  // Bob's SDP names 127.0.0.1 (his private address, say); he sends from 127.0.0.3 (his NAT).
  const std::uint16_t bobSends = portIn(offer("natted", sdpFor(alice.port())));
  portIn(answer("natted", sdpFor(4000)));
  bob.sendTo(bobSends, rtp(0, 1, 6));
  runFor(Duration(50));
  EXPECT_TRUE(alice.receive().first.empty());  // dropped: the SDP's host may still speak
  runFor(options_.learningDelay);
  bob.sendTo(bobSends, rtp(0, 2, 6));
  EXPECT_EQ(pump(alice).first, rtp(0, 2, 6));
}

TEST_P(RelayEngineTest, AFlowingPeerIsPinnedAndUnpinnedWhenItFallsSilent) {
  Peer alice, bob;
  const std::uint16_t bobSends = portIn(offer("pin", sdpFor(alice.port())));
  const std::uint16_t aliceSends = portIn(answer("pin", sdpFor(bob.port())));
  talk(alice, aliceSends, bob, 1, 3, 5);
  EXPECT_EQ(pinnedPeerPort(aliceSends), alice.port());
  // Bob's one packet goes out through Alice's connected socket; one packet pins nothing.
  bob.sendTo(bobSends, rtp(0, 1, 6));
  const auto [packet, from] = pump(alice);
  EXPECT_EQ(packet, rtp(0, 1, 6));
  EXPECT_EQ(from, aliceSends);
  EXPECT_EQ(pinnedPeerPort(bobSends), 0);
  runFor(PacketRelay::kPinSilence * 2);
  EXPECT_EQ(pinnedPeerPort(aliceSends), 0);
}

TEST_P(RelayEngineTest, ANatRebindingIsLearnedOnceThePinnedAddressFallsSilent) {
  Peer alice, moved, bob;
  const std::uint16_t bobSends = portIn(offer("rebind", sdpFor(alice.port())));
  const std::uint16_t aliceSends = portIn(answer("rebind", sdpFor(bob.port())));
  talk(alice, aliceSends, bob, 1, 3, 5);
  ASSERT_EQ(pinnedPeerPort(aliceSends), alice.port());
  // Alice's NAT gives her stream (same SSRC) a new port. The connected socket does not hear it
  // until the old address has been silent for kPinSilence; then the latch learns it.
  std::string forwarded;
  const auto start = Clock::now();
  for (std::uint16_t sequence = 4; forwarded.empty() && sequence < 100; ++sequence) {
    moved.sendTo(aliceSends, rtp(0, sequence, 5));
    runFor(Duration(20));
    forwarded = bob.receive().first;
  }
  EXPECT_FALSE(forwarded.empty());
  EXPECT_LT(Clock::now() - start, PacketRelay::kPinSilence * 4);
  bob.sendTo(bobSends, rtp(0, 1, 6));
  EXPECT_EQ(pump(moved).first, rtp(0, 1, 6));
  talk(moved, aliceSends, bob, 200, 2, 5);
  EXPECT_EQ(pinnedPeerPort(aliceSends), moved.port());
}

TEST_P(RelayEngineTest, APinnedPeersClosedPortUnpinsAtOnceAndThePortKeepsListening) {
  auto alice = std::make_unique<Peer>();
  Peer bob, again;
  const std::uint16_t bobSends = portIn(offer("refused", sdpFor(alice->port())));
  const std::uint16_t aliceSends = portIn(answer("refused", sdpFor(bob.port())));
  talk(*alice, aliceSends, bob, 1, 3, 5);
  ASSERT_EQ(pinnedPeerPort(aliceSends), alice->port());
  alice.reset();  // her host now answers ICMP port unreachable
  for (std::uint16_t sequence = 1; sequence <= 3; ++sequence) {
    bob.sendTo(bobSends, rtp(0, sequence, 6));
    loop_.runOnce(Duration(10));
  }
  // Well before kPinSilence: the refusal itself unpinned the socket.
  EXPECT_EQ(pinnedPeerPort(aliceSends), 0);
  // And its receive was not given up: Alice's stream, back from a new port, is learned.
  again.sendTo(aliceSends, rtp(0, 10, 5));
  EXPECT_EQ(pump(bob).first, rtp(0, 10, 5));
}

TEST_P(RelayEngineTest, AsymmetricAndHandoverPortsAreNeverPinned) {
  for (const char* flag : {"asymmetric", "media-handover"}) {
    Peer alice, bob;
    const std::string callId = std::string("never-") + flag;
    offer(callId, sdpFor(alice.port()), {flag});
    const std::uint16_t aliceSends = portIn(answer(callId, sdpFor(bob.port())));
    talk(alice, aliceSends, bob, 1, 3, 5);
    EXPECT_EQ(pinnedPeerPort(aliceSends), 0) << flag;
  }
}

TEST_P(RelayEngineTest, RtcpMuxRequireAndIceRemove) {
  Peer alice;
  const ng::Value offered = offer(
      "mux", sdpFor(alice.port(), "a=ice-ufrag:x\r\na=candidate:1 1 UDP 1 1.1.1.1 1 typ host\r\n"),
      {"rtcp-mux-require", "ICE=remove", "replace-origin", "UDP/TLS/RTP/SAVPF"});
  ASSERT_EQ(offered.stringAt("result"), "ok");
  const std::string sdp(offered.stringAt("sdp"));
  EXPECT_NE(sdp.find("a=rtcp-mux"), std::string::npos);
  EXPECT_EQ(sdp.find("a=rtcp:"), std::string::npos);
  EXPECT_EQ(sdp.find("ice-ufrag"), std::string::npos);
  EXPECT_EQ(sdp.find("candidate"), std::string::npos);
  EXPECT_NE(sdp.find("UDP/TLS/RTP/SAVPF"), std::string::npos);
  // One port for the recipient, a pair for the offerer.
  EXPECT_EQ(engine_->ports().inUse(), 3u);
}

TEST_P(RelayEngineTest, ErrorsNeverCrash) {
  EXPECT_EQ(run("d7:command5:offere").stringAt("error-reason"), "No call-id in message");
  EXPECT_EQ(offer("bad", "not sdp").stringAt("error-reason"), "Failed to parse SDP");
  EXPECT_EQ(offer("bad2", "v=0\r\nm=audio 4000 RTP/AVP 0\r\n").stringAt("error-reason"),
            "Incomplete SDP specification");
  EXPECT_EQ(answer("nope", sdpFor(1)).stringAt("error-reason"), "Unknown call-id");
  EXPECT_EQ(engine_->callCount(), 0u);
  EXPECT_EQ(engine_->ports().inUse(), 0u);
}

TEST_P(RelayEngineTest, OffersOverTheStreamCapAllocateNothing) {
  auto streams = [](int count) {
    std::string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n";
    for (int i = 0; i < count; ++i) {
      sdp += "m=audio " + std::to_string(40000 + 2 * i) + " RTP/AVP 0\r\n";
    }
    return sdp;
  };
  const ng::Value refused = offer("wide", streams(9));
  EXPECT_EQ(refused.stringAt("error-reason"), "Too many media streams");
  EXPECT_EQ(engine_->callCount(), 0u);
  EXPECT_EQ(engine_->ports().inUse(), 0u);
  EXPECT_EQ(engine_->totals().rejectedSessions, 1u);
  EXPECT_EQ(offer("eight", streams(8)).stringAt("result"), "ok");
  EXPECT_EQ(engine_->callCount(), 1u);
}

TEST_P(RelayEngineTest, NoPortOrSocketLeakOverManyCalls) {
  Peer alice, bob;
  const std::size_t fdsBefore = openFds();
  for (int i = 0; i < 300; ++i) {
    const std::string callId = "c" + std::to_string(i);
    ASSERT_EQ(offer(callId, sdpFor(alice.port())).stringAt("result"), "ok") << i;
    ASSERT_EQ(answer(callId, sdpFor(bob.port())).stringAt("result"), "ok") << i;
    engine_->handle(*ng::Bencode::decode("d7:command6:delete7:call-id" +
                                         std::to_string(callId.size()) + ":" + callId + "e"));
  }
  EXPECT_EQ(engine_->ports().inUse(), 0u);
  EXPECT_EQ(openFds(), fdsBefore);
}

TEST_P(RelayEngineTest, ForkedOffersAnswerOneBranchAndListAndStatistics) {
  Peer alice, bob;
  for (const char* branch : {"b1", "b2"}) {
    ng::Value request = ng::Value::dict();
    request.set("command", "offer");
    request.set("call-id", "fork");
    request.set("from-tag", "alice");
    request.set("via-branch", branch);
    request.set("sdp", sdpFor(alice.port()));
    ASSERT_EQ(engine_->handle(request).stringAt("result"), "ok");
  }
  EXPECT_EQ(engine_->ports().inUse(), 8u);
  ng::Value request = ng::Value::dict();
  request.set("command", "answer");
  request.set("call-id", "fork");
  request.set("from-tag", "alice");
  request.set("to-tag", "bob");
  request.set("via-branch", "b2");
  request.set("sdp", sdpFor(bob.port()));
  ASSERT_EQ(engine_->handle(request).stringAt("result"), "ok");
  // Deleting the unanswered branch leaves the answered one.
  ASSERT_EQ(run("d7:command6:delete7:call-id4:fork8:from-tag5:alice10:via-branch2:b1e")
                .stringAt("result"),
            "ok");
  EXPECT_EQ(engine_->ports().inUse(), 4u);
  const ng::Value listed = run("d7:command4:liste");
  ASSERT_EQ(listed.find("calls")->size(), 1u);
  EXPECT_EQ(listed.find("calls")->items()[0].str(), "fork");
  const ng::Value stats = run("d7:command10:statisticse");
  EXPECT_EQ(
      stats.find("statistics")->find("currentstatistics")->find("sessionsown")->integerValue(), 1);
}

TEST_P(RelayEngineTest, IdleCallsTimeOut) {
  options_.mediaTimeout = std::chrono::seconds(1);
  engine_ = std::make_unique<RelayEngine>(loop_, options_);
  Peer alice;
  offer("idle", sdpFor(alice.port()));
  for (int i = 0; i < 300 && engine_->callCount() > 0; ++i) loop_.runOnce(Duration(10));
  EXPECT_EQ(engine_->callCount(), 0u);
  EXPECT_EQ(engine_->counters().timeoutSessions.value(), 1u);
  EXPECT_EQ(engine_->totals().timeoutSessions, 1u);
  EXPECT_EQ(engine_->totals().sessions, 0u);
  EXPECT_EQ(engine_->ports().inUse(), 0u);
}

TEST_P(RelayEngineTest, NgServerRepliesWithCookieAndReplaysRetransmissions) {
  NgServer server(loop_, *engine_, std::chrono::seconds(30));
  Peer alice;
  ng::Value request = ng::Value::dict();
  request.set("command", "offer");
  request.set("call-id", "cookie-call");
  request.set("from-tag", "a");
  request.set("sdp", sdpFor(alice.port()));
  const std::string datagram = "42_1 " + ng::Bencode::encode(request);
  auto first = server.process(datagram);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->starts_with("42_1 d"));
  const std::size_t portsAfterFirst = engine_->ports().inUse();
  auto second = server.process(datagram);
  EXPECT_EQ(*second, *first);  // same ports: the offer did not run twice
  EXPECT_EQ(engine_->ports().inUse(), portsAfterFirst);
  EXPECT_EQ(*server.process("5323_1 d7:command4:pinge"), "5323_1 d6:result4:ponge");
  EXPECT_FALSE(server.process("nospace").has_value());
  EXPECT_FALSE(server.process(" d7:command4:pinge").has_value());
  EXPECT_NE(server.process("c2 d7:command").value().find("Could not decode bencode dictionary"),
            std::string::npos);
  EXPECT_NE(server.process("c3 [1]").value().find("Invalid NG data format"), std::string::npos);
}

}  // namespace
}  // namespace rtcgate::media

namespace rtcgate::media {
namespace {

TEST_P(RelayEngineTest, ReInviteFromTheCalleeKeepsPortsAndForwarding) {
  Peer alice, bob, bobMoved;
  const std::uint16_t bobSends = portIn(offer("reinv", sdpFor(alice.port())));
  const std::uint16_t aliceSends = portIn(answer("reinv", sdpFor(bob.port())));
  // Bob re-INVITEs (he is the offerer now: from-tag bob, to-tag alice) from a new media port.
  ng::Value reoffer = ng::Value::dict();
  reoffer.set("command", "offer");
  reoffer.set("call-id", "reinv");
  reoffer.set("from-tag", "bob");
  reoffer.set("to-tag", "alice");
  reoffer.set("sdp", sdpFor(bobMoved.port()));
  const ng::Value reoffered = engine_->handle(reoffer);
  ASSERT_EQ(reoffered.stringAt("result"), "ok");
  EXPECT_EQ(portIn(reoffered), aliceSends);  // alice keeps sending where she did
  ng::Value reanswer = ng::Value::dict();
  reanswer.set("command", "answer");
  reanswer.set("call-id", "reinv");
  reanswer.set("from-tag", "bob");
  reanswer.set("to-tag", "alice");
  reanswer.set("sdp", sdpFor(alice.port()));
  const ng::Value reanswered = engine_->handle(reanswer);
  ASSERT_EQ(reanswered.stringAt("result"), "ok");
  EXPECT_EQ(portIn(reanswered), bobSends);
  EXPECT_EQ(engine_->ports().inUse(), 4u);  // no new ports for a re-INVITE
  alice.sendTo(aliceSends, rtp(0, 1, 1));
  EXPECT_EQ(pump(bobMoved).first, rtp(0, 1, 1));
  bobMoved.sendTo(bobSends, rtp(0, 1, 2));
  EXPECT_EQ(pump(alice).first, rtp(0, 1, 2));
}

TEST_P(RelayEngineTest, SipSourceAddressAndMediaAddressOverrideTheSdp) {
  Peer alice, bob;
  // The SDP claims 192.0.2.1 (unreachable here); media-address says where alice really is.
  const std::string sdp =
      "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio " + std::to_string(alice.port()) + " RTP/AVP 0\r\n";
  ng::Value request = ng::Value::dict();
  request.set("command", "offer");
  request.set("call-id", "addr");
  request.set("from-tag", "alice");
  request.set("media-address", "127.0.0.1");
  request.set("sdp", sdp);
  const std::uint16_t bobSends = portIn(engine_->handle(request));
  answer("addr", sdpFor(bob.port()));
  bob.sendTo(bobSends, rtp(0, 1, 9));
  EXPECT_EQ(pump(alice).first, rtp(0, 1, 9));
}

}  // namespace
}  // namespace rtcgate::media

namespace rtcgate::media {
namespace {

TEST_P(RelayEngineTest, DeleteDelayKeepsTheCallForAWhile) {
  Peer alice;
  offer("later", sdpFor(alice.port()));
  const ng::Value reply =
      run("d7:command6:delete7:call-id5:later8:from-tag5:alice12:delete delayi1ee");
  EXPECT_EQ(reply.stringAt("result"), "ok");
  EXPECT_EQ(engine_->callCount(), 1u);  // still there for late packets and queries
  for (int i = 0; i < 300 && engine_->callCount() > 0; ++i) loop_.runOnce(Duration(10));
  EXPECT_EQ(engine_->callCount(), 0u);
  EXPECT_EQ(engine_->ports().inUse(), 0u);
}

}  // namespace
}  // namespace rtcgate::media

namespace rtcgate::media {
namespace {

TEST(NgServer, DuplicateWhileInFlightRunsOnceAndIsAnsweredFromTheCache) {
  EventLoop loop;
  int handled = 0;
  NgServer::ReplyFn pending;
  NgServer server(
      loop,
      [&](const ng::Value&, NgServer::ReplyFn reply) {
        ++handled;
        pending = std::move(reply);
      },
      std::chrono::seconds(30));
  std::vector<std::string> sent;
  auto send = [&sent](const std::string& reply) { sent.push_back(reply); };
  server.process("c1 d7:command4:pinge", send);
  server.process("c1 d7:command4:pinge", send);  // retransmission while the worker is busy
  EXPECT_EQ(handled, 1);
  EXPECT_TRUE(sent.empty());
  ng::Value pong = ng::Value::dict();
  pong.set("result", "pong");
  pending(pong);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], "c1 d6:result4:ponge");
  server.process("c1 d7:command4:pinge", send);
  EXPECT_EQ(handled, 1);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1], sent[0]);
}

}  // namespace
}  // namespace rtcgate::media

namespace rtcgate::media {
namespace {

// The relay times the round trip to a party from the party's echo (LSR) of the partner's SR it
// forwarded, and files what the party reported receiving with the party's own SSRC.
TEST_P(RelayEngineTest, RtcpRoundTripAndReportsInTheQuery) {
  Peer alice, bob;
  const ng::Value offered = offer("call2", sdpFor(alice.port()), {"trust-address"});
  ASSERT_EQ(offered.stringAt("result"), "ok") << offered.stringAt("error-reason");
  const std::uint16_t bobSends = portIn(offered);
  const ng::Value answered =
      answer("call2", sdpFor(bob.port(), "a=rtcp:" + std::to_string(bob.port()) + "\r\n"));
  const std::uint16_t aliceSends = portIn(answered);
  alice.sendTo(aliceSends, rtp(0, 1, 0xA11CE));
  ASSERT_FALSE(pump(bob).first.empty());
  bob.sendTo(bobSends, rtp(8, 1, 0xB0B));
  ASSERT_FALSE(pump(alice).first.empty());

  alice.sendTo(aliceSends + 1, rtcpPacket(true, 0xA11CE, 0xB0B, 0));
  ASSERT_FALSE(pump(bob).first.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  bob.sendTo(bobSends + 1, rtcpPacket(false, 0xB0B, 0xA11CE, 0x12345678));
  ASSERT_FALSE(pump(alice).first.empty());

  const ng::Value queried = run("d7:command5:query7:call-id5:call2e");
  const ng::Value* bobs = queried.find("SSRC")->find(std::to_string(0xB0B));
  ASSERT_NE(bobs, nullptr);
  EXPECT_EQ(bobs->find("payload type")->integerValue(), 8);
  EXPECT_EQ(bobs->find("RTCP reports")->integerValue(), 1);
  const std::int64_t roundTrip = bobs->find("round-trip time")->integerValue();
  EXPECT_GE(roundTrip, 20000);
  EXPECT_LT(roundTrip, 2000000);
  EXPECT_EQ(bobs->find("reported loss")->integerValue(), 3);
  EXPECT_EQ(bobs->find("reported fraction lost")->integerValue(), 51);
  EXPECT_EQ(bobs->find("reported jitter")->integerValue(), 40);
  // Alice's SR carried a block but she echoed no SR of bob's: reports, no round trip.
  const ng::Value* alices = queried.find("SSRC")->find(std::to_string(0xA11CE));
  EXPECT_EQ(alices->find("RTCP reports")->integerValue(), 1);
  EXPECT_EQ(alices->find("round-trip time"), nullptr);
}

}  // namespace
}  // namespace rtcgate::media
