#include "media/SecureTransport.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>

#include "media/MediaStream.hpp"
#include "media/StunWriter.hpp"

namespace rtcgate::media {

SecureTransport::SecureTransport(Timers& timers, std::shared_ptr<const DtlsIdentity> identity,
                                 std::string label)
    : timers_(timers), identity_(std::move(identity)), label_(std::move(label)) {}

void SecureTransport::setKeying(Keying keying) {
  if (keying == keying_) return;
  keying_ = keying;
  srtp_.reset();
  dtls_.reset();
  remoteFingerprint_.clear();
  roleKnown_ = false;
  remoteCrypto_.reset();
  localCrypto_.reset();
}

void SecureTransport::enableIce(const IceCredentials& local) {
  if (!ice_) {
    ice_.emplace(timers_, local);
  } else if (ice_->local().ufrag != local.ufrag) {
    ice_->setLocal(local);
  }
}

void SecureTransport::setRemoteIce(std::string_view ufrag, std::string_view pwd) {
  if (!ice_ || ufrag.empty()) return;
  if (ice_->setRemote(ufrag, pwd) && dtls_) {
    // ICE restart: a new DTLS association on the new path (the old keys stay in use until it
    // completes, so media continues if the peer keeps the old association).
    startDtls();
  }
}

bool SecureTransport::setRemoteDtls(std::string_view fingerprint, std::string_view setup) {
  DtlsTransport::Role role;
  if (setup == "actpass" || setup == "active") {
    role = DtlsTransport::Role::Server;  // we answer passive to actpass (our default)
  } else if (setup == "passive") {
    role = DtlsTransport::Role::Client;
  } else {
    return false;
  }
  // Only sha-256 fingerprints are accepted: "sha-256 AB:CD:...".
  constexpr std::string_view kPrefix = "sha-256 ";
  if (fingerprint.size() <= kPrefix.size() ||
      strncasecmp(fingerprint.data(), kPrefix.data(), kPrefix.size()) != 0) {
    return false;
  }
  const std::string value(fingerprint.substr(kPrefix.size()));
  const bool changed = !dtls_ || value != remoteFingerprint_ || !roleKnown_ || role != role_;
  remoteFingerprint_ = value;
  role_ = role;
  roleKnown_ = true;
  if (changed) startDtls();
  return true;
}

std::string_view SecureTransport::localSetup() const {
  if (!roleKnown_) return "actpass";
  return role_ == DtlsTransport::Role::Server ? "passive" : "active";
}

void SecureTransport::startDtls() {
  if (!roleKnown_) return;
  if (!dtls_) {
    dtls_ = std::make_unique<DtlsTransport>(
        identity_, timers_,
        [this](const std::uint8_t* data, std::size_t length) { sendDatagram(data, length); });
  }
  // Chromium and Firefox take our first use_srtp choice (DtlsIdentity): GCM.
  if (!reservedSrtp_) reservedSrtp_ = SrtpSession::reserve(SrtpProfile::AeadAes128Gcm);
  dtls_->start(role_, remoteFingerprint_);
  failureTaken_ = false;  // a restarted handshake that fails again counts again
}

bool SecureTransport::setRemoteCrypto(std::string_view cryptoValue) {
  auto crypto = SdesCrypto::parse(cryptoValue);
  if (!crypto) return false;
  if (remoteCrypto_ && remoteCrypto_->keySalt == crypto->keySalt &&
      remoteCrypto_->profile == crypto->profile) {
    return true;
  }
  remoteCrypto_ = *crypto;
  keyFromSdes();
  return true;
}

const SdesCrypto& SecureTransport::localCrypto(SrtpProfile profile, int tag) {
  if (!localCrypto_ || localCrypto_->profile != profile) {
    localCrypto_ = SdesCrypto::generate(tag, profile);
    keyFromSdes();
  }
  localCrypto_->tag = tag;
  return *localCrypto_;
}

void SecureTransport::keyFromSdes() {
  if (!localCrypto_ || !remoteCrypto_ || localCrypto_->profile != remoteCrypto_->profile) return;
  SrtpKeys keys{localCrypto_->profile, localCrypto_->keySalt, remoteCrypto_->keySalt};
  auto session = SrtpSession::create(keys);
  if (!session) {
    spdlog::warn("{}: {}", label_, session.error());
    return;
  }
  srtp_ = std::move(*session);
}

const PeerAddress& SecureTransport::destination() const {
  if (ice_ && ice_->selected().valid()) return ice_->selected();
  if (dtlsPeer_.valid()) return dtlsPeer_;
  static const PeerAddress kNone;
  return stream_ != nullptr ? stream_->latch().peer() : kNone;
}

void SecureTransport::sendDatagram(const std::uint8_t* data, std::size_t length) {
  const PeerAddress& to = destination();
  if (stream_ == nullptr || !to.valid() || to.port() == 0) return;
  sendto(stream_->fd(), data, length, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to.storage),
         to.length);
}

SecureTransport::Inbound SecureTransport::onInbound(std::uint8_t* data, std::size_t& length,
                                                    const PeerAddress& from, bool rtcp) {
  if (length == 0) return Inbound::Drop;
  const std::uint8_t first = data[0];
  if (first <= 3) {
    onStun(data, length, from);
    return Inbound::Consumed;
  }
  if (first >= 20 && first <= 63) {
    onDtls(data, length, from);
    return Inbound::Consumed;
  }
  if (first < 128 || first > 191) {
    ++dropped_;
    return Inbound::Drop;
  }
  // Plain RTP with ICE: the latch decides (a successful check has locked it to the selected
  // path), as for any plain party; peers that never check keep working as before.
  if (keying_ == Keying::None) return Inbound::Media;
  if (srtp_ == nullptr) {
    ++dropped_;
    return Inbound::Drop;
  }
  // SRTP authentication proves the sender, whatever path it used.
  const bool ok = rtcp ? srtp_->unprotectRtcp(data, length) : srtp_->unprotectRtp(data, length);
  if (!ok) {
    ++srtpErrors_;
    return Inbound::Drop;
  }
  return Inbound::Media;
}

bool SecureTransport::protect(std::uint8_t* data, std::size_t& length, std::size_t capacity,
                              bool rtcp) {
  if (ice_ && ice_->dead()) return false;  // RFC 7675: no consent, nothing is sent
  if (keying_ == Keying::None) return true;
  if (srtp_ == nullptr) {
    ++dropped_;
    return false;
  }
  const bool ok =
      rtcp ? srtp_->protectRtcp(data, length, capacity) : srtp_->protectRtp(data, length, capacity);
  if (!ok) ++srtpErrors_;
  return ok;
}

void SecureTransport::onStun(const std::uint8_t* data, std::size_t length,
                             const PeerAddress& from) {
  if (!ice_ || stream_ == nullptr) return;
  std::array<std::uint8_t, StunWriter::kMaxSize> response;
  const PeerAddress before = ice_->selected();
  const std::size_t size = ice_->onStun(data, length, from, response.data());
  if (size != 0) {
    sendto(stream_->fd(), response.data(), size, MSG_DONTWAIT,
           reinterpret_cast<const sockaddr*>(&from.storage), from.length);
  }
  if (ice_->selected().valid() && !(ice_->selected() == before)) {
    stream_->lockToPeer(ice_->selected());
  }
}

void SecureTransport::onDtls(const std::uint8_t* data, std::size_t length,
                             const PeerAddress& from) {
  if (!dtls_) return;
  dtlsPeer_ = from;
  const auto before = dtls_->state();
  dtls_->onDatagram(data, length);
  const auto after = dtls_->state();
  if (after == before) return;
  if (after == DtlsTransport::State::Failed) {
    spdlog::warn("{}: {}; stream aborted", label_, dtls_->failure());
    srtp_.reset();
    return;
  }
  if (after == DtlsTransport::State::Connected) {
    auto session = SrtpSession::create(dtls_->keys(), std::move(reservedSrtp_));
    if (!session) {
      spdlog::warn("{}: {}", label_, session.error());
      return;
    }
    srtp_ = std::move(*session);
    if (!(ice_ && ice_->selected().valid())) stream_->lockToPeer(from);
  }
}

bool SecureTransport::checkConsent() { return ice_ && ice_->checkConsent(); }

bool SecureTransport::takeFailure() {
  if (!failed() || failureTaken_) return false;
  failureTaken_ = true;
  return true;
}

}  // namespace rtcgate::media
