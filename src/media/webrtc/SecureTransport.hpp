#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/Timers.hpp"
#include "media/packet/PeerAddress.hpp"
#include "media/webrtc/DtlsTransport.hpp"
#include "media/webrtc/IceLiteAgent.hpp"
#include "media/webrtc/SdesCrypto.hpp"
#include "media/webrtc/SrtpSession.hpp"

namespace rtcgate::media {

class MediaStream;

// The WebRTC side of one party's media port: what turns the relay's plain RTP forwarding into a
// WebRTC gateway. On the one port the party sends to it demultiplexes by first byte (RFC 7983):
// STUN goes to the ICE-lite agent, DTLS to the DTLS-SRTP handshake, and SRTP/SRTCP is decrypted
// before forwarding; what the relay sends to the party is encrypted here. Keys come from DTLS
// (UDP/TLS/RTP/SAVPF) or from SDES a=crypto (RTP/SAVP). Created and configured on the control path
// from the party's SDP; the packet path (onInbound/protect) neither allocates, locks nor logs,
// except the rare handshake and STUN datagrams, which are control traffic.
class SecureTransport {
 public:
  enum class Keying { None, Dtls, Sdes };
  enum class Inbound { Media, Consumed, Drop };

  SecureTransport(Timers& timers, std::shared_ptr<const DtlsIdentity> identity, std::string label);
  SecureTransport(const SecureTransport&) = delete;
  SecureTransport& operator=(const SecureTransport&) = delete;

  // The RTP port's socket: STUN answers and DTLS leave from it.
  void attach(MediaStream& rtpStream) { stream_ = &rtpStream; }

  // --- control path: what we told the party and what its SDP said ---
  void setKeying(Keying keying);
  Keying keying() const { return keying_; }
  // We gave this party ICE credentials (ICE=force toward it): answer its checks.
  void enableIce(const IceCredentials& local);
  bool iceEnabled() const { return ice_.has_value(); }
  // `lite`: the party is an ICE-lite agent too (a=ice-lite), which never sends checks.
  void setRemoteIce(std::string_view ufrag, std::string_view pwd, bool lite = false);
  // The party's a=fingerprint (sha-256 value) and a=setup. `setup` is "actpass" when the party
  // offered (we then take the passive side, RFC 5763 §5), "active" or "passive" in its answer.
  // Starts or restarts the handshake when something changed. Returns false for a fingerprint
  // that is not sha-256 or a setup we cannot match.
  bool setRemoteDtls(std::string_view fingerprint, std::string_view setup);
  // What we write in a=setup to this party: "actpass" while we offer, the role taken after.
  std::string_view localSetup() const;
  const std::string& localFingerprint() const { return identity_->fingerprint(); }
  // SDES: the party's chosen/offered key, and ours (generated with the same suite).
  bool setRemoteCrypto(std::string_view cryptoValue);
  const SdesCrypto& localCrypto(SrtpProfile profile, int tag);
  const SdesCrypto* remoteCrypto() const { return remoteCrypto_ ? &*remoteCrypto_ : nullptr; }

  // --- packet path ---
  // Handles one datagram from `from` that arrived on this party's port. STUN and DTLS are
  // consumed here (answered from `stream`); SRTP/SRTCP is decrypted in place (`length` shrinks)
  // and returned as Media; anything unauthenticated is dropped.
  Inbound onInbound(std::uint8_t* data, std::size_t& length, const PeerAddress& from, bool rtcp);
  // Encrypts one RTP/RTCP packet for the party in place. False: no keys yet (or the transport
  // failed): the packet is dropped.
  bool protect(std::uint8_t* data, std::size_t& length, std::size_t capacity, bool rtcp);

  // Once a second from the engine: consent freshness. True once, when the stream just died.
  bool checkConsent();

  bool secure() const { return srtp_ != nullptr; }
  bool failed() const { return dtls_ && dtls_->state() == DtlsTransport::State::Failed; }
  // DTLS handshakes that failed since the last call, for the relay's failure counter.
  std::uint64_t takeFailures();
  const IceLiteAgent* ice() const { return ice_ ? &*ice_ : nullptr; }
  const DtlsTransport* dtls() const { return dtls_.get(); }
  std::uint64_t srtpErrors() const { return srtpErrors_; }
  std::uint64_t dropped() const { return dropped_; }

 private:
  void onStun(const std::uint8_t* data, std::size_t length, const PeerAddress& from);
  // False: the record came from another address than the validated peer and was ignored.
  bool onDtls(const std::uint8_t* data, std::size_t length, const PeerAddress& from);
  bool acceptsDtlsFrom(const PeerAddress& from) const;
  void onDtlsProgress(const PeerAddress& from, std::uint64_t completedBefore,
                      std::uint64_t failuresBefore);
  void sendDatagram(const std::uint8_t* data, std::size_t length);
  void startDtls();
  void keyFromSdes();
  const PeerAddress& destination() const;

  Timers& timers_;
  std::shared_ptr<const DtlsIdentity> identity_;
  std::string label_;
  MediaStream* stream_ = nullptr;
  Keying keying_ = Keying::None;
  std::optional<IceLiteAgent> ice_;
  std::unique_ptr<DtlsTransport> dtls_;
  std::string remoteFingerprint_;
  DtlsTransport::Role role_ = DtlsTransport::Role::Server;
  bool roleKnown_ = false;
  std::optional<SdesCrypto> localCrypto_;
  std::optional<SdesCrypto> remoteCrypto_;
  std::unique_ptr<SrtpSession> srtp_;
  std::unique_ptr<SrtpSession> reservedSrtp_;  // for the DTLS handshake in progress
  PeerAddress dtlsPeer_;  // where the handshake came from, before ICE has selected a path
  std::uint64_t srtpErrors_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t failuresTaken_ = 0;
  bool remoteIceLite_ = false;
};

}  // namespace rtcgate::media
