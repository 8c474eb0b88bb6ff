#pragma once

#include <cstdint>

namespace rtcgate::tools {

// A non-blocking UDP socket on 127.0.0.1 with 8 MiB buffers (a load peer sends and receives bursts
// of a whole batch per session set), on `port`, or on an ephemeral one (written back) when `port`
// is 0. Returns the descriptor, -1 on error.
int boundLoopbackSocket(std::uint16_t& port);

}  // namespace rtcgate::tools
