#include "media/packet/DatagramRing.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support/LoopbackSocket.hpp"

namespace rtcgate::media {
namespace {

// A non-blocking UDP socket on 127.0.0.1 (port 0: any), made as the load tools make theirs.
struct Socket {
  explicit Socket(std::uint16_t port = 0)
      : fd(tools::boundLoopbackSocket(port)),
        address(PeerAddress::from(SocketAddress::fromV4({127, 0, 0, 1}, port))) {}
  ~Socket() { close(); }
  bool bound() const { return fd >= 0; }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  void sendTo(const Socket& to, const std::string& payload) const {
    sendto(fd, payload.data(), payload.size(), 0,
           reinterpret_cast<const sockaddr*>(&to.address.storage), to.address.length);
  }
  std::string receive() const {
    char buffer[4096];
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }
  std::uint16_t port() const { return address.port(); }
  // Room for a burst of more datagrams than the ring has buffers: the 8 MiB asked at creation are
  // capped by rmem_max, which a privileged process may exceed.
  void holdManyDatagrams() const {
    const int bytes = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes);
  }

  int fd = -1;
  PeerAddress address;
};

// Keeps what it is handed; sends it back to `echoTo` through the ring when set, else releases.
class Recorder : public DatagramRing::Receiver, public DatagramRing::SendObserver {
 public:
  explicit Recorder(DatagramRing& ring) : ring_(ring) {}
  void onDatagram(Datagram& datagram) override {
    payloads.emplace_back(reinterpret_cast<const char*>(datagram.data), datagram.length);
    sources.push_back(datagram.source);
    truncated += datagram.truncated ? 1 : 0;
    capacities.push_back(datagram.capacity);
    if (echoFd >= 0)
      ring_.send(echoFd, datagram, echoTo.valid() ? &echoTo : nullptr);
    else
      ring_.release(datagram);
  }
  void onSent(std::size_t bytes) override {
    ++sent;
    sentBytes += bytes;
  }
  void onSendFailed() override { ++failed; }
  void onReceiveError(int error) override { errors.push_back(error); }

  std::vector<std::string> payloads;
  std::vector<PeerAddress> sources;
  std::vector<std::size_t> capacities;
  int truncated = 0;
  int echoFd = -1;
  PeerAddress echoTo;
  int sent = 0;
  std::size_t sentBytes = 0;
  int failed = 0;
  std::vector<int> errors;

 private:
  DatagramRing& ring_;
};

class DatagramRingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string problem;
    ring_ = DatagramRing::create(problem);
    if (ring_ == nullptr) GTEST_SKIP() << "io_uring is unavailable here: " << problem;
  }

  // Waits and dispatches until `done` or ~1 s passed.
  template <class Done>
  bool pump(Done done) {
    for (int i = 0; i < 100 && !done(); ++i) {
      ring_->wait(Duration(10));
      ring_->dispatch();
    }
    return done();
  }

  std::unique_ptr<DatagramRing> ring_;
};

TEST_F(DatagramRingTest, DeliversDatagramsWithTheirSourceAndSendsThemOn) {
  Socket relay, alice, bob;
  Recorder recorder(*ring_);
  ring_->observeSends(&recorder);
  recorder.echoFd = relay.fd;
  recorder.echoTo = bob.address;
  ring_->watch(relay.fd, recorder);
  alice.sendTo(relay, "first");
  alice.sendTo(relay, "second");
  ASSERT_TRUE(pump([&] { return recorder.sent == 2; }));
  EXPECT_EQ(recorder.payloads, (std::vector<std::string>{"first", "second"}));
  EXPECT_TRUE(recorder.sources[0] == alice.address);
  EXPECT_GE(recorder.capacities[0], 1500u);  // room for SRTP's tag on any MTU-sized packet
  EXPECT_EQ(recorder.sentBytes, 11u);
  // Bob sees them from the relay's port, in order.
  sockaddr_in from{};
  socklen_t length = sizeof from;
  char buffer[64];
  const ssize_t n =
      recvfrom(bob.fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &length);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), "first");
  EXPECT_EQ(ntohs(from.sin_port), relay.port());
  EXPECT_EQ(bob.receive(), "second");
}

TEST_F(DatagramRingTest, MoreDatagramsThanBuffersBeforeADispatchAllArrive) {
  // The multishot receive runs out of buffers (ENOBUFS) and ends; the ring re-arms it once the
  // dispatch has given the buffers back, and the socket's queue is read on from there.
  Socket relay, alice;
  relay.holdManyDatagrams();
  Recorder recorder(*ring_);
  ring_->watch(relay.fd, recorder);
  const int count = static_cast<int>(DatagramRing::kBuffers) + 200;
  for (int i = 0; i < count; ++i) alice.sendTo(relay, "packet " + std::to_string(i));
  ASSERT_TRUE(pump([&] { return static_cast<int>(recorder.payloads.size()) == count; }))
      << recorder.payloads.size();
  EXPECT_EQ(recorder.payloads.back(), "packet " + std::to_string(count - 1));
}

TEST_F(DatagramRingTest, AnUnwatchedSocketsPortCanBeBoundAgainAtOnce) {
  // The kernel holds a socket while a receive on it is armed: unwatch() must have let go when it
  // returns, or a port the relay frees could not be handed to the next call.
  auto relay = std::make_unique<Socket>();
  const std::uint16_t port = relay->port();
  Recorder recorder(*ring_);
  const DatagramRing::Slot slot = ring_->watch(relay->fd, recorder);
  ring_->wait(Duration(0));  // the receive is in the kernel
  ring_->dispatch();
  ring_->unwatch(slot);
  relay->close();
  Socket again(port);
  EXPECT_TRUE(again.bound());
}

TEST_F(DatagramRingTest, NothingReachesAReceiverAfterUnwatch) {
  Socket relay, alice, other;
  Recorder first(*ring_), second(*ring_);
  const DatagramRing::Slot slot = ring_->watch(relay.fd, first);
  alice.sendTo(relay, "before");
  ASSERT_TRUE(pump([&] { return first.payloads.size() == 1; }));
  ring_->unwatch(slot);
  // The slot is reused by another socket; the old one's late datagrams go nowhere.
  ring_->watch(other.fd, second);
  alice.sendTo(relay, "after");
  alice.sendTo(other, "other");
  ASSERT_TRUE(pump([&] { return second.payloads.size() == 1; }));
  EXPECT_EQ(first.payloads.size(), 1u);
  EXPECT_EQ(second.payloads.front(), "other");
}

TEST_F(DatagramRingTest, ATooLongDatagramIsMarkedTruncated) {
  Socket relay, alice;
  Recorder recorder(*ring_);
  ring_->watch(relay.fd, recorder);
  alice.sendTo(relay, std::string(DatagramRing::kBufferSize, 'x'));
  ASSERT_TRUE(pump([&] { return recorder.payloads.size() == 1; }));
  EXPECT_EQ(recorder.truncated, 1);
}

TEST_F(DatagramRingTest, AFailedSendIsReportedAndItsBufferReturns) {
  Socket relay, alice;
  relay.holdManyDatagrams();
  Recorder recorder(*ring_);
  ring_->observeSends(&recorder);
  recorder.echoFd = relay.fd;
  // An IPv6 destination from an IPv4 socket: the kernel refuses every send.
  recorder.echoTo.storage.sin6_family = AF_INET6;
  recorder.echoTo.storage.sin6_port = htons(9);
  recorder.echoTo.storage.sin6_addr = in6addr_loopback;
  recorder.echoTo.length = sizeof(sockaddr_in6);
  ring_->watch(relay.fd, recorder);
  const int count = static_cast<int>(DatagramRing::kBuffers) + 10;
  for (int i = 0; i < count; ++i) alice.sendTo(relay, "x");
  // More failures than buffers: each failed send gave its buffer back.
  ASSERT_TRUE(pump([&] { return recorder.failed == count; })) << recorder.failed;
  EXPECT_EQ(recorder.sent, 0);
}

TEST_F(DatagramRingTest, SendsToTheConnectedPeerWithoutAnAddress) {
  Socket relay, alice, bob;
  ASSERT_EQ(connect(relay.fd, reinterpret_cast<const sockaddr*>(&bob.address.storage),
                    bob.address.length),
            0);
  Recorder recorder(*ring_);
  ring_->observeSends(&recorder);
  recorder.echoFd = relay.fd;  // echoTo left invalid: no address
  ring_->watch(relay.fd, recorder);
  bob.sendTo(relay, "ping");  // a connected socket hears its peer only
  ASSERT_TRUE(pump([&] { return recorder.sent == 1; }));
  EXPECT_EQ(bob.receive(), "ping");
  EXPECT_EQ(recorder.failed, 0);
}

TEST_F(DatagramRingTest, AConnectedSocketsRefusalIsReportedAndItKeepsReceiving) {
  // Sent to a closed port, a connected socket gets ECONNREFUSED (ICMP port unreachable), which
  // ends its multishot receive: the receiver is told, and the socket is armed again.
  std::uint16_t port = 0;
  {
    const Socket probe;
    port = probe.port();
  }
  // On a port of its choosing, as the relay's are: disconnecting would give up an ephemeral one.
  const Socket relay(port);
  ASSERT_TRUE(relay.bound());
  const Socket alice;
  auto gone = std::make_unique<Socket>();
  ASSERT_EQ(connect(relay.fd, reinterpret_cast<const sockaddr*>(&gone->address.storage),
                    gone->address.length),
            0);
  gone->close();
  Recorder recorder(*ring_);
  ring_->watch(relay.fd, recorder);
  ASSERT_EQ(send(relay.fd, "x", 1, 0), 1);
  ASSERT_TRUE(pump([&] { return !recorder.errors.empty(); }));
  EXPECT_EQ(recorder.errors.front(), ECONNREFUSED);
  // Unconnected again, as the relay does on a refusal: anyone's datagrams arrive.
  sockaddr unspecified{};
  unspecified.sa_family = AF_UNSPEC;
  connect(relay.fd, &unspecified, sizeof unspecified);
  alice.sendTo(relay, "still here");
  ASSERT_TRUE(pump([&] { return recorder.payloads.size() == 1; }));
  EXPECT_EQ(recorder.payloads.front(), "still here");
}

TEST_F(DatagramRingTest, ReportsItsReadinessDescriptor) {
  const int event = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ring_->watchReadiness(event);
  ring_->wait(Duration(0));
  EXPECT_FALSE(ring_->dispatch());
  const std::uint64_t one = 1;
  ASSERT_EQ(write(event, &one, sizeof one), 8);
  bool ready = false;
  for (int i = 0; i < 100 && !ready; ++i) {
    ring_->wait(Duration(10));
    ready = ring_->dispatch();
  }
  EXPECT_TRUE(ready);
  ::close(event);
}

}  // namespace
}  // namespace rtcgate::media
