#include "support/WebRtcLeg.hpp"

#include <cstring>
#include <random>

#include "media/packet/PeerAddress.hpp"
#include "media/webrtc/StunMessage.hpp"
#include "media/webrtc/StunWriter.hpp"

namespace rtcgate::tools {
namespace {

// Chromium's numbers: a host candidate's priority, and the peer-reflexive priority it puts in
// checks (RFC 8445 §5.1.2 with type preferences 126 and 110).
constexpr std::uint32_t kHostPriority = 2130706431;
constexpr std::uint32_t kCheckPriority = 1862270975;
constexpr Duration kCheckInterval{200};
constexpr int kMaxChecks = 50;  // 10 s: rtpengine's own checks may take a few rounds

std::uint64_t randomNumber() {
  static std::mt19937_64 generator{std::random_device{}()};
  return generator();
}

std::array<std::uint8_t, 12> transactionFrom(std::uint64_t high, std::uint32_t low) {
  std::array<std::uint8_t, 12> id{};
  for (int i = 0; i < 8; ++i) id[i] = static_cast<std::uint8_t>(high >> (8 * i));
  for (int i = 0; i < 4; ++i) id[8 + i] = static_cast<std::uint8_t>(low >> (8 * i));
  return id;
}

media::PeerAddress peerAddress(const sockaddr_in& from) {
  media::PeerAddress address;
  std::memcpy(&address.storage, &from, sizeof from);
  address.length = sizeof from;
  return address;
}

}  // namespace

WebRtcLeg::WebRtcLeg(std::shared_ptr<const media::DtlsIdentity> identity, Timers& timers, Send send)
    : identity_(std::move(identity)),
      timers_(timers),
      send_(std::move(send)),
      local_(media::IceLiteAgent::generateCredentials()),
      tieBreaker_(randomNumber()),
      dtls_(identity_, timers,
            [this](const std::uint8_t* data, std::size_t length) { send_(relay_, data, length); }) {
}

WebRtcLeg::~WebRtcLeg() {
  if (checkTimer_ != 0) timers_.cancel(checkTimer_);
}

std::string WebRtcLeg::localSdp(std::uint16_t port, const std::string& setup) const {
  const std::string p = std::to_string(port);
  return "v=0\r\no=- " + std::to_string(tieBreaker_ % 1000000000) +
         " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
         "a=msid-semantic: WMS dtlspeer\r\nm=audio " +
         p + " UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 127.0.0.1\r\na=rtcp:" + p +
         " IN IP4 127.0.0.1\r\na=candidate:1 1 udp " + std::to_string(kHostPriority) +
         " 127.0.0.1 " + p + " typ host generation 0\r\na=ice-ufrag:" + local_.ufrag +
         "\r\na=ice-pwd:" + local_.pwd + "\r\na=fingerprint:sha-256 " + identity_->fingerprint() +
         "\r\na=setup:" + setup +
         "\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
         "a=rtpmap:0 PCMU/8000\r\n";
}

void WebRtcLeg::setRemote(const RemoteMedia& remote, bool answerer) {
  remote_ = remote;
  controlling_ = !answerer || remote.iceLite;
  relay_ = remote.socketAddress();
  // The relay's answer decides the DTLS roles: its "active" makes us the server, so our DTLS
  // must be listening before its ClientHello (sent once its ICE is done) can arrive.
  role_ = remote.setup == "active" ? media::DtlsTransport::Role::Server
                                   : media::DtlsTransport::Role::Client;
  if (role_ == media::DtlsTransport::Role::Server) dtls_.start(role_, remote_.fingerprint);
}

void WebRtcLeg::start() {
  if (state_ != State::New) return;  // the relay's DTLS finished first: nothing left to do
  state_ = State::Checking;
  checkTransaction_ = transactionFrom(randomNumber(), 0);
  sendCheck();
}

std::size_t WebRtcLeg::bindingRequest(std::uint8_t* out,
                                      const std::array<std::uint8_t, 12>& transaction,
                                      bool nominate) const {
  media::StunWriter writer(out, media::StunMessage::kBindingRequest, transaction);
  writer.addUsername(remote_.iceUfrag + ":" + local_.ufrag);
  writer.addPriority(kCheckPriority);
  if (controlling_) {
    writer.addIceControlling(tieBreaker_);
  } else {
    writer.addIceControlled(tieBreaker_);
  }
  // Aggressive nomination, as Chromium does: the first check that works carries the media.
  // Controlled, it leaves nominating to the offerer.
  if (nominate && controlling_) writer.addUseCandidate();
  writer.addIntegrity(remote_.icePwd);
  writer.addFingerprint();
  return writer.ok() ? writer.size() : 0;
}

void WebRtcLeg::sendCheck() {
  checkTimer_ = 0;
  if (state_ != State::Checking) return;
  if (++checksSent_ > kMaxChecks) {
    fail("ICE check got no answer");
    return;
  }
  std::array<std::uint8_t, media::StunWriter::kMaxSize> buffer;
  const std::size_t length = bindingRequest(buffer.data(), checkTransaction_, true);
  if (length != 0) send_(relay_, buffer.data(), length);
  checkTimer_ = timers_.start(kCheckInterval, [this] { sendCheck(); });
}

void WebRtcLeg::onDatagram(const std::uint8_t* data, std::size_t length, const sockaddr_in& from) {
  if (state_ == State::Failed || remote_.port == 0) return;
  if (media::StunMessage::looksLikeStun(data, length)) {
    auto message = media::StunMessage::parse(data, length);
    if (!message) return;
    if (message->type == media::StunMessage::kBindingRequest) {
      std::array<std::uint8_t, media::StunWriter::kMaxSize> response;
      const std::size_t size = answerStun(data, length, from, response.data());
      if (size != 0) send_(from, response.data(), size);
      return;
    }
    if (message->transactionId != checkTransaction_) return;  // an answer to a consent check
    if (message->type == media::StunMessage::kBindingError) {
      fail("ICE check refused");
    } else if (message->type == media::StunMessage::kBindingSuccess &&
               message->integrityMatches(remote_.icePwd)) {
      onCheckAnswered();
    }
    return;
  }
  if (media::DtlsTransport::isDtls(data, length)) {
    dtls_.onDatagram(data, length);
    afterDtls();
  }
}

void WebRtcLeg::onCheckAnswered() {
  if (state_ != State::Checking) return;
  if (checkTimer_ != 0) timers_.cancel(checkTimer_);
  checkTimer_ = 0;
  state_ = State::Handshaking;
  if (role_ == media::DtlsTransport::Role::Client) {
    dtls_.start(role_, remote_.fingerprint);
  }
  afterDtls();
}

void WebRtcLeg::afterDtls() {
  if (dtls_.state() == media::DtlsTransport::State::Failed) {
    fail(dtls_.failure());
    return;
  }
  // A relay acting as DTLS client may finish before our check's answer is read: media may flow
  // then, as it would for a browser whose check was answered a moment later.
  if (dtls_.state() != media::DtlsTransport::State::Connected || srtp_) return;
  auto session = media::SrtpSession::create(dtls_.keys());
  if (!session) {
    fail("SRTP session refused the DTLS keys");
    return;
  }
  srtp_ = std::move(*session);
  if (checkTimer_ != 0) timers_.cancel(checkTimer_);
  checkTimer_ = 0;
  state_ = State::Connected;
}

std::size_t WebRtcLeg::answerStun(const std::uint8_t* data, std::size_t length,
                                  const sockaddr_in& from, std::uint8_t* response) const {
  auto request = media::StunMessage::parse(data, length);
  if (!request || request->type != media::StunMessage::kBindingRequest) return 0;
  const std::string_view username = request->username;
  if (!username.starts_with(local_.ufrag + ":") || !request->integrityMatches(local_.pwd)) {
    return 0;
  }
  media::StunWriter writer(response, media::StunMessage::kBindingSuccess, request->transactionId);
  writer.addXorMappedAddress(peerAddress(from));
  writer.addIntegrity(local_.pwd);
  writer.addFingerprint();
  return writer.ok() ? writer.size() : 0;
}

std::size_t WebRtcLeg::consentRequest(std::uint8_t* request, std::uint32_t sequence) const {
  return bindingRequest(request, transactionFrom(tieBreaker_, sequence + 1), false);
}

void WebRtcLeg::fail(const char* reason) {
  if (checkTimer_ != 0) timers_.cancel(checkTimer_);
  checkTimer_ = 0;
  failure_ = reason;
  state_ = State::Failed;
}

}  // namespace rtcgate::tools
