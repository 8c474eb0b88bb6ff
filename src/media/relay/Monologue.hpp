#pragma once

#include <string>
#include <vector>

#include "base/Timers.hpp"
#include "media/relay/CallMedia.hpp"
#include "media/relay/LocalInterface.hpp"

namespace rtcgate::media {

// One party of a call (rtpengine's "monologue"), identified by its SIP tag (empty until the
// answer names it) and, for forked offers, by the Via branch.
struct Monologue {
  std::string tag;
  std::string label;
  std::string viaBranch;
  Monologue* partner = nullptr;
  Clock::time_point created{};
  std::string iceUfrag;  // our ICE credentials toward this party when ICE is inserted
  std::string icePwd;
  // The interface its lines' ports are on, chosen when it first gets ports (ng `direction`) and
  // kept for the call's later offers and answers, as rtpengine does. Null until then.
  const LocalInterface* localInterface = nullptr;
  std::vector<CallMedia> medias;
};

}  // namespace rtcgate::media
