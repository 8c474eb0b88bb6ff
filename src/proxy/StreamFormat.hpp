#pragma once

#include <cstdint>
#include <string>

#include "ng/NgCallStats.hpp"
#include "proxy/Dialog.hpp"

namespace rtcgate::proxy {

// The codec and packetisation of one direction of a call: what the sender sends to the receiver.
struct StreamFormat {
  std::string codec;  // "" when the SDPs say nothing usable
  std::uint32_t clockRate = 0;
  int payloadType = -1;
  int ptimeMs = 0;

  bool known() const { return !codec.empty(); }
  // "opus/48000": the label a codec's metrics are kept under.
  std::string label() const;
};

// The format of what `sender` sends to `receiver`: the codec of the payload type the relay saw
// it send last, when the relay reports one (`seen` may be null: a call with direct media), else
// the one their SDPs negotiated (the first codec of the receiver's list that the sender also
// lists); its packetisation time as the relay measured it, else as the receiver asked (a=ptime),
// else as the sender offered, else 20 ms (RFC 3551's default for the audio codecs in use).
StreamFormat streamFormat(const DialogSide& sender, const DialogSide& receiver,
                          const ng::PartyMediaStats* seen);

}  // namespace rtcgate::proxy
