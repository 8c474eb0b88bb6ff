#include "ng/NgFlags.hpp"

#include <strings.h>

#include <algorithm>
#include <string>

#include "ng/FlagVocabulary.hpp"

namespace rtcgate::ng {
namespace {

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

// "rtcp-mux=demux" is "rtcp-mux-demux" (the key as the list flags spell it, case and all).
bool isListKey(std::string_view key) {
  return std::any_of(kListFlags.begin(), kListFlags.end(),
                     [key](const ListFlag& flag) { return flag.key == key; });
}

ng::Value& listAt(ng::Value& request, std::string_view key) {
  if (ng::Value* existing = request.find(key); existing != nullptr && existing->isList()) {
    return *existing;
  }
  return request.set(key, ng::Value::list());
}

ng::Value& dictAt(ng::Value& request, std::string_view key) {
  if (ng::Value* existing = request.find(key); existing != nullptr && existing->isDict()) {
    return *existing;
  }
  return request.set(key, ng::Value::dict());
}

// "rtcp-mux-demux" -> rtcp-mux: [demux]; the prefixes that name a list key.
bool applyListPrefix(ng::Value& request, std::string_view token) {
  if (const ListFlag* list = listFlagOf(token)) {
    listAt(request, list->key).push(std::string(token.substr(list->prefix.size())));
    return true;
  }
  if (startsWithNoCase(token, "codec-")) {
    // codec-strip-PCMA -> codec: {strip: [PCMA]}
    const auto rest = token.substr(6);
    const auto dash = rest.find('-');
    if (dash == std::string_view::npos) return false;
    ng::Value& codec = dictAt(request, "codec");
    listAt(codec, rest.substr(0, dash)).push(std::string(rest.substr(dash + 1)));
    return true;
  }
  return false;
}

void applyToken(ng::Value& request, std::string_view token) {
  if (!transportProtocolOf(token).empty()) {
    request.set(kTransportProtocolKey, std::string(token));
    return;
  }
  if (const auto eq = token.find('='); eq != std::string_view::npos) {
    const auto key = token.substr(0, eq);
    const auto value = token.substr(eq + 1);
    if (sameWord(key, "direction")) {
      listAt(request, "direction").push(std::string(value));
      return;
    }
    if (key.starts_with("codec-") || isListKey(key)) {
      applyToken(request, std::string(key) + "-" + std::string(value));
      return;
    }
    request.set(key, std::string(value));  // ICE=force, DTLS=off, media-address=..., label=...
    return;
  }
  if (applyListPrefix(request, token)) return;
  listAt(request, kFlagsKey).push(std::string(token));
}

}  // namespace

void applyNgFlags(ng::Value& request, std::string_view flags) {
  while (!flags.empty()) {
    const auto start = flags.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    flags.remove_prefix(start);
    const auto end = std::min(flags.find(' '), flags.size());
    applyToken(request, flags.substr(0, end));
    flags.remove_prefix(end);
  }
}

}  // namespace rtcgate::ng
