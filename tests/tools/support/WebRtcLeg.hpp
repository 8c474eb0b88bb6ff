#pragma once

#include <netinet/in.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/Timers.hpp"
#include "media/webrtc/DtlsIdentity.hpp"
#include "media/webrtc/DtlsTransport.hpp"
#include "media/webrtc/IceLiteAgent.hpp"
#include "media/webrtc/SrtpSession.hpp"
#include "support/RemoteMedia.hpp"

namespace rtcgate::tools {

// The media end of one browser leg, as Chromium behaves towards a relay: a full ICE agent, in the
// controlling role unless it answers a full agent's offer (connectivity check, with USE-CANDIDATE
// when controlling, on the relay's host candidate, answers to the relay's own checks, consent
// checks), then DTLS-SRTP in the role the relay's a=setup
// leaves (client when it answered passive), then an SrtpSession. Knows nothing of ng or SIP: the
// owner gets the relay's SDP however it likes (an ng answer now, a SIP 200 for a UAS later) and
// feeds datagrams in; the owner's socket is shared by many legs, so sending goes through Send.
//
// Threads: start() and onDatagram() belong to the thread running `timers` (session set-up). Once
// connected, answerStun() and consentRequest() only read fixed state, and srtp()'s protect and
// unprotect use separate libsrtp contexts, so a sender and a receiver thread may share the leg.
class WebRtcLeg {
 public:
  enum class State { New, Checking, Handshaking, Connected, Failed };
  using Send =
      std::function<void(const sockaddr_in& to, const std::uint8_t* data, std::size_t length)>;

  WebRtcLeg(std::shared_ptr<const media::DtlsIdentity> identity, Timers& timers, Send send);
  ~WebRtcLeg();
  WebRtcLeg(const WebRtcLeg&) = delete;
  WebRtcLeg& operator=(const WebRtcLeg&) = delete;

  // The browser's SDP for one audio stream (PCMU, rtcp-mux, BUNDLE of one) on 127.0.0.1:port;
  // `setup` is actpass in an offer, active in an answer.
  std::string localSdp(std::uint16_t port, const std::string& setup = "actpass") const;

  // The relay's description, as a browser's setRemoteDescription: from now on the leg answers
  // the relay's checks and, when the relay is the DTLS client, listens for its ClientHello (a
  // full ICE agent such as rtpengine completes ICE with its own checks and starts DTLS at once).
  // `answerer`: the relay's description is the offer. A browser answering a full ICE agent's
  // offer takes the controlled role (RFC 8445 §6.1.1: ICE-CONTROLLED, no USE-CANDIDATE; the
  // offerer nominates); towards a lite agent, or as the offerer, it is controlling.
  void setRemote(const RemoteMedia& remote, bool answerer = false);
  // Starts our connectivity checks (and then DTLS, when we are the client).
  void start();
  // A datagram from the relay's address during set-up (STUN or DTLS).
  void onDatagram(const std::uint8_t* data, std::size_t length, const sockaddr_in& from);

  // Answers a Binding request from the relay (a full ICE agent such as rtpengine checks too):
  // writes the response into `response` (media::StunWriter::kMaxSize bytes) and returns its
  // length, 0 for anything else.
  std::size_t answerStun(const std::uint8_t* data, std::size_t length, const sockaddr_in& from,
                         std::uint8_t* response) const;
  // A consent-freshness Binding request (RFC 7675) into `request`; returns its length.
  std::size_t consentRequest(std::uint8_t* request, std::uint32_t sequence) const;

  State state() const { return state_; }
  const char* failure() const { return failure_; }
  const sockaddr_in& relayAddress() const { return relay_; }
  media::SrtpSession* srtp() { return srtp_.get(); }
  media::SrtpProfile profile() const { return srtp_ ? srtp_->profile() : media::SrtpProfile::None; }
  bool dtlsClient() const { return role_ == media::DtlsTransport::Role::Client; }
  bool controlling() const { return controlling_; }

 private:
  std::size_t bindingRequest(std::uint8_t* out, const std::array<std::uint8_t, 12>& transaction,
                             bool nominate) const;
  void sendCheck();
  void onCheckAnswered();
  void afterDtls();
  void fail(const char* reason);

  std::shared_ptr<const media::DtlsIdentity> identity_;
  Timers& timers_;
  Send send_;
  media::IceCredentials local_;
  RemoteMedia remote_;
  sockaddr_in relay_{};
  std::uint64_t tieBreaker_ = 0;
  bool controlling_ = true;
  std::array<std::uint8_t, 12> checkTransaction_{};
  int checksSent_ = 0;
  Timers::Id checkTimer_ = 0;
  media::DtlsTransport dtls_;
  media::DtlsTransport::Role role_ = media::DtlsTransport::Role::Client;
  std::unique_ptr<media::SrtpSession> srtp_;
  State state_ = State::New;
  const char* failure_ = nullptr;
};

}  // namespace rtcgate::tools
