#pragma once

#include "media/codec/G711Codec.hpp"

namespace rtcgate::media {

// G.711 A-law, static payload type 8.
class PcmaCodec final : public G711Codec {
 public:
  PcmaCodec() : G711Codec(Law::a) {}
  std::string_view name() const override { return "PCMA"; }
};

}  // namespace rtcgate::media
