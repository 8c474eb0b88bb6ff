#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/Result.hpp"
#include "ng/FlagVocabulary.hpp"
#include "ng/Value.hpp"

namespace rtcgate::ng {

enum class Command {
  Ping,
  Offer,
  Answer,
  Delete,
  Query,
  List,
  Statistics,
  PlayDtmf,
  StartRecording,
  StopRecording,
  PlayMedia,
  StopMedia
};

struct CodecFlags {
  std::vector<std::string> strip;  // encoding names, lower case; "all" strips everything
  std::vector<std::string> mask;
  std::vector<std::string> offer;
  // Codecs the relay adds to an offer when the sender lacks them, transcoding if the answer
  // picks one (`codec: {transcode: [...]}`, `codec-transcode-X`, `transcode-X`).
  std::vector<std::string> transcode;
};

// `play DTMF`'s keys, as rtpengine names them: `code` is a digit ("5", "*", "A") or an RFC 4733
// event number (i5e); several digits ("123#") play one after the other (our extension). Durations
// in ms; volume in dBm0 (sign ignored, as rtpengine does). Absent: the relay's defaults.
struct DtmfPlayKeys {
  std::string code;                   // `code` as a string
  std::optional<std::int64_t> event;  // `code` as an integer
  std::optional<std::int64_t> duration;
  std::optional<std::int64_t> pause;
  std::optional<std::int64_t> volume;
};

// `start recording`'s keys: rtpengine's `recording-dir` and `recording-file`, and rtcgate's
// `recording-format` (wav, pcap) and `recording-mix` (stereo, mono). Empty: the relay's defaults.
// Values are checked by the relay, which knows its directory.
struct RecordingKeys {
  std::string dir;
  std::string file;
  std::string format;
  std::string mix;
};

// `play media`'s keys: `file` (a WAV inside the relay's media directory) and `repeat-times`
// (absent: once). rtpengine's blob, db-id and start-pos are not supported.
struct MediaPlayKeys {
  std::string file;
  std::optional<std::int64_t> repeatTimes;
};

// One ng request with the keys and flags that Kamailio's and OpenSIPS's rtpengine modules send,
// under rtpengine's names and meanings. Keys and flags that are not understood are listed in
// `warnings` (rtpengine logs and ignores them; we also say so in the reply).
struct NgRequest {
  Command command = Command::Ping;
  std::string callId;
  std::string fromTag;
  std::string toTag;
  std::string viaBranch;
  std::string sdp;
  std::string label;
  std::string transportProtocol;  // profile presented to the recipient; empty = keep
  std::string mediaAddress;       // override for the sender's media address
  std::string addressFamily;      // "IP4"/"IP6" for the outgoing SDP
  std::string receivedFromFamily;
  std::string receivedFromAddress;
  // Media interfaces (rtpengine's logical interfaces): `direction` lists the sender's then the
  // recipient's (`from-interface`/`to-interface` set one each); `interface` names one for both
  // when `direction` does not.
  std::vector<std::string> direction;
  std::string interface;
  IceMode ice = IceMode::Default;
  RtcpMuxFlags rtcpMux;
  CodecFlags codec;
  bool replaceOrigin = false;
  bool replaceSessionConnection = false;
  bool trustAddress = false;
  bool sipSourceAddress = false;
  bool asymmetric = false;
  bool strictSource = false;
  bool mediaHandover = false;
  bool fatal = false;
  bool fast = false;
  bool honourToTag = false;
  bool generateMid = false;
  bool noRtcpAttribute = false;
  bool fullRtcpAttribute = false;
  bool dtlsOff = false;
  bool sdesOff = false;
  std::optional<std::int64_t> deleteDelay;
  std::int64_t limit = 32;
  DtmfPlayKeys dtmf;        // play DTMF
  RecordingKeys recording;  // start recording
  MediaPlayKeys media;      // play media
  bool recordCall =
      false;  // offer/answer `record call: yes` (or flag record-call): start recording
  std::vector<std::string> warnings;

  // Parses a decoded request dictionary. Errors use rtpengine's error-reason strings.
  static Result<NgRequest> parse(const Value& dict);
  // Joined warnings for the reply's `warning` key; empty when there are none.
  std::string warningText() const;

 private:
  void applyKey(std::string_view key, const Value& value);
  void applyFlag(std::string_view token);
  // One item of a list flag ("demux" of rtcp-mux-demux); `token` is the flag, for warnings.
  void applyListItem(const ListFlag& list, std::string_view item, std::string_view token);
  bool applyKeyValue(std::string_view key, std::string_view value);
};

// Lower case with ' ' and '_' turned into '-': rtpengine accepts `call id`, `call_id`, `Call-ID`.
std::string normalizeName(std::string_view name);

}  // namespace rtcgate::ng
