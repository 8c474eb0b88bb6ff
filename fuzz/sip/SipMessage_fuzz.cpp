// libFuzzer target for the SIP message layer: parse, and when that succeeds serialize, re-parse
// and check that the essentials survive; the same bytes also go through every standalone parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sip/Digest.hpp"
#include "sip/DigestAnswer.hpp"
#include "sip/ErrorResponse.hpp"
#include "sip/NameAddr.hpp"
#include "sip/SessionExpires.hpp"
#include "sip/SipMessage.hpp"
#include "sip/SipUri.hpp"
#include "sip/StreamFramer.hpp"
#include "sip/Via.hpp"

namespace {

using namespace rtcgate::sip;

void check(bool condition) {
  if (!condition) std::abort();
}

void exerciseMessage(std::string_view input) {
  auto parsed = SipMessage::parse(std::string(input));
  if (!parsed) {
    (void)makeErrorResponse(input, statusForParseError(parsed.error()), parsed.error(), "t");
    return;
  }
  SipMessage& m = *parsed;
  const std::string wire = m.serialize();
  auto again = SipMessage::parse(wire);
  check(again.ok());
  check(again->callId() == m.callId());
  check(again->cseq() == m.cseq());
  check(again->body() == m.body());
  check(again->serialize() == wire);  // serialize is a fixed point after one round

  for (const Header& h : m.headers()) {
    if (h.id == HeaderId::Authorization || h.id == HeaderId::ProxyAuthorization) {
      (void)parseDigestCredentials(h.value);
    }
    // A trunk's challenges, answered with its credentials (sip/DigestAnswer).
    if (h.id == HeaderId::WwwAuthenticate || h.id == HeaderId::ProxyAuthenticate) {
      (void)pickDigestChallenge({h.value});
      (void)isStaleChallenge(h.value);
      (void)DigestAnswer{.challenge = h.value, .method = "INVITE", .uri = "sip:x", .cnonce = "c"}
          .write();
    }
    if (h.id == HeaderId::SessionExpires) (void)SessionExpires::parse(h.value);
    if (h.id == HeaderId::Supported) (void)listsOptionTag(h.value, "timer");
  }
  if (m.isRequest()) {
    SipMessage copy = m.clone();
    copy.prependHeader(HeaderId::Via, "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKfuzz;rport");
    copy.prependHeader(HeaderId::RecordRoute, "<sip:192.0.2.1;lr>");
    copy.removeFirst(HeaderId::Route);
    auto edited = SipMessage::parse(copy.serialize());
    check(edited.ok());
    check(edited->topVia().branch() == "z9hG4bKfuzz");
    auto response = m.makeResponse(404, "Not Found", "tag");
    check(SipMessage::parse(response.serialize()).ok());
  }
}

void exerciseFragments(std::string_view input) {
  if (auto uri = parseUri(input)) {
    (void)uriEquivalent(*uri, *uri);
    (void)uri->transport();
    (void)unescapeUriComponent(uri->user);
  }
  if (auto addr = parseNameAddr(input)) {
    (void)addr->tag();
    addr->params.forEach([](std::string_view, std::string_view) {});
  }
  if (auto interval = SessionExpires::parse(input)) (void)interval->refresher;
  (void)listsOptionTag(input, "timer");
  if (auto via = parseVia(input)) {
    (void)via->branch();
    (void)via->received();
  }
  if (auto credentials = parseDigestCredentials(input)) {
    (void)digestResponse(DigestAlgorithm::Md5, "00", "INVITE", *credentials);
  }
  (void)DigestAnswer{.challenge = input, .method = "REGISTER", .uri = "sip:x", .cnonce = "c"}
      .write();
  StreamFramer framer(4096);
  std::string_view rest = input;
  while (!rest.empty()) {
    auto frame = framer.next(rest);
    if (frame.status == StreamFramer::Status::NeedMore ||
        frame.status == StreamFramer::Status::Error) {
      break;
    }
    check(frame.length > 0 && frame.length <= rest.size());
    rest.remove_prefix(frame.length);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  exerciseMessage(input);
  exerciseFragments(input);
  return 0;
}
