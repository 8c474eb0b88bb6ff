#include "proxy/DtmfInfoSender.hpp"

#include <spdlog/spdlog.h>

#include "proxy/CallManager.hpp"
#include "proxy/UacRequest.hpp"
#include "sip/DtmfInfoBody.hpp"

namespace rtcgate::proxy {

using transaction::TransactionId;

DtmfInfoSender::DtmfInfoSender(DialogTracker& dialogs, const LocalIdentity& identity,
                               transaction::TransactionLayer& transactions, std::uint64_t ownerTag,
                               std::uint64_t& failures)
    : dialogs_(dialogs),
      identity_(identity),
      transactions_(transactions),
      ownerTag_(ownerTag),
      failures_(failures) {}

void DtmfInfoSender::send(Dialog& dialog, bool toCaller, char digit, std::uint32_t durationMs) {
  const auto key = keyOf(dialog.id, toCaller);
  auto& queue = queues_[key];
  queue.digits.push_back(Digit{digit, durationMs});
  if (queue.inFlight == 0) sendNext(key);
}

void DtmfInfoSender::sendNext(std::uint64_t key) {
  const auto found = queues_.find(key);
  if (found == queues_.end()) return;
  auto& queue = found->second;
  Dialog* dialog = dialogs_.findById(key / 2);
  if (dialog == nullptr || dialog->state != Dialog::State::Confirmed) {
    queues_.erase(found);
    return;
  }
  DialogSide& to = key % 2 == 1 ? dialog->caller : dialog->callee;
  DialogSide& from = dialog->otherSide(to.tag);
  while (!queue.digits.empty() && queue.inFlight == 0) {
    const Digit next = queue.digits.front();
    queue.digits.pop_front();
    const sip::DtmfInfoBody body{.digit = next.digit, .durationMs = next.durationMs};
    const std::string text = body.write(sip::DtmfInfoBody::Format::DtmfRelay);
    auto request = CallManager::requestToward(*dialog, to, from, "INFO");
    const auto via = identity_.via(to.flow, transactions_.newBranch());
    request.via = via;
    request.body = text;
    request.contentType = sip::DtmfInfoBody::contentType(sip::DtmfInfoBody::Format::DtmfRelay);
    auto info = sip::SipMessage::parse(request.write());
    if (!info) {
      ++failures_;
      spdlog::warn("call {}: cannot build a DTMF INFO: {}", dialog->callId, info.error());
      continue;
    }
    auto sent = transactions_.sendRequest(std::move(*info), sendingFlow(to.flow), ownerTag_);
    if (!sent) {
      ++failures_;
      spdlog::info("call {}: DTMF INFO to {} not sent: {}", dialog->callId, to.uri, sent.error());
      continue;
    }
    queue.inFlight = *sent;
    inFlight_[*sent] = key;
  }
  if (queue.inFlight == 0) queues_.erase(found);
}

void DtmfInfoSender::onFinal(TransactionId clientTx, int status) {
  const auto found = inFlight_.find(clientTx);
  if (found == inFlight_.end()) return;
  const auto key = found->second;
  inFlight_.erase(found);
  if (status >= 300) {
    ++failures_;
    if (const Dialog* dialog = dialogs_.findById(key / 2)) {
      spdlog::info("call {}: the {} answered our DTMF INFO with {}", dialog->callId,
                   key % 2 == 1 ? "caller" : "callee", status);
    }
  }
  const auto queue = queues_.find(key);
  if (queue == queues_.end() || queue->second.inFlight != clientTx) return;
  queue->second.inFlight = 0;
  sendNext(key);
}

void DtmfInfoSender::forget(std::uint64_t dialogId) {
  for (const bool toCaller : {true, false}) {
    const auto found = queues_.find(keyOf(dialogId, toCaller));
    if (found == queues_.end()) continue;
    inFlight_.erase(found->second.inFlight);
    queues_.erase(found);
  }
}

}  // namespace rtcgate::proxy
