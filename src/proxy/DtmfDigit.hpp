#pragma once

#include <cstdint>
#include <string_view>

namespace rtcgate::proxy {

// One digit a call carried, however it came: as RFC 4733 events through the relay, in a party's
// SIP INFO, or sent into the call through the API. What call.dtmf events and logs report.
struct DtmfDigit {
  enum class Source { Rfc4733, Info, Api };
  // How it reached the other side: as it came (passed), or turned into the other form by us.
  enum class Delivery { Passed, AsRfc4733, AsInfo, NotDelivered };

  char digit = '0';  // '0'-'9', '*', '#', 'A'-'D'
  std::uint32_t durationMs = 0;
  int volume = -1;         // RFC 4733 volume (dBm0 below zero), -1 where the source has none
  bool fromCaller = true;  // Api: toward the callee
  Source source = Source::Rfc4733;
  Delivery delivery = Delivery::Passed;

  static constexpr std::string_view sourceName(Source source) {
    switch (source) {
      case Source::Rfc4733:
        return "rfc4733";
      case Source::Info:
        return "info";
      case Source::Api:
        return "api";
    }
    return "rfc4733";
  }
  static constexpr std::string_view deliveryName(Delivery delivery) {
    switch (delivery) {
      case Delivery::Passed:
        return "passed";
      case Delivery::AsRfc4733:
        return "rfc4733";
      case Delivery::AsInfo:
        return "info";
      case Delivery::NotDelivered:
        return "none";
    }
    return "passed";
  }
};

}  // namespace rtcgate::proxy
