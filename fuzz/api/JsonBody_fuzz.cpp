// libFuzzer target for JSON from outside: the management API's request bodies (app/JsonValue, the
// decoder of POST /api/v1/calls) and, as the parser's oracle, our JSON writer (admin/Json): what
// parses must print and parse back to the same text, and any bytes written as a JSON string must
// parse back (see stringRoundTrip).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/CallsApi.hpp"
#include "api/TransfersApi.hpp"
#include "http/Json.hpp"
#include "http/JsonValue.hpp"

namespace {

using rtcgate::api::CallsApi;
using rtcgate::http::JsonValue;

void check(bool condition) {
  if (!condition) std::abort();
}

// Walks the document the way `rtcgate ctl` reads replies.
void visit(const JsonValue& value) {
  (void)value.toText();
  for (const auto& element : value.asArray()) visit(element);
  for (const auto& [name, member] : value.asObject()) {
    check(value.has(name));
    visit(member);
  }
  (void)value[value.size()];
}

bool isAscii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

void roundTrip(std::string_view input) {
  const auto parsed = JsonValue::parse(input);
  if (!parsed) return;
  visit(*parsed);
  const std::string printed = parsed->dump();
  const auto again = JsonValue::parse(printed);
  check(again.ok());
  // Stray bytes in strings become code points when first printed (see stringRoundTrip); from
  // then on, printing and parsing is a fixed point.
  const std::string settled = again->dump();
  const auto third = JsonValue::parse(settled);
  check(third.ok() && third->dump() == settled);
  if (isAscii(input)) check(settled == printed);
}

// The writer keeps valid UTF-8 and writes any other byte as the code point of the same value
// (\u00XX), so that every line it writes is valid JSON: ASCII comes back exactly, and whatever
// came back once is a fixed point of writing and parsing.
void stringRoundTrip(std::string_view input) {
  std::string quoted;
  rtcgate::http::appendJsonString(quoted, input);
  const auto parsed = JsonValue::parse(quoted);
  check(parsed.ok() && parsed->isString());
  if (isAscii(input)) check(parsed->asString() == input);
  std::string again;
  rtcgate::http::appendJsonString(again, parsed->asString());
  const auto reparsed = JsonValue::parse(again);
  check(reparsed.ok() && reparsed->isString() && reparsed->asString() == parsed->asString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  roundTrip(input);
  stringRoundTrip(input);
  if (const auto body = CallsApi::parseOriginateBody(input)) {
    check(JsonValue::parse(input)->isObject());
  }
  // A transfer target goes into a header: nothing accepted may end it early.
  if (const auto transfer = rtcgate::api::TransfersApi::parseBody(input)) {
    check(transfer->target.find_first_of("\r\n<>\" ") == std::string::npos);
  }
  return 0;
}
