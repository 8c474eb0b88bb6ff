#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/Result.hpp"
#include "base/Timers.hpp"
#include "media/relay/Monologue.hpp"
#include "media/relay/PortSource.hpp"
#include "media/webrtc/DtlsIdentity.hpp"
#include "ng/NgRequest.hpp"
#include "sdp/SdpRewriter.hpp"
#include "sdp/SessionDescription.hpp"

namespace rtcgate::media {

// Offer/answer for one pair of call parties (rtpengine's monologue_offer_answer): applies the
// sender's SDP to its lines (peer addresses, payload types, rtcp-mux, ICE/DTLS/SDES, BUNDLE),
// takes ports for the recipient's lines from a PortSource, wires the lines to each other and
// returns the SDP rewritten for the recipient. It owns no socket and reads time only through
// Timers (the DTLS/ICE transports it creates schedule on them), so its decisions are tested
// with a fake PortSource. Runs on the worker's loop thread, called by RelayEngine.
class CallNegotiator {
 public:
  struct Settings {
    // The relay's media interfaces, the default first: a party's ports bind on its interface's
    // address and the SDP sent to it carries that interface's advertised address (c=/o= lines
    // and candidates). Must not be empty.
    std::vector<LocalInterface> interfaces;
    Duration learningDelay{1000};                      // RelayOptions::learningDelay
    std::shared_ptr<const DtlsIdentity> dtlsIdentity;  // null: DTLS-SRTP streams are refused
  };

  CallNegotiator(PortSource& ports, Timers& timers, Settings settings);

  // Applies `sender`'s SDP (request.sdp) and returns it rewritten for `recipient`, or an ng error
  // reason. An offer creates the lines both parties lack; an answer must not add lines.
  Result<std::string> negotiate(Monologue& sender, Monologue& recipient,
                                const ng::NgRequest& request, bool isOffer);
  // The first interface name the request gives that is not configured, for an error reply that
  // names it (negotiate's static reason cannot); none when every name is known.
  std::optional<std::string> unknownInterface(const ng::NgRequest& request) const;

 private:
  // Each party's interface from the request's `direction` (sender first, then recipient), its
  // `interface`, or the default; a party keeps the interface it first got. The error names an
  // interface that is not configured.
  Result<bool> chooseInterfaces(Monologue& sender, Monologue& recipient,
                                const ng::NgRequest& request) const;
  // The interface called `name` ("" = the default); null when there is none.
  const LocalInterface* findInterface(const std::string& name) const;
  Result<bool> ensureMedia(Monologue& party, std::size_t count, bool singlePort);
  sdp::RewritePlan basePlan(Monologue& recipient, const sdp::SessionDescription& description,
                            const ng::NgRequest& request, bool isOffer);
  // One m= section: its rtcp-mux, peer, ports, mid and security; the plan's line for it.
  Result<bool> negotiateSection(Monologue& sender, Monologue& recipient,
                                const sdp::SessionDescription& description, std::size_t index,
                                const ng::NgRequest& request, bool isOffer, sdp::RewritePlan& plan,
                                std::vector<std::string>& recipientMids);
  static void decideMux(CallMedia& in, CallMedia& out, const ng::RtcpMuxFlags& mux, bool isOffer,
                        sdp::MediaPlan& media);
  void applyPeer(CallMedia& media, const sdp::SessionDescription& description, std::size_t index,
                 const ng::NgRequest& request);
  static void restartLearning(CallMedia& media);
  // ICE/DTLS/SDES for one section: the sender's transport from its SDP, ours into `media`.
  Result<bool> secure(Monologue& sender, Monologue& recipient, CallMedia& in, CallMedia& out,
                      const sdp::SessionDescription& description, std::size_t index,
                      const ng::NgRequest& request, sdp::RewritePlan& plan, sdp::MediaPlan& media);
  static void wire(CallMedia& a, CallMedia& b);
  static void ensureIceCredentials(Monologue& party);

  PortSource& ports_;
  Timers& timers_;
  Settings settings_;
};

}  // namespace rtcgate::media
