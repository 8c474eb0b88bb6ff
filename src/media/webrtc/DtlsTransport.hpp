#pragma once

#include <openssl/ssl.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/Timers.hpp"
#include "media/webrtc/DtlsIdentity.hpp"
#include "media/webrtc/SrtpKeys.hpp"

namespace rtcgate::media {

// One DTLS-SRTP association (RFC 5763/5764) over OpenSSL memory BIOs: datagrams in through
// onDatagram(), datagrams out through the Send callback, handshake retransmission on Timers. When
// the handshake completes, the peer certificate is checked against the fingerprint from its SDP
// (a mismatch fails the transport) and the SRTP keys are exported (EXTRACTOR-dtls_srtp). Owns no
// socket and reads no clock of its own; lives on the worker thread of its stream.
class DtlsTransport {
 public:
  enum class Role { Client, Server };  // a=setup:active = Client, passive = Server
  enum class State { New, Connecting, Connected, Failed };
  // How long the OpenSSL session outlives a completed handshake (see onHandshakeDone).
  static constexpr Duration kLinger{8000};
  using Send = std::function<void(const std::uint8_t* data, std::size_t length)>;

  DtlsTransport(std::shared_ptr<const DtlsIdentity> identity, Timers& timers, Send send);
  ~DtlsTransport();
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  // Starts (or restarts, after an ICE restart or a new fingerprint) the handshake. `fingerprint`
  // is the peer's sha-256 a=fingerprint value ("AB:CD:..."); a Client sends its hello at once.
  void start(Role role, std::string fingerprint);
  // A datagram whose first byte is 20-63 (RFC 7983).
  void onDatagram(const std::uint8_t* data, std::size_t length);

  State state() const { return state_; }
  Role role() const { return role_; }
  // The latest failure's reason, also of a new handshake that failed over a working one.
  const char* failure() const { return failure_; }
  // Handshakes completed and failed so far: keys() changes when completed() does.
  std::uint64_t completed() const { return completed_; }
  std::uint64_t failures() const { return failures_; }
  // A new handshake (the peer's ClientHello after ours completed) is running over a working one.
  bool rehandshaking() const { return rehandshake_; }
  // Whether the OpenSSL session is still held (it is released kLinger after the handshake).
  bool holdsSession() const { return ssl_ != nullptr; }
  // Valid once Connected.
  const SrtpKeys& keys() const { return keys_; }

  // BIO write callback: hands one outgoing datagram to Send.
  static int writeToPeer(BIO* bio, const char* data, int length);

  static bool isDtls(const std::uint8_t* data, std::size_t length) {
    return length >= 13 && data[0] >= 20 && data[0] <= 63;
  }

 private:
  void reset();
  bool createSession();
  void releaseSession();
  void advance();
  void onHandshakeDone();
  bool exportKeys();
  void fail(const char* reason);
  void armTimer();
  void onTimer();

  std::shared_ptr<const DtlsIdentity> identity_;
  Timers& timers_;
  Send send_;
  SSL* ssl_ = nullptr;
  BIO* input_ = nullptr;   // owned by ssl_
  BIO* output_ = nullptr;  // owned by ssl_
  Role role_ = Role::Server;
  State state_ = State::New;
  // Connected, and a new handshake runs in a session of its own: keys_ and state_ stay those of
  // the working association until it completes, and it failing or timing out only ends it.
  bool rehandshake_ = false;
  std::uint64_t completed_ = 0;
  std::uint64_t failures_ = 0;
  std::string fingerprint_;
  const char* failure_ = nullptr;
  SrtpKeys keys_;
  Timers::Id timer_ = 0;
};

}  // namespace rtcgate::media
