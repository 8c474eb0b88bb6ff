#include "mediacontrol/MediaSettings.hpp"

namespace rtcgate::mediacontrol {
namespace {

void writeRtcpMux(ng::Value& request, const ng::RtcpMuxFlags& rtcpMux) {
  ng::Value list = ng::Value::list();
  for (const ng::RtcpMuxWord& word : ng::kRtcpMuxWords) {
    if (rtcpMux.*(word.flag)) list.push(word.word);
  }
  if (list.size() > 0) request.set(ng::kRtcpMuxList.key, std::move(list));
}

}  // namespace

void MediaSettings::writeTo(ng::Value& request) const {
  if (ice != ng::IceMode::Default) request.set(ng::kIceKey, ng::iceModeName(ice));
  request.set(ng::kTransportProtocolKey, ng::transportProtocolName(protocol));
  if (generateMid) request.set(ng::kFlagsKey, ng::Value::list()).push(ng::kGenerateMid);
  if (sdesOff) request.set(ng::kSdesList.key, ng::Value::list()).push(ng::kSdesOff);
  writeRtcpMux(request, rtcpMux);
  if (dtlsOff) request.set(ng::kDtlsKey, ng::kDtlsOff);
  if (replaceOrigin || replaceSessionConnection) {
    ng::Value& replace = request.set(ng::kReplaceList.key, ng::Value::list());
    if (replaceOrigin) replace.push(ng::kReplaceOrigin);
    if (replaceSessionConnection) replace.push(ng::kReplaceSessionConnection);
  }
}

}  // namespace rtcgate::mediacontrol
