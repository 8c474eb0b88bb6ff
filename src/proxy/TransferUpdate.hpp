#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rtcgate::proxy {

// A step of a transfer of a call (CallTransfers), blind or attended: what call.transfer events
// report.
struct TransferUpdate {
  enum class State { Requested, Accepted, Progress, Completed, Failed };
  State state = State::Requested;
  std::string target;          // the Refer-To URI
  bool transfereeIsCaller;     // who was asked to call the target
  std::uint64_t replaces = 0;  // attended: the call whose party the transferee takes over
  int status = 0;              // the REFER's response, or the NOTIFY's sipfrag status
  std::string reason;          // Failed: what went wrong, in words

  static constexpr std::string_view stateName(State state) {
    switch (state) {
      case State::Requested:
        return "requested";
      case State::Accepted:
        return "accepted";
      case State::Progress:
        return "progress";
      case State::Completed:
        return "completed";
      case State::Failed:
        return "failed";
    }
    return "failed";
  }
};

}  // namespace rtcgate::proxy
