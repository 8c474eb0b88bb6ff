#include "sip/StreamFramer.hpp"

#include <cstdint>

#include "sip/Lex.hpp"

namespace rtcgate::sip {
namespace {

constexpr std::string_view kEndOfHeaders = "\r\n\r\n";

bool isContentLengthName(std::string_view name) {
  return lex::iequals(name, "Content-Length") || lex::iequals(name, "l");
}

// Finds the Content-Length of a header section (without the final CRLFCRLF). Returns nullptr and
// sets length, or an error reason.
const char* contentLength(std::string_view headers, std::size_t& length) {
  bool found = false;
  std::size_t pos = headers.find('\n');  // skip the start line
  while (pos != std::string_view::npos && pos + 1 < headers.size()) {
    const std::size_t begin = pos + 1;
    std::size_t end = headers.find('\n', begin);
    std::string_view line =
        headers.substr(begin, end == std::string_view::npos ? end : end - begin);
    pos = end;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    if (!isContentLengthName(name)) continue;
    std::uint32_t value = 0;
    if (!lex::parseUnsigned<std::uint32_t>(lex::trim(line.substr(colon + 1)), 0xffffffffU, value)) {
      return "Bad Content-Length";
    }
    if (found && value != length) return "Conflicting Content-Length";
    found = true;
    length = value;
  }
  return found ? nullptr : "Missing Content-Length";
}

}  // namespace

StreamFramer::Frame StreamFramer::found(Frame frame) {
  scanned_ = 0;
  frameLength_ = 0;
  return frame;
}

StreamFramer::Frame StreamFramer::next(std::string_view data) {
  if (data.empty()) return {};
  if (frameLength_ == 0 && scanned_ == 0 && data.starts_with("\r\n")) {
    if (data.starts_with(kEndOfHeaders)) return {Status::KeepAlivePing, 4, ""};
    if (data.size() == 3 && data[2] == '\r') return {};  // maybe the first half of a ping
    return {Status::KeepAlivePong, 2, ""};
  }
  if (frameLength_ == 0) {
    // The end may straddle what was searched last time: back up by its length minus one.
    const std::size_t from = scanned_ >= kEndOfHeaders.size() ? scanned_ - 3 : 0;
    const std::size_t headerEnd = data.find(kEndOfHeaders, from);
    if (headerEnd == std::string_view::npos) {
      if (data.size() >= maxMessageSize_) return found({Status::Error, 0, "Message too large"});
      scanned_ = data.size();
      return {};
    }
    std::size_t length = 0;
    if (const char* error = contentLength(data.substr(0, headerEnd), length)) {
      return found({Status::Error, 0, error});
    }
    const std::size_t headerSize = headerEnd + kEndOfHeaders.size();
    if (headerSize > maxMessageSize_ || length > maxMessageSize_ - headerSize) {
      return found({Status::Error, 0, "Message too large"});
    }
    frameLength_ = headerSize + length;
  }
  if (data.size() < frameLength_) return {};
  return found({Status::Message, frameLength_, ""});
}

}  // namespace rtcgate::sip
