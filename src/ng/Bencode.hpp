#pragma once

#include <string>
#include <string_view>

#include "base/Result.hpp"
#include "ng/Value.hpp"

namespace rtcgate::ng {

// Bencode as rtpengine speaks it: strings `<len>:<bytes>`, integers `i<n>e`, lists `l..e`,
// dictionaries `d..e` with string keys in any order. The decoder is strict: the whole input must
// be exactly one value, no leading zeros, nesting at most kMaxDepth deep (the input is untrusted).
class Bencode {
 public:
  static constexpr int kMaxDepth = 32;

  static Result<Value> decode(std::string_view input);
  static void encode(const Value& value, std::string& out);
  static std::string encode(const Value& value);
};

}  // namespace rtcgate::ng
