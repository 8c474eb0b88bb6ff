#include "media/webrtc/SecureTransport.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>

#include "media/packet/MediaStream.hpp"
#include "media/webrtc/StunWriter.hpp"

namespace rtcgate::media {

SecureTransport::SecureTransport(Timers& timers, std::shared_ptr<const DtlsIdentity> identity,
                                 std::string label)
    : timers_(timers), identity_(std::move(identity)), label_(std::move(label)) {}

void SecureTransport::setKeying(Keying keying) {
  if (keying == keying_) return;
  keying_ = keying;
  srtp_.reset();
  dtls_.reset();
  failuresTaken_ = 0;
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

void SecureTransport::setRemoteIce(std::string_view ufrag, std::string_view pwd, bool lite) {
  if (!ice_ || ufrag.empty()) return;
  remoteIceLite_ = lite;
  if (ice_->setRemote(ufrag, pwd)) {
    // ICE restart: a new DTLS association on the new path (the old keys stay in use until it
    // completes, so media continues if the peer keeps the old association).
    if (dtls_) startDtls();
  } else if (ice_->selected().valid() && stream_ != nullptr) {
    // The SDP reset the port's latch; the checked path still holds.
    stream_->lockToPeer(ice_->selected(), true);
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
  dtlsPeer_ = {};  // the new association binds to whoever the rules let start it
  dtls_->start(role_, remoteFingerprint_);
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
    if (onDtls(data, length, from)) return Inbound::Consumed;
    ++dropped_;
    return Inbound::Drop;
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
    stream_->lockToPeer(ice_->selected(), true);
  }
}

// Who may speak DTLS to this port. Once ICE has selected a path, only its address: a forged
// ClientHello or record from anyone else would otherwise start a new association over the working
// one. A full ICE agent checks before its handshake, so nothing is taken before a check. Without
// ICE (a lite peer, or none), the association binds to the address of its first record (as DTLS
// client, to where we send).
bool SecureTransport::acceptsDtlsFrom(const PeerAddress& from) const {
  if (ice_ && ice_->selected().valid()) return from == ice_->selected();
  if (ice_ && !remoteIceLite_ && !ice_->remote().ufrag.empty()) return false;
  if (dtlsPeer_.valid()) return from == dtlsPeer_;
  if (role_ == DtlsTransport::Role::Client) return from == destination();
  return true;
}

bool SecureTransport::onDtls(const std::uint8_t* data, std::size_t length,
                             const PeerAddress& from) {
  if (!dtls_ || !acceptsDtlsFrom(from)) return false;
  dtlsPeer_ = from;
  const std::uint64_t completed = dtls_->completed();
  const std::uint64_t failures = dtls_->failures();
  dtls_->onDatagram(data, length);
  onDtlsProgress(from, completed, failures);
  return true;
}

void SecureTransport::onDtlsProgress(const PeerAddress& from, std::uint64_t completedBefore,
                                     std::uint64_t failuresBefore) {
  if (dtls_->failures() != failuresBefore) {
    // A new handshake that fails never costs the keys of one that worked: the peer may keep
    // using them (and a forged one must not stop the call).
    if (srtp_ != nullptr) {
      spdlog::warn("{}: {} in a new handshake; the established keys stay", label_,
                   dtls_->failure());
    } else {
      spdlog::warn("{}: {}; stream aborted", label_, dtls_->failure());
    }
    return;
  }
  if (dtls_->completed() == completedBefore) return;
  // Keys of the new association replace the old ones only now that it is complete.
  auto session = SrtpSession::create(dtls_->keys(), std::move(reservedSrtp_));
  if (!session) {
    spdlog::warn("{}: {}", label_, session.error());
    return;
  }
  srtp_ = std::move(*session);
  if (!(ice_ && ice_->selected().valid())) stream_->lockToPeer(from, false);
}

bool SecureTransport::checkConsent() { return ice_ && ice_->checkConsent(); }

std::uint64_t SecureTransport::takeFailures() {
  if (!dtls_) return 0;
  const std::uint64_t fresh = dtls_->failures() - failuresTaken_;
  failuresTaken_ = dtls_->failures();
  return fresh;
}

}  // namespace rtcgate::media
