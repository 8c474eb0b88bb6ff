#include "ng/NgRequest.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "ng/FlagVocabulary.hpp"

namespace rtcgate::ng {
namespace {

struct CommandName {
  std::string_view name;
  Command command;
};
constexpr CommandName kCommands[] = {
    {"ping", Command::Ping},
    {"offer", Command::Offer},
    {"answer", Command::Answer},
    {"delete", Command::Delete},
    {"query", Command::Query},
    {"list", Command::List},
    {"statistics", Command::Statistics},
    {"play DTMF", Command::PlayDtmf},
    {"start recording", Command::StartRecording},
    {"stop recording", Command::StopRecording},
    {"play media", Command::PlayMedia},
    {"stop media", Command::StopMedia},
};

// Flags that only matter to parts of rtpengine we do not have and that are safe to drop.
bool isHarmlessIgnored(std::string_view flag) {
  constexpr std::string_view kIgnored[] = {
      "symmetric",   "port-latching", "no-port-latching", "loop-protect", "original-sendrecv",
      "early-media", "provisional",   "new-branch",       "debug",        "force",
      "trickle-ice", "sdes-off",      "dtls-off",         "reset",        "directional",
      "all",         "single-codec",  "static-codecs",    "reuse-codecs", "allow-asymmetric-codecs",
      "pierce-nat",  "nat-wait",      "unidirectional",   "strip-extmap", "internal",
      "external"};
  return std::find(std::begin(kIgnored), std::end(kIgnored), flag) != std::end(kIgnored);
}

}  // namespace

std::string normalizeName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == ' ' || c == '_') c = '-';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

Result<NgRequest> NgRequest::parse(const Value& dict) {
  if (!dict.isDict()) return Error{"Could not decode bencode dictionary"};
  const Value* commandValue = dict.find("command");
  if (commandValue == nullptr || !commandValue->isString()) {
    return Error{"Dictionary contains no key \"command\""};
  }
  NgRequest request;
  const auto found =
      std::find_if(std::begin(kCommands), std::end(kCommands),
                   [&](const CommandName& c) { return c.name == commandValue->str(); });
  if (found == std::end(kCommands)) return Error{"Unrecognized command"};
  request.command = found->command;
  for (std::size_t i = 0; i < dict.size(); ++i) {
    request.applyKey(normalizeName(dict.keys()[i]), dict.items()[i]);
  }
  const Command c = request.command;
  const bool needsCall = c == Command::Offer || c == Command::Answer || c == Command::Delete ||
                         c == Command::Query || c == Command::PlayDtmf ||
                         c == Command::StartRecording || c == Command::StopRecording ||
                         c == Command::PlayMedia || c == Command::StopMedia;
  if (needsCall && request.callId.empty()) return Error{"No call-id in message"};
  if ((c == Command::Offer || c == Command::Answer) && request.fromTag.empty()) {
    return Error{"No from-tag in message"};
  }
  if (c == Command::Answer && request.toTag.empty()) return Error{"No to-tag in message"};
  if ((c == Command::Offer || c == Command::Answer) && request.sdp.empty()) {
    return Error{"No SDP body in message"};
  }
  return request;
}

std::string NgRequest::warningText() const {
  std::string text;
  for (const std::string& warning : warnings) {
    if (!text.empty()) text += "; ";
    text += warning;
  }
  return text;
}

void NgRequest::applyKey(std::string_view key, const Value& value) {
  if (key == "command") return;
  const ListFlag* listFlag = listFlagOfKey(key);
  if (key == kFlagsKey || listFlag != nullptr || key == "direction" || key == "supports" ||
      key == "received-from") {
    if (!value.isList()) {
      warnings.push_back("Ignored non-list key " + std::string(key));
      return;
    }
    if (key == "received-from") {
      if (value.size() == 2 && value.items()[0].isString() && value.items()[1].isString()) {
        receivedFromFamily = value.items()[0].str();
        receivedFromAddress = value.items()[1].str();
      }
      return;
    }
    for (const Value& item : value.items()) {
      if (!item.isString()) continue;
      if (key == kFlagsKey) {
        applyFlag(item.str());
      } else if (listFlag != nullptr) {
        // Back to the flag it encodes ("rtcp-mux": ["demux"] is rtcp-mux-demux).
        applyFlag(std::string(listFlag->prefix) + normalizeName(item.str()));
      } else if (key == "direction") {
        direction.push_back(item.str());
      }
    }
    return;
  }
  if (key == "codec") {
    if (!value.isDict()) return;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string op = normalizeName(value.keys()[i]);
      for (const Value& item : value.items()[i].items()) {
        if (item.isString()) applyFlag("codec-" + op + "-" + item.str());
      }
    }
    return;
  }
  if (key == "rtpp-flags") {
    // Daemon-side parsing of the module's raw flag string (rtpengine_offer("...", via) form).
    std::string_view text = value.str();
    while (!text.empty()) {
      const std::size_t start = text.find_first_not_of(' ');
      if (start == std::string_view::npos) break;
      text.remove_prefix(start);
      const std::size_t end = std::min(text.find(' '), text.size());
      applyFlag(text.substr(0, end));
      text.remove_prefix(end);
    }
    return;
  }
  if (key == "code" && value.isInteger()) {
    dtmf.event = value.integerValue();
    return;
  }
  if (key == "duration" || key == "pause" || key == "volume") {
    auto number = value.number();
    if (!number) {
      warnings.push_back("Ignored non-numeric " + std::string(key));
    } else {
      (key == "duration" ? dtmf.duration : key == "pause" ? dtmf.pause : dtmf.volume) = *number;
    }
    return;
  }
  if (key == "repeat-times") {
    if (auto number = value.number()) {
      media.repeatTimes = *number;
    } else {
      warnings.push_back("Ignored non-numeric " + std::string(key));
    }
    return;
  }
  if (key == "delete-delay" || key == "limit") {
    auto number = value.number();
    if (!number) {
      warnings.push_back("Ignored non-numeric " + std::string(key));
    } else if (key == "limit") {
      limit = *number;
    } else {
      deleteDelay = *number;
    }
    return;
  }
  if (!value.isString()) {
    warnings.push_back("Unknown key " + std::string(key));
    return;
  }
  if (!applyKeyValue(key, value.str())) warnings.push_back("Unknown key " + std::string(key));
}

bool NgRequest::applyKeyValue(std::string_view key, std::string_view value) {
  const std::string lower = normalizeName(value);
  if (key == "call-id") {
    callId = value;
  } else if (key == "from-tag") {
    fromTag = value;
  } else if (key == "to-tag") {
    toTag = value;
  } else if (key == "code") {
    dtmf.code = value;
  } else if (key == "via-branch") {
    viaBranch = value;
  } else if (key == "sdp") {
    sdp = value;
  } else if (key == "label" || key == "from-label" || key == "set-label") {
    label = value;
  } else if (key == "media-address") {
    mediaAddress = value;
  } else if (key == "address-family") {
    addressFamily = value;
  } else if (key == "interface") {
    interface = value;
  } else if (key == "from-interface" || key == "to-interface") {
    // One slot of `direction` each: [from, to].
    const std::size_t slot = key == "from-interface" ? 0 : 1;
    if (direction.size() <= slot) direction.resize(slot + 1);
    direction[slot] = value;
  } else if (key == kTransportProtocolKey) {
    if (const auto profile = transportProtocolOf(lower); !profile.empty()) {
      transportProtocol = profile;
    }
  } else if (sameWord(key, kIceKey)) {
    // A word that names no mode leaves the mode as it was.
    if (const IceMode mode = iceModeOf(lower); mode != IceMode::Default) ice = mode;
  } else if (sameWord(key, kDtlsKey)) {
    dtlsOff = lower == kDtlsOff || lower == "no" || lower == "disable";
  } else if (key == "received-from") {
    receivedFromAddress = value;
  } else if (key == "record-call") {
    recordCall = lower == "yes" || lower == "on";
  } else if (key == "recording-dir") {
    recording.dir = value;
  } else if (key == "recording-file") {
    recording.file = value;
  } else if (key == "recording-format") {
    recording.format = lower;
  } else if (key == "recording-mix") {
    recording.mix = lower;
  } else if (key == "file") {
    media.file = value;
  } else if (key == "sip-message-type" || key == "sip-code" || key == "to-label" || key == "tos" ||
             key == "metadata" || key == "template") {
    // Context or features without effect on a plain relay: accepted silently, as rtpengine does.
  } else {
    return false;
  }
  return true;
}

void NgRequest::applyFlag(std::string_view token) {
  if (token.empty()) return;
  if (const std::size_t eq = token.find('='); eq != std::string_view::npos) {
    const std::string key = normalizeName(token.substr(0, eq));
    const std::string_view value = token.substr(eq + 1);
    if (key == "codec-strip" || key == "codec-mask" || key == "codec-offer" ||
        key == "codec-transcode" || key == "transcode") {
      applyFlag(key + "-" + std::string(value));
      return;
    }
    if (key == kRtcpMuxList.key || key == kReplaceList.key) {
      applyFlag(key + "-" + std::string(value));
      return;
    }
    if (key == "received-from") {
      receivedFromAddress = value;
      return;
    }
    if (key == "direction") {
      direction.emplace_back(value);
      return;
    }
    if (key == "delete-delay") {
      if (auto number = Value(value).number()) deleteDelay = *number;
      return;
    }
    if (key == "via-branch" || !applyKeyValue(key, value)) {
      warnings.push_back("Unknown flag " + std::string(token));
    }
    return;
  }
  const std::string flag = normalizeName(token);
  if (const auto profile = transportProtocolOf(flag); !profile.empty()) {
    transportProtocol = profile;
  } else if (const ListFlag* list = listFlagOf(flag)) {
    applyListItem(*list, std::string_view(flag).substr(list->prefix.size()), token);
  } else if (flag == "trust-address") {
    trustAddress = true;
  } else if (flag == "sip-source-address") {
    sipSourceAddress = true;
  } else if (flag == "asymmetric") {
    asymmetric = true;
  } else if (flag == "strict-source") {
    strictSource = true;
  } else if (flag == "media-handover") {
    mediaHandover = true;
  } else if (flag == "fatal") {
    fatal = true;
  } else if (flag == "fast") {
    fast = true;
  } else if (flag == "record-call") {
    recordCall = true;
  } else if (flag == "to-tag") {
    honourToTag = true;
  } else if (flag == kGenerateMid) {
    generateMid = true;
  } else if (flag == "no-rtcp-attribute") {
    noRtcpAttribute = true;
  } else if (flag == "full-rtcp-attribute") {
    fullRtcpAttribute = true;
  } else if (flag.starts_with("codec-strip-")) {
    codec.strip.push_back(flag.substr(12));
  } else if (flag.starts_with("codec-mask-")) {
    codec.mask.push_back(flag.substr(11));
  } else if (flag.starts_with("codec-offer-")) {
    codec.offer.push_back(flag.substr(12));
  } else if (flag.starts_with("codec-transcode-")) {
    codec.transcode.push_back(flag.substr(16));
  } else if (flag.starts_with("transcode-")) {
    codec.transcode.push_back(flag.substr(10));
  } else if (flag == "webrtc") {
    transportProtocol = transportProtocolName(TransportProtocol::UdpTlsRtpSavpf);
    ice = IceMode::Force;
    rtcpMux.offer = rtcpMux.require = true;
    noRtcpAttribute = sdesOff = generateMid = true;
  } else if (!isHarmlessIgnored(flag)) {
    warnings.push_back("Unknown flag " + std::string(token));
  }
}

void NgRequest::applyListItem(const ListFlag& list, std::string_view item, std::string_view token) {
  if (list.key == kRtcpMuxList.key) {
    const auto word = std::find_if(kRtcpMuxWords.begin(), kRtcpMuxWords.end(),
                                   [item](const RtcpMuxWord& mux) { return mux.word == item; });
    if (word == kRtcpMuxWords.end()) {
      warnings.push_back("Unknown flag " + std::string(token));
    } else {
      rtcpMux.*(word->flag) = true;
    }
  } else if (list.key == kReplaceList.key) {
    // Other replace- items (username, sdp-version, ...) have no effect here: dropped silently.
    if (item == kReplaceOrigin || item == "origin-full") {
      replaceOrigin = true;
    } else if (item == kReplaceSessionConnection) {
      replaceSessionConnection = true;
    }
  } else if (item == kSdesOff || item == "no") {
    // Other SDES- items (suite choices) have no effect here: dropped silently.
    sdesOff = true;
  }
}

}  // namespace rtcgate::ng
