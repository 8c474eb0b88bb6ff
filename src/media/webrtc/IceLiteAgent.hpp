#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/Timers.hpp"
#include "media/packet/PeerAddress.hpp"

namespace rtcgate::media {

struct StunMessage;

struct IceCredentials {
  std::string ufrag;
  std::string pwd;
};

// The ICE-lite side (RFC 8445 §2.5) of one WebRTC transport: answers the browser's connectivity
// checks and picks the address media goes to. Lite agents never send checks and are always
// controlled, so this is a responder: a Binding request is answered only when its USERNAME is
// "our-ufrag:their-ufrag" and its MESSAGE-INTEGRITY verifies with our password; only such an
// authenticated check may move the selected address (a spoofed packet cannot steer media).
// Consent (RFC 7675): a full agent keeps checking every few seconds; when no authenticated check
// arrives for `consentTimeout`, the transport is marked dead. No I/O and no clock of its own: the
// owner passes datagrams in, sends what comes out, and reads time through Timers.
class IceLiteAgent {
 public:
  static constexpr Duration kConsentTimeout{30000};

  IceLiteAgent(const Timers& timers, IceCredentials local);

  // The credentials from the peer's SDP. New ones (an ICE restart) forget the selected address
  // until a check with them arrives; returns true when this was a restart.
  bool setRemote(std::string_view ufrag, std::string_view pwd);
  // Our new credentials for a restart we offer.
  void setLocal(IceCredentials local);

  // Handles one STUN datagram from `from`. Writes the answer (StunWriter::kMaxSize bytes) into
  // `response` and returns its length, 0 when nothing is to be sent back.
  std::size_t onStun(const std::uint8_t* data, std::size_t length, const PeerAddress& from,
                     std::uint8_t* response);

  // Checks consent; returns true exactly once, when the transport just went dead.
  bool checkConsent();

  const IceCredentials& local() const { return local_; }
  const IceCredentials& remote() const { return remote_; }
  const PeerAddress& selected() const { return selected_; }
  bool nominated() const { return nominated_; }
  bool dead() const { return dead_; }
  std::uint64_t authenticatedChecks() const { return authenticated_; }
  std::uint64_t rejectedChecks() const { return rejected_; }

  // ICE ufrag (4+ chars) and pwd (22+ chars) from the ice-char set, RFC 8839 §5.4.
  static IceCredentials generateCredentials();

 private:
  bool usernameMatches(std::string_view username) const;
  std::size_t answerError(const StunMessage& request, int code, std::string_view reason,
                          std::uint8_t* response);
  void onAuthenticated(const StunMessage& request, const PeerAddress& from);

  const Timers& timers_;
  IceCredentials local_;
  IceCredentials remote_;
  PeerAddress selected_;
  bool nominated_ = false;
  bool dead_ = false;
  Clock::time_point lastConsent_{};
  std::uint64_t authenticated_ = 0;
  std::uint64_t rejected_ = 0;
};

}  // namespace rtcgate::media
