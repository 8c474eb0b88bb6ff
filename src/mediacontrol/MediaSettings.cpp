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

void writeInterfaces(ng::Value& request, const std::string& from, const std::string& to) {
  if (!from.empty() && !to.empty()) {
    ng::Value& direction = request.set("direction", ng::Value::list());
    direction.push(from);
    direction.push(to);
    return;
  }
  if (!from.empty()) request.set("from-interface", from);
  if (!to.empty()) request.set("to-interface", to);
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
  writeInterfaces(request, fromInterface, toInterface);
}

}  // namespace rtcgate::mediacontrol
