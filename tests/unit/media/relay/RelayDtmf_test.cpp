// DTMF through the relay engine on real loopback sockets: digits a party sends as RFC 4733 events
// reach the DtmfListener (and relay.dtmf_log_dest) once each, and `play DTMF` turns the party's
// audio into telephone-event packets on the wire toward its peer.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "media/packet/RtpPacket.hpp"
#include "media/packet/TelephoneEvent.hpp"
#include "media/relay/DtmfListener.hpp"
#include "media/relay/RelayEngine.hpp"
#include "sdp/SessionDescription.hpp"
#include "support/LoopbackSocket.hpp"
#include "unit/media/packet/RtpTestPacket.hpp"
#include "unit/media/relay/LoopbackParty.hpp"
#include "unit/media/relay/PacketIoParam.hpp"

namespace rtcgate::media {
namespace {

std::vector<std::uint8_t> rtpPacket(std::uint8_t payloadType, std::uint16_t sequence,
                                    std::uint32_t timestamp, std::size_t payloadSize) {
  const std::vector<std::uint8_t> payload(payloadSize, 0xd5);
  return test::rtpTestPacket(payloadType, sequence, timestamp, 0x5EED, payload);
}

std::vector<std::uint8_t> eventPacket(std::uint16_t sequence, std::uint32_t timestamp,
                                      const TelephoneEvent& event) {
  auto packet = rtpPacket(101, sequence, timestamp, TelephoneEvent::kSize);
  event.write(packet.data() + 12);
  return packet;
}

class RecordingListener : public DtmfListener {
 public:
  void onDtmf(const DtmfEvent& event) override {
    std::lock_guard lock(mutex_);
    events.push_back(event);
  }
  std::mutex mutex_;
  std::vector<DtmfEvent> events;
};

class RelayDtmfTest : public ::testing::TestWithParam<RelayOptions::PacketIo> {
 protected:
  RelayDtmfTest() : packetIoProblem_(choosePacketIo(loop_, GetParam())) {
    std::random_device random;
    options_.portMin = static_cast<std::uint16_t>(20000 + (random() % 200) * 100);
    options_.portMax = static_cast<std::uint16_t>(options_.portMin + 99);
    options_.dtmfListener = listener_;
  }
  void SetUp() override {
    if (!packetIoProblem_.empty()) GTEST_SKIP() << packetIoProblem_;
    engine_ = std::make_unique<RelayEngine>(loop_, options_);
  }

  static std::string sdp(std::uint16_t port, const std::string& codecs) {
    return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + codecs +
           "a=rtcp:" + std::to_string(port) + "\r\n";
  }
  static std::string pcmu(std::uint16_t port, bool telephoneEvent = true) {
    return sdp(port, "m=audio " + std::to_string(port) +
                         (telephoneEvent ? " RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
                                         : " RTP/AVP 0\r\n"));
  }
  static std::uint16_t portIn(const ng::Value& reply) {
    auto parsed = sdp::SessionDescription::parse(reply.stringAt("sdp"));
    return parsed ? parsed->media()[0].port() : 0;
  }
  ng::Value command(const std::string& name, const std::string& sdpText, bool withToTag) {
    ng::Value request = ng::Value::dict();
    request.set("command", name);
    request.set("call-id", "dtmf-call");
    request.set("from-tag", "alice");
    if (withToTag) request.set("to-tag", "bob");
    request.set("sdp", sdpText);
    request.set("flags", ng::Value::list()).push("trust-address");
    return engine_->handle(request);
  }
  // Offer from alice, answer from bob; sets the ports each sends to.
  void connect(const std::string& aliceSdp, const std::string& bobSdp) {
    const ng::Value offered = command("offer", aliceSdp, false);
    ASSERT_EQ(offered.stringAt("result"), "ok") << offered.stringAt("error-reason");
    bobSends_ = portIn(offered);
    const ng::Value answered = command("answer", bobSdp, true);
    ASSERT_EQ(answered.stringAt("result"), "ok") << answered.stringAt("error-reason");
    aliceSends_ = portIn(answered);
  }
  ng::Value playDtmf(const std::string& code, std::int64_t durationMs, std::int64_t pauseMs) {
    ng::Value request = ng::Value::dict();
    request.set("command", "play DTMF");
    request.set("call-id", "dtmf-call");
    request.set("from-tag", "alice");
    request.set("code", code);
    request.set("duration", ng::Value::integer(durationMs));
    request.set("pause", ng::Value::integer(pauseMs));
    request.set("volume", ng::Value::integer(-12));
    return engine_->handle(request);
  }
  // Runs the loop until `party` has a datagram or ~1 s passed.
  std::vector<std::uint8_t> pump(const Party& party) {
    for (int i = 0; i < 100; ++i) {
      loop_.runOnce(Duration(10));
      auto received = party.receive();
      if (!received.empty()) return received;
    }
    return {};
  }
  // Alice presses `digit`: updates every 20 ms, then the end packet three times.
  void press(const Party& alice, const Party& bob, std::uint16_t& sequence, std::uint32_t timestamp,
             char digit, int updates) {
    const std::uint8_t event = *dtmfEventOf(digit);
    for (int i = 0; i < updates + 3; ++i) {
      const bool end = i >= updates;
      const auto duration = static_cast<std::uint16_t>(160 * std::min(i + 1, updates + 1));
      alice.send(aliceSends_, eventPacket(sequence++, timestamp, {event, end, 10, duration}));
      ASSERT_FALSE(pump(bob).empty()) << "event packet " << i << " not relayed";
    }
  }

  std::shared_ptr<RecordingListener> listener_ = std::make_shared<RecordingListener>();
  RelayOptions options_;
  EventLoop loop_;
  std::string packetIoProblem_;
  std::unique_ptr<RelayEngine> engine_;
  std::uint16_t aliceSends_ = 0;
  std::uint16_t bobSends_ = 0;
};

RTCGATE_BOTH_PACKET_PATHS(RelayDtmfTest);

TEST_P(RelayDtmfTest, ReportsEachDigitOnceWithTheSendersTag) {
  Party alice, bob;
  connect(pcmu(alice.port()), pcmu(bob.port()));
  std::uint16_t sequence = 100;
  press(alice, bob, sequence, 8000, '1', 4);
  press(alice, bob, sequence, 16000, '#', 2);
  // Audio between digits does not make one.
  alice.send(aliceSends_, rtpPacket(0, sequence++, 24000, 160));
  ASSERT_FALSE(pump(bob).empty());
  ASSERT_EQ(listener_->events.size(), 2u);
  const DtmfEvent& first = listener_->events[0];
  EXPECT_EQ(first.callId, "dtmf-call");
  EXPECT_EQ(first.fromTag, "alice");
  EXPECT_EQ(first.tags, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(first.digit, '1');
  EXPECT_EQ(first.event, 1);
  EXPECT_EQ(first.durationMs, 100u);
  EXPECT_EQ(first.volume, 10);
  EXPECT_EQ(first.mediaIndex, 1u);
  EXPECT_EQ(first.source.toString(), "127.0.0.1:" + std::to_string(alice.port()));
  EXPECT_EQ(listener_->events[1].digit, '#');
  EXPECT_EQ(listener_->events[1].durationMs, 60u);
}

TEST_P(RelayDtmfTest, DigitWhoseEndPacketsWereLostEndsWithTheAudio) {
  Party alice, bob;
  connect(pcmu(alice.port()), pcmu(bob.port()));
  alice.send(aliceSends_, eventPacket(1, 8000, {7, false, 10, 160}));
  ASSERT_FALSE(pump(bob).empty());
  alice.send(aliceSends_, eventPacket(2, 8000, {7, false, 10, 320}));
  ASSERT_FALSE(pump(bob).empty());
  EXPECT_TRUE(listener_->events.empty());
  alice.send(aliceSends_, rtpPacket(0, 3, 8480, 160));
  ASSERT_FALSE(pump(bob).empty());
  ASSERT_EQ(listener_->events.size(), 1u);
  EXPECT_EQ(listener_->events[0].digit, '7');
  EXPECT_EQ(listener_->events[0].durationMs, 40u);
}

TEST_P(RelayDtmfTest, EventsOfATypeTheSdpDidNotNameAreNoDigits) {
  Party alice, bob;
  connect(pcmu(alice.port(), false), pcmu(bob.port(), false));
  // PT 101 is not telephone-event in alice's SDP: whatever the packet carries, it is no digit.
  alice.send(aliceSends_, rtpPacket(0, 1, 8000, 160));
  ASSERT_FALSE(pump(bob).empty());
  alice.send(aliceSends_, eventPacket(2, 8160, {1, true, 10, 800}));
  pump(bob);
  EXPECT_TRUE(listener_->events.empty());
}

// What bob receives while alice sends 20 ms PCMU packets and the relay plays `code` from her.
struct Received {
  std::string pattern;  // per packet: 'a' audio, 'e' event, 'E' end packet
  std::string digits;   // each event's digit, at its marker packet
  std::vector<std::vector<std::uint8_t>> packets;
};

TEST_P(RelayDtmfTest, PlayDtmfReplacesTheSendersAudioWithEvents) {
  Party alice, bob;
  connect(pcmu(alice.port()), pcmu(bob.port()));
  std::uint16_t sequence = 500;
  std::uint32_t timestamp = 80000;
  auto talk = [&](int packets, Received& received) {
    for (int i = 0; i < packets; ++i) {
      alice.send(aliceSends_, rtpPacket(0, sequence++, timestamp, 160));
      timestamp += 160;
      auto packet = pump(bob);
      ASSERT_FALSE(packet.empty()) << "packet " << i;
      RtpHeader header;
      ASSERT_TRUE(parseRtpHeader(packet.data(), packet.size(), header));
      if (header.payloadType == 101) {
        ASSERT_EQ(packet.size(), 16u);
        const auto event = TelephoneEvent::parse(packet.data() + 12, 4);
        received.pattern += event->end ? 'E' : 'e';
        if ((packet[1] & 0x80) != 0) received.digits += dtmfDigitOf(event->event);
      } else {
        received.pattern += 'a';
      }
      received.packets.push_back(std::move(packet));
    }
  };
  Received before;
  talk(2, before);  // the party is sending: no warning
  const ng::Value reply = playDtmf("4*", 100, 100);
  ASSERT_EQ(reply.stringAt("result"), "ok") << reply.stringAt("error-reason");
  EXPECT_EQ(reply.find("warning"), nullptr);
  Received during;
  talk(20, during);
  // 100 ms: four updates and the first end, two more ends; 100 ms (5 packets) of audio; the next.
  EXPECT_EQ(during.pattern, "eeeeEEEaaaaaeeeeEEEa");
  EXPECT_EQ(during.digits, "4*");
  RtpHeader previous;
  ASSERT_TRUE(parseRtpHeader(before.packets.back().data(), 12, previous));
  std::uint32_t eventStart = 0;
  for (std::size_t i = 0; i < during.packets.size(); ++i) {
    SCOPED_TRACE(i);
    const auto& packet = during.packets[i];
    RtpHeader header;
    ASSERT_TRUE(parseRtpHeader(packet.data(), packet.size(), header));
    EXPECT_EQ(header.sequence, static_cast<std::uint16_t>(previous.sequence + 1));  // contiguous
    EXPECT_EQ(header.ssrc, 0x5EEDu);
    previous = header;
    if (header.payloadType != 101) continue;
    const auto event = TelephoneEvent::parse(packet.data() + 12, 4);
    if ((packet[1] & 0x80) != 0) eventStart = header.timestamp;
    EXPECT_EQ(header.timestamp, eventStart);  // every packet of an event: its start
    EXPECT_EQ(event->volume, 12);
    const std::size_t nth = i < 8 ? i : i - 12;  // the packet's place in its event
    EXPECT_EQ(event->duration, 160 * std::min<std::size_t>(nth + 1, 5));
  }
  EXPECT_EQ(during.packets[12][1] & 0x80, 0x80);
}

TEST_P(RelayDtmfTest, PlayDtmfWarnsWhenThePartySendsNothingAndRefusesWhatItCannotPlay) {
  Party alice, bob;
  connect(pcmu(alice.port()), pcmu(bob.port()));
  ng::Value reply = playDtmf("1", 100, 100);
  EXPECT_EQ(reply.stringAt("result"), "ok");
  EXPECT_NE(reply.stringAt("warning").find("No media from the party"), std::string::npos);
  reply = playDtmf("x", 100, 100);
  EXPECT_EQ(reply.stringAt("error-reason"), "Invalid 'code' character");
  ng::Value request = ng::Value::dict();
  request.set("command", "play DTMF");
  request.set("call-id", "no-such-call");
  request.set("from-tag", "alice");
  request.set("code", "1");
  EXPECT_EQ(engine_->handle(request).stringAt("error-reason"), "Unknown call-id");
}

TEST_P(RelayDtmfTest, PlayDtmfNeedsTheRecipientsTelephoneEvent) {
  Party alice, bob;
  connect(pcmu(alice.port()), pcmu(bob.port(), false));
  const ng::Value reply = playDtmf("1", 100, 100);
  EXPECT_EQ(reply.stringAt("result"), "error");
  EXPECT_NE(reply.stringAt("error-reason").find("telephone-event"), std::string::npos);
}

}  // namespace
}  // namespace rtcgate::media
