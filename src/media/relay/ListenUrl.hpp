#pragma once

#include <string_view>

#include "base/Result.hpp"
#include "base/SocketAddress.hpp"

namespace rtcgate::media {

// "udp://127.0.0.1:22222", "udp://[::1]:22222" or "127.0.0.1:22222" -> address; only UDP (the ng
// transport Kamailio and OpenSIPS use) is accepted.
Result<SocketAddress> parseListenUrl(std::string_view url);

}  // namespace rtcgate::media
