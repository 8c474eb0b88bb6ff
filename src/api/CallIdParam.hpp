#pragma once

#include <charconv>
#include <cstdint>

#include "http/HttpServer.hpp"

namespace rtcgate::api {

// The {id} of a /api/v1/calls/{id}/... route as a call id; 0 (no call has it) when it is not a
// whole decimal number.
inline std::uint64_t callIdParam(const http::HttpRequest& request) {
  const auto& text = request.params.at("id");
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  return ec == std::errc() && end == text.data() + text.size() ? id : 0;
}

}  // namespace rtcgate::api
