#pragma once

#include "media/codec/G711Codec.hpp"

namespace rtcgate::media {

// G.711 mu-law, static payload type 0.
class PcmuCodec final : public G711Codec {
 public:
  PcmuCodec() : G711Codec(Law::mu) {}
  std::string_view name() const override { return "PCMU"; }
};

}  // namespace rtcgate::media
