#pragma once

namespace rtcgate {

#ifndef RTCGATE_VERSION
#define RTCGATE_VERSION "0.0.0-dev"
#endif
inline constexpr const char* kVersion = RTCGATE_VERSION;

}  // namespace rtcgate
