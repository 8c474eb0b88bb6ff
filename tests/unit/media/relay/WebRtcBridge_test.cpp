// The relay as a WebRTC gateway, in one process over loopback: a test "browser" (ICE checks,
// DTLS client or server, SRTP) on one side, a plain RTP/AVP or SDES RTP/SAVP SIP peer on the
// other, driven through the ng offer/answer flags Kamailio and OpenSIPS send.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <random>

#include "fakes/FakeTimers.hpp"
#include "media/relay/RelayEngine.hpp"
#include "media/webrtc/DtlsTransport.hpp"
#include "media/webrtc/SdesCrypto.hpp"
#include "media/webrtc/SrtpSession.hpp"
#include "media/webrtc/StunMessage.hpp"
#include "media/webrtc/StunWriter.hpp"
#include "mediacontrol/MediaControl.hpp"
#include "sdp/SessionDescription.hpp"
#include "unit/media/relay/PacketIoParam.hpp"

namespace rtcgate::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

PeerAddress loopback(std::uint16_t port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(port);
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  PeerAddress out;
  std::memcpy(&out.storage, &in, sizeof in);
  out.length = sizeof in;
  return out;
}

Bytes rtpPacket(std::uint16_t sequence, std::uint32_t ssrc) {
  Bytes packet(172, 0x55);
  packet[0] = 0x80;
  packet[1] = 0;  // PCMU
  packet[2] = static_cast<std::uint8_t>(sequence >> 8);
  packet[3] = static_cast<std::uint8_t>(sequence);
  for (int i = 0; i < 4; ++i) packet[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  return packet;
}

Bytes rtcpReceiverReport(std::uint32_t ssrc) {
  Bytes packet = {0x80, 201, 0, 1, 0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) packet[4 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  return packet;
}

// BUNDLE: video RTP (VP8, payload type 96), with the RFC 8285 one-byte MID header extension
// (id 4) when `mid` is given.
Bytes videoPacket(std::uint16_t sequence, std::uint32_t ssrc, const std::string& mid = "") {
  Bytes packet = rtpPacket(sequence, ssrc);
  packet[1] = 96;
  if (mid.empty()) return packet;
  packet[0] |= 0x10;
  Bytes extension = {0xBE, 0xDE, 0, 1, static_cast<std::uint8_t>(0x40 | (mid.size() - 1))};
  extension.insert(extension.end(), mid.begin(), mid.end());
  while (extension.size() % 4 != 0) extension.push_back(0);
  extension[3] = static_cast<std::uint8_t>(extension.size() / 4 - 1);
  packet.insert(packet.begin() + 12, extension.begin(), extension.end());
  return packet;
}

std::uint32_t ssrcOf(const Bytes& packet) {
  return (std::uint32_t{packet[8]} << 24) | (std::uint32_t{packet[9]} << 16) |
         (std::uint32_t{packet[10]} << 8) | packet[11];
}

// An RR from `sender` with one report block about `reported` (an SSRC the relay sent).
Bytes rtcpReportAbout(std::uint32_t sender, std::uint32_t reported) {
  Bytes packet(32, 0);
  packet[0] = 0x81;
  packet[1] = 201;
  packet[3] = 7;
  for (int i = 0; i < 4; ++i) {
    packet[4 + i] = static_cast<std::uint8_t>(sender >> (24 - 8 * i));
    packet[8 + i] = static_cast<std::uint8_t>(reported >> (24 - 8 * i));
  }
  return packet;
}

std::string attributeOf(const std::string& sdp, const std::string& name) {
  auto parsed = sdp::SessionDescription::parse(sdp);
  if (!parsed || parsed->media().empty()) return {};
  if (const sdp::SdpLine* line = parsed->media()[0].findAttribute(name)) {
    return std::string(line->attributeValue());
  }
  return {};
}

std::uint16_t portOf(const std::string& sdp, std::size_t index = 0) {
  auto parsed = sdp::SessionDescription::parse(sdp);
  return parsed && parsed->media().size() > index ? parsed->media()[index].port() : 0;
}

// A SIP phone with audio and video, each on its own port (a=rtcp on the same port).
std::string sipAudioVideoSdp(std::uint16_t audioPort, std::uint16_t videoPort) {
  const std::string audio = std::to_string(audioPort);
  const std::string video = std::to_string(videoPort);
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
         "m=audio " +
         audio + " RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n" +
         "a=rtcp:" + audio + "\r\nm=video " + video +
         " RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp:" + video + "\r\n";
}

// What a browser with bundlePolicy max-bundle puts in its BUNDLE group of audio and video.
struct BundleShape {
  bool videoBundleOnly = false;  // port 0 + a=bundle-only (RFC 8843 §6)
  bool midExtension = false;     // a=extmap for urn:ietf:params:rtp-hdrext:sdes:mid
  bool audioSsrcLine = true;     // a=ssrc:161 (0xA1)
  bool videoSsrcLine = false;    // a=ssrc:178 (0xB2)
};

// One endpoint: a UDP socket on 127.0.0.1, optionally with ICE credentials, a DTLS identity and
// an SRTP session (a browser), or SDES keys (a SIP phone doing RTP/SAVP), or nothing (plain RTP).
class Endpoint {
 public:
  Endpoint() {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    identity_ = *DtlsIdentity::generate();
  }
  ~Endpoint() { close(fd_); }

  std::uint16_t port() const { return port_; }
  const std::string& fingerprint() const { return identity_->fingerprint(); }

  std::string browserSdp(const std::string& setup, const std::string& fingerprint) const {
    return "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
           "m=audio " +
           std::to_string(port_) +
           " UDP/TLS/RTP/SAVPF 0 101\r\nc=IN IP4 127.0.0.1\r\n"
           "a=candidate:1 1 udp 2122260223 127.0.0.1 " +
           std::to_string(port_) +
           " typ host\r\na=ice-ufrag:brws\r\na=ice-pwd:browserPasswordBrowserPassword\r\n"
           "a=fingerprint:sha-256 " +
           fingerprint + "\r\na=setup:" + setup +
           "\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n"
           "a=rtpmap:101 telephone-event/8000\r\na=ssrc:1234 cname:browser\r\n";
  }

  std::string bundleSdp(const std::string& setup, const std::string& fingerprint,
                        const BundleShape& shape) const {
    const std::string port = std::to_string(port_);
    const std::string transport =
        "a=ice-ufrag:brws\r\na=ice-pwd:browserPasswordBrowserPassword\r\n"
        "a=fingerprint:sha-256 " +
        fingerprint + "\r\na=setup:" + setup + "\r\n";
    const std::string extmap =
        shape.midExtension ? "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" : "";
    return "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
           "m=audio " +
           port + " UDP/TLS/RTP/SAVPF 0 101\r\nc=IN IP4 127.0.0.1\r\n" +
           "a=candidate:1 1 udp 2122260223 127.0.0.1 " + port + " typ host\r\n" + transport +
           "a=mid:0\r\n" + extmap +
           "a=sendrecv\r\na=rtcp-mux\r\na=rtpmap:0 PCMU/8000\r\n"
           "a=rtpmap:101 telephone-event/8000\r\n" +
           (shape.audioSsrcLine ? "a=ssrc:161 cname:browser\r\n" : "") + "m=video " +
           (shape.videoBundleOnly ? "0" : port) +
           " UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 127.0.0.1\r\n" +
           (shape.videoBundleOnly ? "a=bundle-only\r\n" : "") + transport + "a=mid:1\r\n" + extmap +
           "a=sendrecv\r\na=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n" +
           (shape.videoSsrcLine ? "a=ssrc:178 cname:browser\r\n" : "");
  }

  std::string sipSdp(const std::string& profile = "RTP/AVP", const std::string& extra = "") const {
    return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio " +
           std::to_string(port_) + " " + profile +
           " 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=rtcp:" +
           std::to_string(port_) + "\r\n" + extra;
  }

  void send(std::uint16_t port, const Bytes& bytes) const {
    const PeerAddress to = loopback(port);
    sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to.storage),
           to.length);
  }

  // One ICE connectivity check toward the relay's port with the relay's credentials.
  void check(std::uint16_t port, const std::string& relayUfrag, const std::string& relayPwd) {
    std::array<std::uint8_t, StunWriter::kMaxSize> request{};
    StunWriter writer(request.data(), StunMessage::kBindingRequest, {9, 9, 9});
    writer.addUsername(relayUfrag + ":brws");
    writer.addPriority(0x6e0001ff);
    writer.addIceControlling(42);
    writer.addUseCandidate();
    writer.addIntegrity(relayPwd);
    writer.addFingerprint();
    send(port, Bytes(request.begin(), request.begin() + writer.size()));
    relayPort_ = port;
  }

  void startDtls(DtlsTransport::Role role, const std::string& relayFingerprint,
                 std::uint16_t relayPort) {
    startDtlsAs(identity_, role, relayFingerprint, relayPort);
  }

  // A handshake with another certificate than the one this endpoint's SDP names.
  void startDtlsAs(std::shared_ptr<DtlsIdentity> identity, DtlsTransport::Role role,
                   const std::string& relayFingerprint, std::uint16_t relayPort) {
    relayPort_ = relayPort;
    dtls_ = std::make_unique<DtlsTransport>(identity, timers_, [this](auto* data, auto size) {
      send(relayPort_, Bytes(data, data + size));
    });
    dtls_->start(role, relayFingerprint);
  }

  void useSdes(const SdesCrypto& local, const SdesCrypto& remote) {
    srtp_ = SrtpSession::create({local.profile, local.keySalt, remote.keySalt}).value();
  }

  // Reads what arrived: DTLS goes to the handshake, STUN answers are counted, media is queued
  // (decrypted when this endpoint has SRTP keys).
  void drain() {
    std::array<std::uint8_t, 2048> buffer;
    for (;;) {
      const ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
      if (n <= 0) return;
      std::size_t length = static_cast<std::size_t>(n);
      if (StunMessage::looksLikeStun(buffer.data(), length)) {
        auto message = StunMessage::parse(buffer.data(), length);
        if (message && message->type == StunMessage::kBindingSuccess) ++stunSuccesses;
        continue;
      }
      if (DtlsTransport::isDtls(buffer.data(), length)) {
        ++dtlsReceived;
        if (dtls_) dtls_->onDatagram(buffer.data(), length);
        if (dtls_ && dtls_->state() == DtlsTransport::State::Connected && !srtp_) {
          srtp_ = SrtpSession::create(dtls_->keys()).value();
        }
        continue;
      }
      if (srtp_) {
        const bool rtcp = buffer[1] >= 192 && buffer[1] <= 223;
        if (!(rtcp ? srtp_->unprotectRtcp(buffer.data(), length)
                   : srtp_->unprotectRtp(buffer.data(), length))) {
          ++undecryptable;
          continue;
        }
      }
      media.emplace_back(buffer.begin(), buffer.begin() + length);
    }
  }

  // One RTP (or RTCP) packet as this endpoint sends it: encrypted when it has keys.
  Bytes seal(Bytes packet, bool rtcp = false) {
    if (!srtp_) return packet;
    std::size_t length = packet.size();
    packet.resize(packet.size() + SrtpSession::kMaxTrailer);
    const bool ok = rtcp ? srtp_->protectRtcp(packet.data(), length, packet.size())
                         : srtp_->protectRtp(packet.data(), length, packet.size());
    EXPECT_TRUE(ok);
    packet.resize(length);
    return packet;
  }

  void sendMedia(std::uint16_t port, Bytes packet, bool rtcp = false) {
    send(port, seal(std::move(packet), rtcp));
  }

  bool connected() const { return dtls_ && dtls_->state() == DtlsTransport::State::Connected; }
  // Datagrams that reached this endpoint's DTLS (a stranger must get no answer).
  int dtlsReceived = 0;
  bool keyed() const { return srtp_ != nullptr; }

  std::deque<Bytes> media;
  int stunSuccesses = 0;
  int undecryptable = 0;

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t relayPort_ = 0;
  std::shared_ptr<DtlsIdentity> identity_;
  testing::FakeTimers timers_;
  std::unique_ptr<DtlsTransport> dtls_;
  std::unique_ptr<SrtpSession> srtp_;
};

const std::vector<std::string> kTowardSip = {"ICE=remove", "RTP/AVP", "rtcp-mux-demux",
                                             "replace-origin"};
const std::vector<std::string> kTowardBrowser = {"ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-offer",
                                                 "generate-mid", "SDES-off"};

class WebRtcBridgeTest : public ::testing::TestWithParam<RelayOptions::PacketIo> {
 protected:
  WebRtcBridgeTest() : packetIoProblem_(choosePacketIo(loop_, GetParam())) {
    std::random_device random;
    options_.portMin = static_cast<std::uint16_t>(20000 + (random() % 200) * 100);
    options_.portMax = static_cast<std::uint16_t>(options_.portMin + 99);
    engine_ = std::make_unique<RelayEngine>(loop_, options_);
  }

  ng::Value command(const std::string& name, const std::string& sdp, const std::string& fromTag,
                    const std::string& toTag, const std::vector<std::string>& flags) {
    ng::Value request = ng::Value::dict();
    request.set("command", name);
    request.set("call-id", "webrtc-call");
    request.set("from-tag", fromTag);
    if (!toTag.empty()) request.set("to-tag", toTag);
    request.set("sdp", sdp);
    ng::Value& list = request.set("flags", ng::Value::list());
    for (const auto& flag : flags) list.push(flag);
    ng::Value reply = engine_->handle(request);
    EXPECT_EQ(reply.stringAt("result"), "ok") << reply.stringAt("error-reason");
    return reply;
  }

  // Runs the relay's loop and lets the endpoints read until `done` or ~2 s.
  template <class Done>
  bool pump(Endpoint& a, Endpoint& b, Done done, int rounds = 200) {
    for (int i = 0; i < rounds; ++i) {
      loop_.runOnce(Duration(10));
      a.drain();
      b.drain();
      if (done()) return true;
    }
    return false;
  }

  // The same for any number of endpoints.
  template <class Done>
  bool pumpAll(std::initializer_list<Endpoint*> endpoints, Done done, int rounds = 200) {
    for (int i = 0; i < rounds; ++i) {
      loop_.runOnce(Duration(10));
      for (Endpoint* endpoint : endpoints) endpoint->drain();
      if (done()) return true;
    }
    return false;
  }

  // Packets the relay counted on line `index` (1-based) of party `tag`, from the query reply.
  std::int64_t packetsOnLine(const std::string& tag, std::size_t index) {
    ng::Value reply = engine_->handle(mediacontrol::MediaControl::query("webrtc-call"));
    const ng::Value* party = reply.find("tags") ? reply.find("tags")->find(tag) : nullptr;
    if (party == nullptr) return -1;
    const ng::Value& media = party->find("medias")->items().at(index - 1);
    const ng::Value& rtp = media.find("streams")->items().at(0);
    return rtp.find("stats")->find("packets")->integerValue();
  }

  // Gives packets that should not arrive a moment to do so.
  void settle(Endpoint& a, Endpoint& b) {
    pump(
        a, b, [] { return false; }, 20);
  }

  // The browser connects to the relay: ICE check answered, DTLS done.
  void connectBrowser(Endpoint& browser, Endpoint& other, const std::string& sdpToBrowser,
                      DtlsTransport::Role role) {
    const std::uint16_t relayPort = portOf(sdpToBrowser);
    browser.check(relayPort, attributeOf(sdpToBrowser, "ice-ufrag"),
                  attributeOf(sdpToBrowser, "ice-pwd"));
    ASSERT_TRUE(pump(browser, other, [&] { return browser.stunSuccesses > 0; }))
        << "ICE check not answered";
    const std::string fingerprint = attributeOf(sdpToBrowser, "fingerprint");
    ASSERT_EQ(fingerprint.rfind("sha-256 ", 0), 0u);
    browser.startDtls(role, fingerprint.substr(8), relayPort);
    ASSERT_TRUE(pump(browser, other, [&] { return browser.keyed(); })) << "DTLS not completed";
  }

  // Media both ways: each side sends a few packets, the other gets exactly what was sent.
  // `first`: the first sequence number (SRTP refuses a replayed one, so a second round goes on).
  void expectMediaBothWays(Endpoint& browser, std::uint16_t browserSends, Endpoint& sip,
                           std::uint16_t sipSends, std::uint16_t first = 1) {
    for (std::uint16_t seq = first; seq < first + 5; ++seq)
      browser.sendMedia(browserSends, rtpPacket(seq, 0xB1));
    ASSERT_TRUE(pump(browser, sip, [&] { return sip.media.size() >= 5; }));
    EXPECT_EQ(sip.media.front(), rtpPacket(first, 0xB1));
    for (std::uint16_t seq = first; seq < first + 5; ++seq)
      sip.sendMedia(sipSends, rtpPacket(seq, 0x51));
    ASSERT_TRUE(pump(browser, sip, [&] { return browser.media.size() >= 5; }));
    EXPECT_EQ(browser.media.front(), rtpPacket(first, 0x51));
    EXPECT_EQ(browser.undecryptable, 0);
    // SRTCP from the browser (muxed) arrives as plain RTCP on the SIP side's RTCP port.
    sip.media.clear();
    browser.sendMedia(browserSends, rtcpReceiverReport(0xB1), true);
    ASSERT_TRUE(pump(browser, sip, [&] { return !sip.media.empty(); }));
    EXPECT_EQ(sip.media.front(), rtcpReceiverReport(0xB1));
  }

  // The phone calls the browser, which answers active (the DTLS client); ICE and DTLS done.
  // Returns the SDP toward the browser and toward the phone.
  std::pair<std::string, std::string> phoneCallsConnectedBrowser(Endpoint& browser,
                                                                 Endpoint& phone) {
    const ng::Value offered = command("offer", phone.sipSdp(), "phone", "", kTowardBrowser);
    const std::string toBrowser(offered.stringAt("sdp"));
    const ng::Value answered =
        command("answer", browser.browserSdp("active", browser.fingerprint()), "phone", "browser",
                kTowardSip);
    connectBrowser(browser, phone, toBrowser, DtlsTransport::Role::Client);
    return {toBrowser, std::string(answered.stringAt("sdp"))};
  }

  // Runs the relay until it freed its DTLS session (kLinger after the handshake).
  void outlastDtlsLinger(Endpoint& a, Endpoint& b) {
    pump(
        a, b, [] { return false; }, static_cast<int>(DtlsTransport::kLinger / Duration(10)) + 20);
  }

  void SetUp() override {
    if (!packetIoProblem_.empty()) GTEST_SKIP() << packetIoProblem_;
  }

  RelayOptions options_;
  EventLoop loop_;
  std::string packetIoProblem_;  // set up before the engine, which takes the loop's ring
  std::unique_ptr<RelayEngine> engine_;
};

RTCGATE_BOTH_PACKET_PATHS(WebRtcBridgeTest);

TEST_P(WebRtcBridgeTest, BrowserCallsPlainRtpPhone) {
  Endpoint browser, phone;
  const ng::Value offered = command("offer", browser.browserSdp("actpass", browser.fingerprint()),
                                    "browser", "", kTowardSip);
  const std::string toPhone(offered.stringAt("sdp"));
  EXPECT_NE(toPhone.find("m=audio " + std::to_string(portOf(toPhone)) + " RTP/AVP 0 101"),
            std::string::npos);
  EXPECT_EQ(toPhone.find("a=ice-"), std::string::npos);
  EXPECT_EQ(toPhone.find("a=fingerprint"), std::string::npos);
  EXPECT_EQ(toPhone.find("a=setup"), std::string::npos);
  EXPECT_NE(toPhone.find("a=ssrc:1234 cname:browser"), std::string::npos);
  const ng::Value answered = command("answer", phone.sipSdp(), "browser", "phone", kTowardBrowser);
  const std::string toBrowser(answered.stringAt("sdp"));
  EXPECT_NE(toBrowser.find("UDP/TLS/RTP/SAVPF 0 101"), std::string::npos);
  EXPECT_NE(toBrowser.find("a=ice-lite"), std::string::npos);
  EXPECT_EQ(attributeOf(toBrowser, "setup"), "passive");
  EXPECT_NE(toBrowser.find("a=rtcp-mux"), std::string::npos);
  EXPECT_NE(toBrowser.find("typ host"), std::string::npos);
  connectBrowser(browser, phone, toBrowser, DtlsTransport::Role::Client);
  expectMediaBothWays(browser, portOf(toBrowser), phone, portOf(toPhone));
}

TEST_P(WebRtcBridgeTest, PlainRtpPhoneCallsBrowser) {
  Endpoint browser, phone;
  const ng::Value offered = command("offer", phone.sipSdp(), "phone", "", kTowardBrowser);
  const std::string toBrowser(offered.stringAt("sdp"));
  EXPECT_NE(toBrowser.find("UDP/TLS/RTP/SAVPF"), std::string::npos);
  EXPECT_EQ(attributeOf(toBrowser, "setup"), "actpass");
  EXPECT_EQ(attributeOf(toBrowser, "mid"), "0");
  EXPECT_NE(toBrowser.find("a=rtcp-mux"), std::string::npos);
  // The browser answers active: it is the DTLS client, the relay the server.
  const ng::Value answered = command("answer", browser.browserSdp("active", browser.fingerprint()),
                                     "phone", "browser", kTowardSip);
  const std::string toPhone(answered.stringAt("sdp"));
  EXPECT_NE(toPhone.find("RTP/AVP 0 101"), std::string::npos);
  EXPECT_EQ(toPhone.find("a=fingerprint"), std::string::npos);
  connectBrowser(browser, phone, toBrowser, DtlsTransport::Role::Client);
  expectMediaBothWays(browser, portOf(toBrowser), phone, portOf(toPhone));
}

TEST_P(WebRtcBridgeTest, ReInviteKeepsTheDtlsAssociation) {
  Endpoint browser, phone;
  const auto [toBrowser, toPhone] = phoneCallsConnectedBrowser(browser, phone);
  // The phone re-offers (hold/unhold, session refresh): the browser sees actpass again and
  // answers active with the same certificate; ports and keys stay.
  const ng::Value reoffered = command("offer", phone.sipSdp(), "phone", "", kTowardBrowser);
  EXPECT_EQ(attributeOf(std::string(reoffered.stringAt("sdp")), "setup"), "actpass");
  EXPECT_EQ(portOf(std::string(reoffered.stringAt("sdp"))), portOf(toBrowser));
  command("answer", browser.browserSdp("active", browser.fingerprint()), "phone", "browser",
          kTowardSip);
  expectMediaBothWays(browser, portOf(toBrowser), phone, portOf(toPhone));
}

TEST_P(WebRtcBridgeTest, BrowserAnsweringPassiveMakesTheRelayTheDtlsClient) {
  Endpoint browser, phone;
  const ng::Value offered = command("offer", phone.sipSdp(), "phone", "", kTowardBrowser);
  const std::string toBrowser(offered.stringAt("sdp"));
  const ng::Value answered = command("answer", browser.browserSdp("passive", browser.fingerprint()),
                                     "phone", "browser", kTowardSip);
  const std::string toPhone(answered.stringAt("sdp"));
  connectBrowser(browser, phone, toBrowser, DtlsTransport::Role::Server);
  expectMediaBothWays(browser, portOf(toBrowser), phone, portOf(toPhone));
}

// A WebRTC media server that is an ICE-lite agent itself (mediasoup always is): neither side
// sends checks (RFC 8445 §6.1.1: two lite agents use the addresses in their SDP). It answers
// passive, so the relay, as DTLS client, must reach it at its SDP address without any check.
TEST_P(WebRtcBridgeTest, AnIceLitePeerThatNeverChecksStillGetsMedia) {
  Endpoint server, phone;
  const ng::Value offered = command("offer", phone.sipSdp(), "phone", "", kTowardBrowser);
  const std::string toServer(offered.stringAt("sdp"));
  const std::string serverSdp =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n" +
      server.browserSdp("passive", server.fingerprint())
          .substr(std::strlen("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"));
  const ng::Value answered = command("answer", serverSdp, "phone", "server", kTowardSip);
  const std::string toPhone(answered.stringAt("sdp"));
  server.startDtls(DtlsTransport::Role::Server, attributeOf(toServer, "fingerprint").substr(8),
                   portOf(toServer));
  ASSERT_TRUE(pump(server, phone, [&] { return server.keyed(); }))
      << "the relay never reached the lite server (DTLS not completed)";
  expectMediaBothWays(server, portOf(toServer), phone, portOf(toPhone));
}

TEST_P(WebRtcBridgeTest, FingerprintMismatchAbortsTheStream) {
  Endpoint browser, phone, impostor;
  // The SDP names another certificate than the one the browser presents.
  const ng::Value offered = command("offer", browser.browserSdp("actpass", impostor.fingerprint()),
                                    "browser", "", kTowardSip);
  const std::string toPhone(offered.stringAt("sdp"));
  const ng::Value answered = command("answer", phone.sipSdp(), "browser", "phone", kTowardBrowser);
  const std::string toBrowser(answered.stringAt("sdp"));
  const std::uint16_t relayPort = portOf(toBrowser);
  browser.check(relayPort, attributeOf(toBrowser, "ice-ufrag"), attributeOf(toBrowser, "ice-pwd"));
  ASSERT_TRUE(pump(browser, phone, [&] { return browser.stunSuccesses > 0; }));
  browser.startDtls(DtlsTransport::Role::Client, attributeOf(toBrowser, "fingerprint").substr(8),
                    relayPort);
  // The browser may complete its side; the relay refuses to key the stream.
  pump(
      browser, phone, [&] { return browser.keyed(); }, 50);
  if (browser.keyed()) {
    browser.sendMedia(relayPort, rtpPacket(1, 0xB1));
    settle(browser, phone);
  }
  EXPECT_TRUE(phone.media.empty());
  phone.sendMedia(portOf(toPhone), rtpPacket(1, 0x51));
  settle(browser, phone);
  EXPECT_TRUE(browser.media.empty());
  // Counted once for /metrics, whether the once-a-second sweep or the delete sees it first.
  engine_->handle(mediacontrol::MediaControl::remove("webrtc-call"));
  EXPECT_EQ(engine_->totals().dtlsFailures, 1u);
}

TEST_P(WebRtcBridgeTest, WrongIcePasswordIsNotAnswered) {
  Endpoint browser, phone;
  command("offer", browser.browserSdp("actpass", browser.fingerprint()), "browser", "", kTowardSip);
  const ng::Value answered = command("answer", phone.sipSdp(), "browser", "phone", kTowardBrowser);
  const std::string toBrowser(answered.stringAt("sdp"));
  browser.check(portOf(toBrowser), attributeOf(toBrowser, "ice-ufrag"), "notThePassword");
  settle(browser, phone);
  EXPECT_EQ(browser.stunSuccesses, 0);
}

TEST_P(WebRtcBridgeTest, BrowserCallsSdesPhone) {
  Endpoint browser, phone;
  const ng::Value offered = command("offer", browser.browserSdp("actpass", browser.fingerprint()),
                                    "browser", "", {"ICE=remove", "RTP/SAVP", "rtcp-mux-demux"});
  const std::string toPhone(offered.stringAt("sdp"));
  EXPECT_NE(toPhone.find("RTP/SAVP 0 101"), std::string::npos);
  const std::string relayCrypto = attributeOf(toPhone, "crypto");
  auto relayKey = SdesCrypto::parse(relayCrypto);
  ASSERT_TRUE(relayKey) << toPhone;
  EXPECT_EQ(toPhone.find("a=fingerprint"), std::string::npos);
  const SdesCrypto phoneKey = SdesCrypto::generate(relayKey->tag, relayKey->profile);
  const ng::Value answered =
      command("answer", phone.sipSdp("RTP/SAVP", "a=crypto:" + phoneKey.format() + "\r\n"),
              "browser", "phone", kTowardBrowser);
  const std::string toBrowser(answered.stringAt("sdp"));
  EXPECT_EQ(toBrowser.find("a=crypto"), std::string::npos);
  phone.useSdes(phoneKey, *relayKey);
  connectBrowser(browser, phone, toBrowser, DtlsTransport::Role::Client);
  expectMediaBothWays(browser, portOf(toBrowser), phone, portOf(toPhone));
}

TEST_P(WebRtcBridgeTest, SdesPhoneCallsBrowser) {
  Endpoint browser, phone;
  const SdesCrypto phoneKey = SdesCrypto::generate(1, SrtpProfile::AesCm128HmacSha1_80);
  const ng::Value offered =
      command("offer", phone.sipSdp("RTP/SAVP", "a=crypto:" + phoneKey.format() + "\r\n"), "phone",
              "", kTowardBrowser);
  const std::string toBrowser(offered.stringAt("sdp"));
  EXPECT_EQ(toBrowser.find("a=crypto"), std::string::npos);
  const ng::Value answered = command("answer", browser.browserSdp("active", browser.fingerprint()),
                                     "phone", "browser", {"ICE=remove", "rtcp-mux-demux"});
  const std::string toPhone(answered.stringAt("sdp"));
  EXPECT_NE(toPhone.find("RTP/SAVP 0 101"), std::string::npos);
  auto relayKey = SdesCrypto::parse(attributeOf(toPhone, "crypto"));
  ASSERT_TRUE(relayKey) << toPhone;
  EXPECT_NE(relayKey->keySalt, phoneKey.keySalt);
  phone.useSdes(phoneKey, *relayKey);
  connectBrowser(browser, phone, toBrowser, DtlsTransport::Role::Client);
  expectMediaBothWays(browser, portOf(toBrowser), phone, portOf(toPhone));
}

TEST_P(WebRtcBridgeTest, BrowserToBrowserThroughTheRelay) {
  Endpoint alice, bob;
  const std::vector<std::string> flags = {"ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-require"};
  const ng::Value offered =
      command("offer", alice.browserSdp("actpass", alice.fingerprint()), "alice", "", flags);
  const std::string toBob(offered.stringAt("sdp"));
  EXPECT_EQ(attributeOf(toBob, "setup"), "actpass");
  EXPECT_NE(attributeOf(toBob, "fingerprint"), "sha-256 " + alice.fingerprint());
  const ng::Value answered =
      command("answer", bob.browserSdp("active", bob.fingerprint()), "alice", "bob", flags);
  const std::string toAlice(answered.stringAt("sdp"));
  EXPECT_EQ(attributeOf(toAlice, "setup"), "passive");
  connectBrowser(bob, alice, toBob, DtlsTransport::Role::Client);
  connectBrowser(alice, bob, toAlice, DtlsTransport::Role::Client);
  for (std::uint16_t seq = 1; seq <= 3; ++seq)
    alice.sendMedia(portOf(toAlice), rtpPacket(seq, 0xA));
  ASSERT_TRUE(pump(alice, bob, [&] { return bob.media.size() >= 3; }));
  EXPECT_EQ(bob.media.front(), rtpPacket(1, 0xA));
  for (std::uint16_t seq = 1; seq <= 3; ++seq) bob.sendMedia(portOf(toBob), rtpPacket(seq, 0xB));
  ASSERT_TRUE(pump(alice, bob, [&] { return alice.media.size() >= 3; }));
  EXPECT_EQ(alice.media.front(), rtpPacket(1, 0xB));
}

TEST_P(WebRtcBridgeTest, MediaBeforeDtlsIsDroppedNotForwarded) {
  Endpoint browser, phone;
  const ng::Value offered = command("offer", browser.browserSdp("actpass", browser.fingerprint()),
                                    "browser", "", kTowardSip);
  const ng::Value answered = command("answer", phone.sipSdp(), "browser", "phone", kTowardBrowser);
  // Unkeyed "SRTP" from the browser's address and plain RTP toward a browser without keys.
  browser.send(portOf(std::string(answered.stringAt("sdp"))), rtpPacket(1, 0xB1));
  phone.send(portOf(std::string(offered.stringAt("sdp"))), rtpPacket(1, 0x51));
  settle(browser, phone);
  EXPECT_TRUE(phone.media.empty());
  EXPECT_TRUE(browser.media.empty());
}

// A DTLS record of `type` (alert 21, application data 23, handshake 22) with junk in it.
Bytes dtlsRecord(std::uint8_t type, std::uint16_t epoch) {
  Bytes record = {type,
                  0xFE,
                  0xFD,
                  static_cast<std::uint8_t>(epoch >> 8),
                  static_cast<std::uint8_t>(epoch),
                  0,
                  0,
                  0,
                  0,
                  0,
                  7,
                  0,
                  40};
  for (int i = 0; i < 40; ++i) record.push_back(static_cast<std::uint8_t>(i * 37));
  return record;
}

// After the handshake (and after the relay freed its DTLS session, kLinger on) a stranger sends
// a ClientHello of its own and junk records to the browser's relay port: ignored, the call's
// media goes on both ways with the keys it has, and the stranger hears nothing back.
TEST_P(WebRtcBridgeTest, DtlsFromAStrangerNeverStopsAnEstablishedCall) {
  Endpoint browser, phone, stranger;
  const auto [toBrowser, toPhone] = phoneCallsConnectedBrowser(browser, phone);
  expectMediaBothWays(browser, portOf(toBrowser), phone, portOf(toPhone));
  outlastDtlsLinger(browser, phone);
  stranger.startDtls(DtlsTransport::Role::Client, attributeOf(toBrowser, "fingerprint").substr(8),
                     portOf(toBrowser));
  for (std::uint8_t type : {20, 21, 22, 23}) {
    stranger.send(portOf(toBrowser), dtlsRecord(type, 0));
    stranger.send(portOf(toBrowser), dtlsRecord(type, 1));
  }
  const int browserDtls = browser.dtlsReceived;
  pumpAll(
      {&browser, &phone, &stranger}, [] { return false; }, 50);
  EXPECT_EQ(stranger.dtlsReceived, 0);
  EXPECT_EQ(browser.dtlsReceived, browserDtls);  // no handshake flight on the stranger's behalf
  browser.media.clear();
  phone.media.clear();
  expectMediaBothWays(browser, portOf(toBrowser), phone, portOf(toPhone), 100);
  engine_->handle(mediacontrol::MediaControl::remove("webrtc-call"));
  EXPECT_EQ(engine_->totals().dtlsFailures, 0u);
}

// A new handshake from the peer's own address that fails (here: another certificate than its
// SDP names, as a forger spoofing the browser's address would present) ends only itself.
TEST_P(WebRtcBridgeTest, AFailedNewHandshakeKeepsTheWorkingKeys) {
  Endpoint browser, phone;
  const auto [toBrowser, toPhone] = phoneCallsConnectedBrowser(browser, phone);
  outlastDtlsLinger(browser, phone);
  browser.startDtlsAs(*DtlsIdentity::generate(), DtlsTransport::Role::Client,
                      attributeOf(toBrowser, "fingerprint").substr(8), portOf(toBrowser));
  pump(browser, phone, [&] { return browser.connected(); });
  settle(browser, phone);
  expectMediaBothWays(browser, portOf(toBrowser), phone, portOf(toPhone));
  engine_->handle(mediacontrol::MediaControl::remove("webrtc-call"));
  EXPECT_EQ(engine_->totals().dtlsFailures, 1u);
}

// Only an ICE check with the right MESSAGE-INTEGRITY moves a WebRTC leg's peer: not a check
// with a wrong password or none, not plain RTP, not even the browser's own SRTP (captured and
// raced ahead of it) from another address.
TEST_P(WebRtcBridgeTest, OnlyAnAuthenticatedCheckMovesTheBrowsersPeer) {
  Endpoint browser, phone, stranger;
  const ng::Value offered = command("offer", browser.browserSdp("actpass", browser.fingerprint()),
                                    "browser", "", kTowardSip);
  const std::string toPhone(offered.stringAt("sdp"));
  const ng::Value answered = command("answer", phone.sipSdp(), "browser", "phone", kTowardBrowser);
  const std::string toBrowser(answered.stringAt("sdp"));
  const std::uint16_t relayPort = portOf(toBrowser);
  connectBrowser(browser, phone, toBrowser, DtlsTransport::Role::Client);
  browser.sendMedia(relayPort, rtpPacket(1, 0xB1));  // the relay knows its SSRC now
  ASSERT_TRUE(pump(browser, phone, [&] { return !phone.media.empty(); }));
  phone.media.clear();
  const std::string ufrag = attributeOf(toBrowser, "ice-ufrag");
  stranger.check(relayPort, ufrag, "notThePassword");
  std::array<std::uint8_t, StunWriter::kMaxSize> unsigned_{};
  StunWriter writer(unsigned_.data(), StunMessage::kBindingRequest, {7, 7, 7});
  writer.addUsername(ufrag + ":brws");
  writer.addUseCandidate();
  writer.addFingerprint();
  stranger.send(relayPort, Bytes(unsigned_.begin(), unsigned_.begin() + writer.size()));
  stranger.send(relayPort, rtpPacket(1, 0xB1));
  stranger.send(relayPort, browser.seal(rtpPacket(2, 0xB1)));
  pumpAll(
      {&browser, &phone, &stranger}, [] { return false; }, 20);
  EXPECT_EQ(stranger.stunSuccesses, 0);
  EXPECT_TRUE(phone.media.empty());  // the raced packet from the stranger was refused too
  phone.sendMedia(portOf(toPhone), rtpPacket(1, 0x51));
  ASSERT_TRUE(pump(browser, phone, [&] { return !browser.media.empty(); }));
  settle(browser, phone);
  stranger.drain();
  EXPECT_TRUE(stranger.media.empty());
  EXPECT_EQ(stranger.undecryptable, 0);
  const ng::Value queried = engine_->handle(mediacontrol::MediaControl::query("webrtc-call"));
  const ng::Value& party = *queried.find("tags")->find("browser");
  const ng::Value& rtp = party.find("medias")->items().at(0).find("streams")->items().at(0);
  EXPECT_EQ(rtp.find("endpoint")->find("port")->integerValue(), browser.port());
}

std::vector<std::uint32_t> ssrcsOf(const std::deque<Bytes>& packets) {
  std::vector<std::uint32_t> ssrcs;
  for (const Bytes& packet : packets) ssrcs.push_back(ssrcOf(packet));
  std::sort(ssrcs.begin(), ssrcs.end());
  return ssrcs;
}

TEST_P(WebRtcBridgeTest, BundledBrowserCallsPhoneWithAudioAndVideo) {
  Endpoint browser, phoneAudio, phoneVideo;
  const BundleShape shape{.videoBundleOnly = true, .midExtension = true};
  const ng::Value offered =
      command("offer", browser.bundleSdp("actpass", browser.fingerprint(), shape), "browser", "",
              kTowardSip);
  const std::string toPhone(offered.stringAt("sdp"));
  EXPECT_EQ(toPhone.find("a=group:BUNDLE"), std::string::npos);
  EXPECT_EQ(toPhone.find("bundle-only"), std::string::npos);
  ASSERT_NE(portOf(toPhone, 1), 0);
  EXPECT_NE(portOf(toPhone, 0), portOf(toPhone, 1));
  const ng::Value answered =
      command("answer", sipAudioVideoSdp(phoneAudio.port(), phoneVideo.port()), "browser", "phone",
              kTowardBrowser);
  const std::string toBrowser(answered.stringAt("sdp"));
  EXPECT_NE(toBrowser.find("a=group:BUNDLE 0 1"), std::string::npos);
  const std::uint16_t relay = portOf(toBrowser);
  EXPECT_EQ(portOf(toBrowser, 1), relay);
  connectBrowser(browser, phoneAudio, toBrowser, DtlsTransport::Role::Client);

  // Audio by its a=ssrc, video first by MID then by the SSRC learned from it, a second video
  // SSRC (no a=ssrc, no MID) by payload type.
  browser.sendMedia(relay, rtpPacket(1, 0xA1));
  browser.sendMedia(relay, videoPacket(1, 0xB2, "1"));
  browser.sendMedia(relay, videoPacket(2, 0xB2));
  browser.sendMedia(relay, videoPacket(1, 0xC3));
  browser.sendMedia(relay, rtpPacket(2, 0xA1));
  ASSERT_TRUE(pumpAll({&browser, &phoneAudio, &phoneVideo}, [&] {
    return phoneAudio.media.size() >= 2 && phoneVideo.media.size() >= 3;
  }));
  settle(phoneAudio, phoneVideo);
  EXPECT_EQ(ssrcsOf(phoneAudio.media), (std::vector<std::uint32_t>{0xA1, 0xA1}));
  EXPECT_EQ(ssrcsOf(phoneVideo.media), (std::vector<std::uint32_t>{0xB2, 0xB2, 0xC3}));
  EXPECT_EQ(phoneVideo.media.front(), videoPacket(1, 0xB2, "1"));

  // Each SIP stream reaches the browser through the one bundled port and SRTP context.
  phoneAudio.sendMedia(portOf(toPhone, 0), rtpPacket(1, 0x51));
  phoneVideo.sendMedia(portOf(toPhone, 1), videoPacket(1, 0x52));
  ASSERT_TRUE(
      pumpAll({&browser, &phoneAudio, &phoneVideo}, [&] { return browser.media.size() >= 2; }));
  EXPECT_EQ(ssrcsOf(browser.media), (std::vector<std::uint32_t>{0x51, 0x52}));
  EXPECT_EQ(browser.undecryptable, 0);

  // SRTCP goes to the line of its sender SSRC, or of the SSRC it reports on.
  phoneAudio.media.clear();
  phoneVideo.media.clear();
  browser.sendMedia(relay, rtcpReceiverReport(0xB2), true);
  browser.sendMedia(relay, rtcpReportAbout(0x99, 0x51), true);
  ASSERT_TRUE(pumpAll({&browser, &phoneAudio, &phoneVideo},
                      [&] { return !phoneAudio.media.empty() && !phoneVideo.media.empty(); }));
  EXPECT_EQ(phoneVideo.media.front(), rtcpReceiverReport(0xB2));
  EXPECT_EQ(phoneAudio.media.front(), rtcpReportAbout(0x99, 0x51));
  EXPECT_GE(packetsOnLine("browser", 1), 3);
  EXPECT_GE(packetsOnLine("browser", 2), 4);
}

TEST_P(WebRtcBridgeTest, PhoneCallsBundledBrowserWithAudioAndVideo) {
  Endpoint browser, phoneAudio, phoneVideo;
  const ng::Value offered = command("offer", sipAudioVideoSdp(phoneAudio.port(), phoneVideo.port()),
                                    "phone", "", kTowardBrowser);
  const std::string toBrowser(offered.stringAt("sdp"));
  // One transport for both lines: same port, one ICE ufrag, one fingerprint and setup.
  EXPECT_NE(toBrowser.find("a=group:BUNDLE 0 1"), std::string::npos);
  EXPECT_EQ(portOf(toBrowser, 1), portOf(toBrowser, 0));
  auto parsed = sdp::SessionDescription::parse(toBrowser);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->media()[1].findAttribute("fingerprint")->attributeValue(),
            parsed->media()[0].findAttribute("fingerprint")->attributeValue());
  EXPECT_EQ(parsed->media()[1].findAttribute("ice-ufrag")->attributeValue(),
            parsed->media()[0].findAttribute("ice-ufrag")->attributeValue());
  EXPECT_NE(parsed->media()[1].findAttribute("rtcp-mux"), nullptr);
  EXPECT_EQ(parsed->media()[1].findAttribute("rtcp"), nullptr);
  // The browser's answer lists both SSRCs; no MID extension (our offer did not have it).
  const BundleShape shape{.videoSsrcLine = true};
  const ng::Value answered =
      command("answer", browser.bundleSdp("active", browser.fingerprint(), shape), "phone",
              "browser", kTowardSip);
  const std::string toPhone(answered.stringAt("sdp"));
  EXPECT_EQ(toPhone.find("a=group:BUNDLE"), std::string::npos);
  EXPECT_NE(portOf(toPhone, 0), portOf(toPhone, 1));
  connectBrowser(browser, phoneAudio, toBrowser, DtlsTransport::Role::Client);
  const std::uint16_t relay = portOf(toBrowser);
  browser.sendMedia(relay, videoPacket(1, 0xB2));
  browser.sendMedia(relay, rtpPacket(1, 0xA1));
  browser.sendMedia(relay, videoPacket(1, 0xC3));  // by payload type
  ASSERT_TRUE(pumpAll({&browser, &phoneAudio, &phoneVideo}, [&] {
    return phoneAudio.media.size() >= 1 && phoneVideo.media.size() >= 2;
  }));
  settle(phoneAudio, phoneVideo);
  EXPECT_EQ(ssrcsOf(phoneAudio.media), (std::vector<std::uint32_t>{0xA1}));
  EXPECT_EQ(ssrcsOf(phoneVideo.media), (std::vector<std::uint32_t>{0xB2, 0xC3}));
  phoneAudio.sendMedia(portOf(toPhone, 0), rtpPacket(1, 0x51));
  phoneVideo.sendMedia(portOf(toPhone, 1), videoPacket(1, 0x52));
  ASSERT_TRUE(
      pumpAll({&browser, &phoneAudio, &phoneVideo}, [&] { return browser.media.size() >= 2; }));
  EXPECT_EQ(ssrcsOf(browser.media), (std::vector<std::uint32_t>{0x51, 0x52}));
  EXPECT_EQ(browser.undecryptable, 0);
}

TEST_P(WebRtcBridgeTest, PhoneRejectingVideoLeavesTheBrowserItsGroup) {
  Endpoint browser, phoneAudio;
  const ng::Value offered = command(
      "offer", browser.bundleSdp("actpass", browser.fingerprint(), {.videoBundleOnly = true}),
      "browser", "", kTowardSip);
  const ng::Value answered =
      command("answer", sipAudioVideoSdp(phoneAudio.port(), 0), "browser", "phone", kTowardBrowser);
  const std::string toBrowser(answered.stringAt("sdp"));
  // max-bundle browsers refuse an answer without the group, even with one line left in it.
  EXPECT_NE(toBrowser.find("a=group:BUNDLE 0\r\n"), std::string::npos) << toBrowser;
  EXPECT_EQ(portOf(toBrowser, 1), 0);
  connectBrowser(browser, phoneAudio, toBrowser, DtlsTransport::Role::Client);
  expectMediaBothWays(browser, portOf(toBrowser), phoneAudio,
                      portOf(std::string(offered.stringAt("sdp"))));
}

TEST_P(WebRtcBridgeTest, PhoneReInviteKeepsTheBundle) {
  Endpoint browser, phoneAudio, phoneVideo;
  const BundleShape shape{.midExtension = true};
  command("offer", browser.bundleSdp("actpass", browser.fingerprint(), shape), "browser", "",
          kTowardSip);
  const std::string phoneSdp = sipAudioVideoSdp(phoneAudio.port(), phoneVideo.port());
  const ng::Value answered = command("answer", phoneSdp, "browser", "phone", kTowardBrowser);
  const std::string toBrowser(answered.stringAt("sdp"));
  const std::uint16_t relay = portOf(toBrowser);
  connectBrowser(browser, phoneAudio, toBrowser, DtlsTransport::Role::Client);
  browser.sendMedia(relay, videoPacket(1, 0xB2, "1"));
  ASSERT_TRUE(
      pumpAll({&browser, &phoneAudio, &phoneVideo}, [&] { return !phoneVideo.media.empty(); }));
  // The phone re-offers (session refresh): the browser is offered the same bundle and answers
  // it again; ports, DTLS association and what the demux learned stay.
  const ng::Value reoffered = command("offer", phoneSdp, "phone", "browser", kTowardBrowser);
  const std::string again(reoffered.stringAt("sdp"));
  EXPECT_NE(again.find("a=group:BUNDLE 0 1"), std::string::npos);
  EXPECT_EQ(portOf(again, 0), relay);
  EXPECT_EQ(portOf(again, 1), relay);
  const ng::Value reanswered =
      command("answer", browser.bundleSdp("active", browser.fingerprint(), shape), "phone",
              "browser", kTowardSip);
  const std::string toPhone(reanswered.stringAt("sdp"));
  phoneVideo.media.clear();
  browser.sendMedia(relay, videoPacket(2, 0xB2));  // no MID: the learned SSRC
  ASSERT_TRUE(
      pumpAll({&browser, &phoneAudio, &phoneVideo}, [&] { return !phoneVideo.media.empty(); }));
  EXPECT_EQ(phoneVideo.media.front(), videoPacket(2, 0xB2));
  // The phone's RTCP for video (its own RTCP port on the relay) reaches the browser as SRTCP on
  // the bundle.
  auto parsed = sdp::SessionDescription::parse(toPhone);
  ASSERT_TRUE(parsed);
  const sdp::SdpLine* rtcp = parsed->media()[1].findAttribute("rtcp");
  ASSERT_NE(rtcp, nullptr);
  const auto rtcpPort = static_cast<std::uint16_t>(std::stoi(std::string(rtcp->attributeValue())));
  browser.media.clear();
  phoneVideo.sendMedia(rtcpPort, rtcpReceiverReport(0x52), true);
  ASSERT_TRUE(
      pumpAll({&browser, &phoneAudio, &phoneVideo}, [&] { return !browser.media.empty(); }));
  EXPECT_EQ(browser.media.front(), rtcpReceiverReport(0x52));
}

TEST_P(WebRtcBridgeTest, BundledBrowserToBundledBrowser) {
  Endpoint alice, bob;
  const std::vector<std::string> flags = {"ICE=force", "UDP/TLS/RTP/SAVPF", "rtcp-mux-require"};
  const ng::Value offered =
      command("offer",
              alice.bundleSdp("actpass", alice.fingerprint(),
                              {.videoBundleOnly = true, .midExtension = true}),
              "alice", "", flags);
  const std::string toBob(offered.stringAt("sdp"));
  EXPECT_NE(toBob.find("a=group:BUNDLE 0 1"), std::string::npos);
  EXPECT_EQ(portOf(toBob, 1), portOf(toBob, 0));
  const ng::Value answered =
      command("answer", bob.bundleSdp("active", bob.fingerprint(), {.videoSsrcLine = true}),
              "alice", "bob", flags);
  const std::string toAlice(answered.stringAt("sdp"));
  EXPECT_NE(toAlice.find("a=group:BUNDLE 0 1"), std::string::npos);
  EXPECT_EQ(portOf(toAlice, 1), portOf(toAlice, 0));
  connectBrowser(bob, alice, toBob, DtlsTransport::Role::Client);
  connectBrowser(alice, bob, toAlice, DtlsTransport::Role::Client);
  alice.sendMedia(portOf(toAlice), rtpPacket(1, 0xA1));
  alice.sendMedia(portOf(toAlice), videoPacket(1, 0xB2, "1"));
  ASSERT_TRUE(pump(alice, bob, [&] { return bob.media.size() >= 2; }));
  EXPECT_EQ(ssrcsOf(bob.media), (std::vector<std::uint32_t>{0xA1, 0xB2}));
  bob.sendMedia(portOf(toBob), rtpPacket(1, 0xA1));
  bob.sendMedia(portOf(toBob), videoPacket(1, 0xB2));
  ASSERT_TRUE(pump(alice, bob, [&] { return alice.media.size() >= 2; }));
  EXPECT_EQ(ssrcsOf(alice.media), (std::vector<std::uint32_t>{0xA1, 0xB2}));
  // Each packet was counted on its own line on the way in.
  EXPECT_EQ(packetsOnLine("alice", 1), 1);
  EXPECT_EQ(packetsOnLine("alice", 2), 1);
  EXPECT_EQ(packetsOnLine("bob", 1), 1);
  EXPECT_EQ(packetsOnLine("bob", 2), 1);
}

TEST_P(WebRtcBridgeTest, BundledLinesShareOnePort) {
  // The browser's side holds one port pair for its bundle; the phone's side a pair per line.
  Endpoint browser, phoneAudio, phoneVideo;
  command("offer", browser.bundleSdp("actpass", browser.fingerprint(), {}), "browser", "",
          kTowardSip);
  command("answer", sipAudioVideoSdp(phoneAudio.port(), phoneVideo.port()), "browser", "phone",
          kTowardBrowser);
  EXPECT_EQ(engine_->ports().inUse(), 6u);
  ng::Value reply = engine_->handle(mediacontrol::MediaControl::query("webrtc-call"));
  const ng::Value& medias = *reply.find("tags")->find("browser")->find("medias");
  auto localPort = [&](std::size_t line) {
    return medias.items()
        .at(line)
        .find("streams")
        ->items()
        .at(0)
        .find("local port")
        ->integerValue();
  };
  EXPECT_EQ(localPort(1), localPort(0));
  // A re-offer without the group: video gets its own port pair again; with it, gives it back.
  std::string unbundled = browser.bundleSdp("actpass", browser.fingerprint(), {});
  unbundled.erase(unbundled.find("a=group:BUNDLE 0 1\r\n"), 20);
  command("offer", unbundled, "browser", "phone", kTowardSip);
  EXPECT_EQ(engine_->ports().inUse(), 8u);
  command("offer", browser.bundleSdp("actpass", browser.fingerprint(), {}), "browser", "phone",
          kTowardSip);
  EXPECT_EQ(engine_->ports().inUse(), 6u);
  engine_->handle(mediacontrol::MediaControl::remove("webrtc-call"));
  EXPECT_EQ(engine_->ports().inUse(), 0u);
}

}  // namespace
}  // namespace rtcgate::media
