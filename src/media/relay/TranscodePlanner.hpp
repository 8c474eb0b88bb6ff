#pragma once

#include <string>
#include <vector>

#include "base/Result.hpp"
#include "media/relay/CallMedia.hpp"
#include "sdp/SdpRewriter.hpp"
#include "sdp/SessionDescription.hpp"

namespace rtcgate::media {

// Transcoding for one m= line when the legs share no codec (ng `codec: {transcode: [...]}`).
// On the offer it appends to the SDP toward the recipient the codecs the relay can produce that
// the offerer lacks, and notes on the offerer its best codec the relay can decode. On the answer,
// when the answerer picked one of those added codecs, it gives the offerer its own codec back in
// the answer and puts one Transcoder on each party's RTP stream; otherwise (a shared codec) it
// takes any away, so pass-through stays the untouched fast path.
class TranscodePlanner {
 public:
  // The offer's section `section` from `offerer`, with the request's transcode list (encoding
  // names, any case): what to add toward `recipient` (also remembered there).
  static std::vector<sdp::AddedFormat> planOffer(const sdp::MediaSection& section,
                                                 const std::vector<std::string>& transcode,
                                                 CallMedia& offerer, CallMedia& recipient);
  // The answer's section from `answerer` to `offerer`: true when the call is transcoded (then
  // `plan` lists the offerer's formats); an error when a codec cannot be set up.
  static Result<bool> planAnswer(const sdp::MediaSection& section, CallMedia& answerer,
                                 CallMedia& offerer, sdp::MediaPlan& plan);
  // Removes the line's transcoders (a new offer/answer that shares a codec, a party going).
  static void stop(CallMedia& media);
};

}  // namespace rtcgate::media
