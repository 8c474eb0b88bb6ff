#pragma once

#include <string>
#include <vector>

#include "media/relay/Monologue.hpp"
#include "media/relay/PortSource.hpp"
#include "ng/NgRequest.hpp"
#include "sdp/SdpRewriter.hpp"
#include "sdp/SessionDescription.hpp"

namespace rtcgate::media {

// BUNDLE (RFC 8843) for one call party: which of its lines share one transport (`bundled`), the
// ports that follows from (the first line's port carries them all), and the demultiplexing of
// that transport (BundleDemux). A party's lines are bundled when its own SDP groups them, or,
// toward a browser, when the relay inserts ICE and DTLS-SRTP; a group of one is no group.
class BundlePlanner {
 public:
  // The line whose transport carries the party's bundle; null when it has none.
  static CallMedia* owner(Monologue& party);
  // A group of fewer than two lines is dissolved: each line keeps its own transport.
  static void dissolveSmall(Monologue& party);
  // The offerer's lines from its offer's a=group:BUNDLE.
  static void markSender(Monologue& sender, const sdp::SessionDescription& description);
  // The answerer keeps what our offer to it decided, less the lines its answer rejected.
  static void markAnswerer(Monologue& answerer, const sdp::SessionDescription& description);
  // The lines toward the recipient of an offer, from the request's flags.
  static void markRecipient(Monologue& sender, Monologue& recipient,
                            const sdp::SessionDescription& description,
                            const ng::NgRequest& request, sdp::IceAction ice);
  // A bundle's other lines give their ports back; a line that left its bundle gets its own again.
  static Result<bool> settlePorts(Monologue& party, PortSource& ports);
  // Points the lines' streams at the bundle's carrier and fills its demultiplexing tables.
  // `description` is the party's own SDP (null for our offer to it).
  static void configure(Monologue& party, const sdp::SessionDescription* description);
  // The a=group:BUNDLE the recipient's SDP gets: its bundled lines' mids (`recipientMids`), none
  // when only the sender's lines were bundled, and a group of one for a single WebRTC section.
  static void planGroup(Monologue& recipient, const sdp::SessionDescription& description,
                        bool senderBundled, std::vector<std::string> recipientMids,
                        sdp::RewritePlan& plan);

 private:
  static bool demuxCurrent(Monologue& party, const BundleDemux& demux);
};

}  // namespace rtcgate::media
