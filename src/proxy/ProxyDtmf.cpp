// ProxyCore's digits: each reaches the other side in the form that side takes (DtmfMode). A
// party's SIP INFO becomes RFC 4733 events played by the relay toward a side that negotiated
// telephone-event; a party's RFC 4733 events (seen by the embedded relay) become SIP INFO toward a
// side that did not; the API's digits go as whichever the target side takes. Every digit is
// reported to the call's observers (call.dtmf) once, whichever way it went.
#include <spdlog/spdlog.h>

#include "proxy/ProxyCore.hpp"
#include "sip/DtmfInfoBody.hpp"

namespace rtcgate::proxy {

using sip::SipMessage;
using transaction::TransactionId;

namespace {

// What an INFO without a Duration is played for: a key press as people make it.
constexpr std::uint32_t kInfoDefaultDurationMs = 160;

const char* sideName(bool caller) { return caller ? "caller" : "callee"; }

}  // namespace

// A side takes events when its SDP lists telephone-event and the call's media goes through our
// relay (which plays them); a side that asked for INFO only gets INFO.
bool ProxyCore::takesEvents(const Dialog& dialog, const DialogSide& side) const {
  return side.dtmf != DtmfMode::Info && dialog.anchored && calls_.hasMedia() &&
         side.formats.hasTelephoneEvent();
}

// A party's INFO with a digit, in an answered call: answered here and played as events toward a
// side that takes them. Otherwise a proxied call forwards the INFO as it is (false), and a call of
// ours sends it on as an INFO of our own.
bool ProxyCore::takeDtmfInfo(TransactionId serverTx, const SipMessage& request, Dialog& dialog) {
  const auto* type = request.find(sip::HeaderId::ContentType);
  const auto body =
      type != nullptr ? sip::DtmfInfoBody::parse(type->value, request.body()) : std::nullopt;
  if (!body || dialog.state != Dialog::State::Confirmed) return false;
  DialogSide& from = dialog.sideOf(request.fromTag());
  DialogSide& to = dialog.otherSide(from.tag);
  DtmfDigit digit{.digit = body->digit,
                  .durationMs = body->durationMs.value_or(kInfoDefaultDurationMs),
                  .fromCaller = &from == &dialog.caller,
                  .source = DtmfDigit::Source::Info};
  const bool convert = takesEvents(dialog, to);
  if (!convert && !dialog.originated) {
    spdlog::info("call {}: DTMF {} from the {} (SIP INFO), passed on as INFO", dialog.callId,
                 digit.digit, sideName(digit.fromCaller));
    calls_.dtmfEvent(dialog, digit);
    return false;
  }
  answer(serverTx, request, 200, "OK");
  if (convert) {
    playAsEvents(dialog, to, digit);
  } else {
    spdlog::info("call {}: DTMF {} from the {} (SIP INFO), sent on as our INFO", dialog.callId,
                 digit.digit, sideName(digit.fromCaller));
    sendAsInfo(dialog, to, digit);
  }
  return true;
}

// The relay plays the digit as if `to`'s partner had sent it; a relay that cannot (an older
// rtpengine, a telephone-event at another rate than the audio) leaves INFO as the way there.
void ProxyCore::playAsEvents(Dialog& dialog, DialogSide& to, const DtmfDigit& digit) {
  const DialogSide& from = dialog.otherSide(to.tag);
  const auto dialogId = dialog.id;
  calls_.media()->playDtmf(
      dialog.callId, from.tag, std::string(1, digit.digit), digit.durationMs,
      [this, dialogId, played = digit](mediacontrol::MediaControl::Reply reply) mutable {
        Dialog* dialog = calls_.dialogs().findById(dialogId);
        if (dialog == nullptr) return;
        DialogSide& to = played.fromCaller ? dialog->callee : dialog->caller;
        if (reply && reply->stringAt("result") == "ok") {
          ++stats_.dtmfConverted;
          played.delivery = DtmfDigit::Delivery::AsRfc4733;
          spdlog::info("call {}: DTMF {} from the {} (SIP INFO), played as RFC 4733 events",
                       dialog->callId, played.digit, sideName(played.fromCaller));
          return calls_.dtmfEvent(*dialog, played);
        }
        spdlog::info("call {}: the relay cannot play DTMF {} ({}): sent as our INFO",
                     dialog->callId, played.digit,
                     reply ? std::string(reply->stringAt("error-reason")) : "no answer");
        sendAsInfo(*dialog, to, played);
      });
}

void ProxyCore::sendAsInfo(Dialog& dialog, DialogSide& to, const DtmfDigit& digit) {
  DtmfDigit sent = digit;
  sent.delivery = digit.source == DtmfDigit::Source::Info ? DtmfDigit::Delivery::Passed
                                                          : DtmfDigit::Delivery::AsInfo;
  if (sent.delivery == DtmfDigit::Delivery::AsInfo) ++stats_.dtmfConverted;
  dtmfInfo_.send(dialog, &to == &dialog.caller, digit.digit, digit.durationMs);
  calls_.dtmfEvent(dialog, sent);
}

void ProxyCore::relayDigit(std::string_view callId, std::string_view fromTag, char digit,
                           std::uint32_t durationMs, int volume) {
  Dialog* dialog = calls_.dialogs().find(callId);
  if (dialog == nullptr || (fromTag != dialog->caller.tag && fromTag != dialog->callee.tag)) {
    return;
  }
  DialogSide& from = dialog->sideOf(fromTag);
  DialogSide& to = dialog->otherSide(from.tag);
  const DtmfDigit event{.digit = digit,
                        .durationMs = durationMs,
                        .volume = volume,
                        .fromCaller = &from == &dialog->caller,
                        .source = DtmfDigit::Source::Rfc4733};
  const bool asInfo = dialog->state == Dialog::State::Confirmed && to.dtmf != DtmfMode::Rfc4733 &&
                      !to.formats.hasTelephoneEvent();
  if (!asInfo) {
    spdlog::info("call {}: DTMF {} from the {} ({} ms, RFC 4733)", dialog->callId, digit,
                 sideName(event.fromCaller), durationMs);
    return calls_.dtmfEvent(*dialog, event);
  }
  spdlog::info(
      "call {}: DTMF {} from the {} ({} ms, RFC 4733), sent on as INFO: the {} "
      "negotiated no telephone-event",
      dialog->callId, digit, sideName(event.fromCaller), durationMs, sideName(!event.fromCaller));
  sendAsInfo(*dialog, to, event);
}

ProxyCore::DigitsRefusal ProxyCore::sendDigits(std::uint64_t dialogId, bool toCaller,
                                               const std::string& digits, std::uint32_t durationMs,
                                               DigitsDone done) {
  Dialog* dialog = calls_.dialogs().findById(dialogId);
  if (dialog == nullptr) return DigitsRefusal::NoSuchCall;
  if (dialog->state != Dialog::State::Confirmed) return DigitsRefusal::NotAnswered;
  DialogSide& to = toCaller ? dialog->caller : dialog->callee;
  auto report = [this, dialogId, toCaller, digits, durationMs](DtmfDigit::Delivery as) {
    Dialog* dialog = calls_.dialogs().findById(dialogId);
    if (dialog == nullptr) return;
    for (const char c : digits) {
      calls_.dtmfEvent(*dialog, DtmfDigit{.digit = c,
                                          .durationMs = durationMs,
                                          .fromCaller = !toCaller,
                                          .source = DtmfDigit::Source::Api,
                                          .delivery = as});
    }
  };
  auto asInfo = [this, dialogId, toCaller, digits, durationMs, report]() {
    Dialog* dialog = calls_.dialogs().findById(dialogId);
    if (dialog == nullptr) return false;
    for (const char c : digits) dtmfInfo_.send(*dialog, toCaller, c, durationMs);
    report(DtmfDigit::Delivery::AsInfo);
    return true;
  };
  if (!takesEvents(*dialog, to)) {
    if (to.dtmf == DtmfMode::Rfc4733) {
      done(std::string("the ") + sideName(toCaller) +
           " takes RFC 4733 events only (dtmf: rfc4733) and negotiated no telephone-event "
           "through the relay");
      return DigitsRefusal::None;
    }
    asInfo();
    done(DigitsSent{.as = DtmfDigit::Delivery::AsInfo});
    return DigitsRefusal::None;
  }
  const DialogSide& from = dialog->otherSide(to.tag);
  calls_.media()->playDtmf(
      dialog->callId, from.tag, digits, durationMs,
      [toCaller, report, asInfo, done = std::move(done)](mediacontrol::MediaControl::Reply reply) {
        if (reply && reply->stringAt("result") == "ok") {
          report(DtmfDigit::Delivery::AsRfc4733);
          return done(DigitsSent{.as = DtmfDigit::Delivery::AsRfc4733,
                                 .warning = std::string(reply->stringAt("warning"))});
        }
        const std::string why =
            reply ? std::string(reply->stringAt("error-reason")) : "the relay did not answer";
        spdlog::info("the relay cannot play DTMF to the {} ({}): sending INFO", sideName(toCaller),
                     why);
        if (!asInfo()) return done(std::string("the call ended"));
        done(DigitsSent{.as = DtmfDigit::Delivery::AsInfo, .warning = why});
      });
  return DigitsRefusal::None;
}

}  // namespace rtcgate::proxy
