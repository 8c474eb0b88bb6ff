#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/Result.hpp"
#include "media/relay/CallMedia.hpp"
#include "media/webrtc/DtlsIdentity.hpp"
#include "media/webrtc/IceLiteAgent.hpp"
#include "sdp/SdpRewriter.hpp"
#include "sdp/SessionDescription.hpp"

namespace rtcgate::media {

// Decides, for one m= section of a call, which security the relay terminates on each side and
// carries it between SDP and SecureTransport: what the sender's SDP says (ICE credentials, DTLS
// fingerprint and setup, SDES keys) goes into the sender's transport; what we offer or answer
// (our ICE credentials and candidates, fingerprint, setup, a=crypto) goes into the rewrite plan
// for the recipient. Pairs with the same profile and no DTLS (RTP/AVP <-> RTP/AVP, or SDES end to
// end) are left alone: their packets pass through untouched, as before.
class MediaSecurity {
 public:
  static SecureTransport::Keying keyingFor(std::string_view protocol);
  // True when the relay must decrypt/encrypt between these two profiles.
  static bool bridged(std::string_view senderProtocol, std::string_view recipientProtocol);

  // Creates the transport on `media` (once) and points its streams at it.
  static SecureTransport& ensure(CallMedia& media, Timers& timers,
                                 const std::shared_ptr<const DtlsIdentity>& identity,
                                 const std::string& label);

  // Applies the sender's SDP section `index` to its transport. Errors are ng error reasons.
  static Result<bool> applyRemote(SecureTransport& transport,
                                  const sdp::SessionDescription& description, std::size_t index);
  // Fills the recipient's security lines into `plan` from its transport. An offer always says
  // a=setup:actpass (RFC 8842 §5.2), also in a re-offer after the roles were settled.
  static void planLocal(SecureTransport& transport, sdp::MediaPlan& plan, bool sdesOff,
                        bool isOffer);
};

}  // namespace rtcgate::media
