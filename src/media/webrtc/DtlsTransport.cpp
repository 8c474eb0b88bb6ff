#include "media/webrtc/DtlsTransport.hpp"

#include <openssl/err.h>
#include <openssl/srtp.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "media/relay/HeapTrimmer.hpp"

namespace rtcgate::media {
namespace {

// Below the path MTU of any sane network, so handshake flights are never IP-fragmented.
constexpr long kMtu = 1200;
constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";

SrtpProfile profileFrom(const SRTP_PROTECTION_PROFILE* profile) {
  if (profile == nullptr) return SrtpProfile::None;
  switch (profile->id) {
    case SRTP_AES128_CM_SHA1_80:
      return SrtpProfile::AesCm128HmacSha1_80;
    case SRTP_AES128_CM_SHA1_32:
      return SrtpProfile::AesCm128HmacSha1_32;
    case SRTP_AEAD_AES_128_GCM:
      return SrtpProfile::AeadAes128Gcm;
    default:
      return SrtpProfile::None;
  }
}

long outputControl(BIO* /*bio*/, int command, long /*number*/, void* /*pointer*/) {
  switch (command) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:
      return kMtu;
    default:
      return 0;
  }
}

int outputCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* outputMethod() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtcgate-dtls-out");
    BIO_meth_set_write(m, &DtlsTransport::writeToPeer);
    BIO_meth_set_ctrl(m, outputControl);
    BIO_meth_set_create(m, outputCreate);
    return m;
  }();
  return method;
}

// Retransmission schedule: 400 ms first (a lost flight on a media path costs call setup time;
// RFC 6347's 1 s is for general use), doubling up to 6.4 s.
unsigned int nextTimeout(SSL* /*ssl*/, unsigned int previousMicros) {
  constexpr unsigned int kInitial = 400000;
  constexpr unsigned int kMax = 6400000;
  return previousMicros == 0 ? kInitial : std::min(previousMicros * 2, kMax);
}

}  // namespace

DtlsTransport::DtlsTransport(std::shared_ptr<const DtlsIdentity> identity, Timers& timers,
                             Send send)
    : identity_(std::move(identity)), timers_(timers), send_(std::move(send)) {}

DtlsTransport::~DtlsTransport() { reset(); }

void DtlsTransport::reset() {
  if (timer_ != 0) timers_.cancel(timer_);
  timer_ = 0;
  releaseSession();  // frees both BIOs
  keys_ = {};
  failure_ = nullptr;
  state_ = State::New;
  rehandshake_ = false;
}

void DtlsTransport::start(Role role, std::string fingerprint) {
  reset();
  role_ = role;
  fingerprint_ = std::move(fingerprint);
  state_ = State::Connecting;
  // A server's OpenSSL session waits for the peer's first record: it is tens of KiB, a peer that
  // never connects costs none of it, and sessions made in a burst of handshakes are not
  // interleaved with the calls' long-lived memory (which would keep it resident once freed).
  if (role == Role::Client && createSession()) advance();
}

bool DtlsTransport::createSession() {
  ssl_ = SSL_new(identity_->context());
  input_ = BIO_new(BIO_s_mem());
  output_ = BIO_new(outputMethod());
  if (ssl_ == nullptr || input_ == nullptr || output_ == nullptr) {
    SSL_free(ssl_);
    BIO_free(input_);
    BIO_free(output_);
    ssl_ = nullptr;
    input_ = output_ = nullptr;
    fail("cannot create DTLS session");
    return false;
  }
  // Memory BIOs report EOF as "retry" so SSL_do_handshake waits for more input instead of failing.
  BIO_set_mem_eof_return(input_, -1);
  BIO_set_data(output_, this);
  SSL_set_bio(ssl_, input_, output_);
  SSL_set_mtu(ssl_, kMtu);
  DTLS_set_link_mtu(ssl_, kMtu);
  DTLS_set_timer_cb(ssl_, nextTimeout);
  if (role_ == Role::Client) {
    SSL_set_connect_state(ssl_);
  } else {
    SSL_set_accept_state(ssl_);
  }
  return true;
}

void DtlsTransport::onDatagram(const std::uint8_t* data, std::size_t length) {
  if (state_ != State::Connecting && state_ != State::Connected) return;
  if (ssl_ == nullptr) {
    // Connected: the session was released after the handshake; only a new ClientHello (the peer
    // starts a new association, e.g. after an ICE restart) means anything now. It runs beside
    // the working association, which it replaces only when it completes.
    const bool clientHello = length > 25 && data[0] == 22 && data[13] == 1;
    if (role_ != Role::Server || (state_ == State::Connected && !clientHello)) return;
    if (state_ == State::Connected) rehandshake_ = true;
    if (!createSession()) return;
  }
  BIO_write(input_, data, static_cast<int>(length));
  if (state_ == State::Connecting || rehandshake_) {
    advance();
    return;
  }
  // After the handshake DTLS carries only alerts (or a retransmitted final flight, which
  // SSL_read answers); application data is not used by DTLS-SRTP.
  std::array<std::uint8_t, 256> sink;
  const int read = SSL_read(ssl_, sink.data(), static_cast<int>(sink.size()));
  if (read <= 0 && SSL_get_error(ssl_, read) == SSL_ERROR_ZERO_RETURN) fail("DTLS closed by peer");
}

void DtlsTransport::advance() {
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    onHandshakeDone();
    return;
  }
  const int error = SSL_get_error(ssl_, result);
  if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
    ERR_clear_error();
    fail("DTLS handshake failed");
    return;
  }
  armTimer();
}

int DtlsTransport::writeToPeer(BIO* bio, const char* data, int length) {
  // One BIO write is one datagram: OpenSSL sizes each to the MTU and never splits a record.
  auto* self = static_cast<DtlsTransport*>(BIO_get_data(bio));
  if (self != nullptr && length > 0) {
    self->send_(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(length));
  }
  return length;
}

void DtlsTransport::onHandshakeDone() {
  if (timer_ != 0) timers_.cancel(timer_);
  timer_ = 0;
  X509* peer = SSL_get1_peer_certificate(ssl_);
  if (peer == nullptr) {
    fail("DTLS peer sent no certificate");
    return;
  }
  const std::string actual = DtlsIdentity::fingerprintOf(peer);
  X509_free(peer);
  if (strcasecmp(actual.c_str(), fingerprint_.c_str()) != 0) {
    fail("DTLS fingerprint mismatch");
    return;
  }
  if (!exportKeys()) {
    fail("DTLS-SRTP key export failed");
    return;
  }
  state_ = State::Connected;
  rehandshake_ = false;
  ++completed_;
  // Keep the session a while to answer a retransmitted final flight (our last one was lost),
  // then free it: an idle SSL with its record buffers is most of a WebRTC leg's memory.
  timer_ = timers_.start(kLinger, [this] {
    timer_ = 0;
    releaseSession();
  });
}

void DtlsTransport::releaseSession() {
  if (ssl_ != nullptr) HeapTrimmer::noteRelease();
  SSL_free(ssl_);
  ssl_ = nullptr;
  input_ = output_ = nullptr;
}

bool DtlsTransport::exportKeys() {
  const SrtpProfile profile = profileFrom(SSL_get_selected_srtp_profile(ssl_));
  if (profile == SrtpProfile::None) return false;
  const std::size_t keyLength = SrtpKeys::keyLength(profile);
  const std::size_t saltLength = SrtpKeys::saltLength(profile);
  // RFC 5764 §4.2: client key, server key, client salt, server salt.
  std::array<std::uint8_t, 2 * SrtpKeys::kMaxKeySalt> material{};
  const std::size_t total = 2 * (keyLength + saltLength);
  if (SSL_export_keying_material(ssl_, material.data(), total, kExporterLabel,
                                 sizeof kExporterLabel - 1, nullptr, 0, 0) != 1) {
    return false;
  }
  const std::uint8_t* clientKey = material.data();
  const std::uint8_t* serverKey = clientKey + keyLength;
  const std::uint8_t* clientSalt = serverKey + keyLength;
  const std::uint8_t* serverSalt = clientSalt + saltLength;
  const bool client = role_ == Role::Client;
  keys_.profile = profile;
  std::memcpy(keys_.local.data(), client ? clientKey : serverKey, keyLength);
  std::memcpy(keys_.local.data() + keyLength, client ? clientSalt : serverSalt, saltLength);
  std::memcpy(keys_.remote.data(), client ? serverKey : clientKey, keyLength);
  std::memcpy(keys_.remote.data() + keyLength, client ? serverSalt : clientSalt, saltLength);
  return true;
}

void DtlsTransport::fail(const char* reason) {
  if (timer_ != 0) timers_.cancel(timer_);
  timer_ = 0;
  failure_ = reason;
  ++failures_;
  if (rehandshake_) {
    // Only the new handshake ends; the working association and its keys stay.
    rehandshake_ = false;
    releaseSession();
    return;
  }
  state_ = State::Failed;
}

void DtlsTransport::armTimer() {
  timeval timeout{};
  if (DTLSv1_get_timeout(ssl_, &timeout) != 1) return;
  if (timer_ != 0) timers_.cancel(timer_);
  const auto after = Duration{timeout.tv_sec * 1000 + timeout.tv_usec / 1000 + 1};
  timer_ = timers_.start(after, [this] { onTimer(); });
}

void DtlsTransport::onTimer() {
  timer_ = 0;
  if (state_ != State::Connecting && !rehandshake_) return;
  // OpenSSL checks the deadline against the real clock and gives up after its retry limit; if
  // our timer ran early by its clock, armTimer waits for the remainder.
  if (DTLSv1_handle_timeout(ssl_) < 0) {
    fail("DTLS handshake timed out");
    return;
  }
  armTimer();
}

}  // namespace rtcgate::media
