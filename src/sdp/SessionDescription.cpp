#include "sdp/SessionDescription.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace rtcgate::sdp {
namespace {

std::vector<std::string_view> splitSpaces(std::string_view text) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    const std::size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const std::size_t end = std::min(text.find(' '), text.size());
    parts.push_back(text.substr(0, end));
    text.remove_prefix(end);
  }
  return parts;
}

std::optional<std::uint32_t> parseNumber(std::string_view text) {
  std::uint32_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

bool validMediaLine(std::string_view value) {
  const auto parts = splitSpaces(value);
  if (parts.size() < 3) return false;
  const std::string_view port = parts[1].substr(0, parts[1].find('/'));
  const auto number = parseNumber(port);
  return number && *number <= 65535;
}

struct StaticCodec {
  std::string_view payloadType;
  std::string_view name;
  std::uint32_t rate;
};
constexpr StaticCodec kStaticCodecs[] = {
    {"0", "PCMU", 8000}, {"3", "GSM", 8000}, {"4", "G723", 8000},  {"8", "PCMA", 8000},
    {"9", "G722", 8000}, {"13", "CN", 8000}, {"18", "G729", 8000}, {"34", "H263", 90000},
};

}  // namespace

bool SdpLine::isAttribute(std::string_view name) const {
  if (type != 'a') return false;
  const std::string_view v = value;
  return v.starts_with(name) && (v.size() == name.size() || v[name.size()] == ':');
}

std::string_view SdpLine::attributeValue() const {
  const std::string_view v = value;
  const std::size_t colon = v.find(':');
  return colon == std::string_view::npos ? std::string_view() : v.substr(colon + 1);
}

std::string_view MediaSection::mediaType() const {
  const std::string_view v = lines[0].value;
  return v.substr(0, v.find(' '));
}

std::uint16_t MediaSection::port() const {
  const auto parts = splitSpaces(lines[0].value);
  return static_cast<std::uint16_t>(
      parseNumber(parts[1].substr(0, parts[1].find('/'))).value_or(0));
}

std::string_view MediaSection::protocol() const { return splitSpaces(lines[0].value)[2]; }

std::vector<std::string_view> MediaSection::formats() const {
  auto parts = splitSpaces(lines[0].value);
  parts.erase(parts.begin(), parts.begin() + 3);
  return parts;
}

void MediaSection::setMediaLine(std::uint16_t port, std::string_view protocol,
                                const std::vector<std::string_view>& formats) {
  std::string line(mediaType());
  line += ' ';
  line += std::to_string(port);
  line += ' ';
  line += protocol;
  for (std::string_view format : formats) {
    line += ' ';
    line += format;
  }
  lines[0].value = std::move(line);
}

const SdpLine* MediaSection::findAttribute(std::string_view name) const {
  for (const SdpLine& line : lines) {
    if (line.isAttribute(name)) return &line;
  }
  return nullptr;
}

std::optional<std::string_view> MediaSection::connectionAddress() const {
  for (const SdpLine& line : lines) {
    if (line.type == 'c') return connectionHost(line.value);
  }
  return std::nullopt;
}

std::string_view MediaSection::encodingName(std::string_view payloadType) const {
  for (const SdpLine& line : lines) {
    if (!line.isAttribute("rtpmap")) continue;
    const std::string_view v = line.attributeValue();
    const std::size_t space = v.find(' ');
    if (space == std::string_view::npos || v.substr(0, space) != payloadType) continue;
    const std::string_view encoding = v.substr(space + 1);
    return encoding.substr(0, encoding.find('/'));
  }
  for (const StaticCodec& codec : kStaticCodecs) {
    if (codec.payloadType == payloadType) return codec.name;
  }
  return {};
}

std::uint32_t MediaSection::clockRate(std::string_view payloadType) const {
  for (const SdpLine& line : lines) {
    if (!line.isAttribute("rtpmap")) continue;
    const std::string_view v = line.attributeValue();
    const std::size_t space = v.find(' ');
    if (space == std::string_view::npos || v.substr(0, space) != payloadType) continue;
    std::string_view encoding = v.substr(space + 1);
    const std::size_t slash = encoding.find('/');
    if (slash == std::string_view::npos) break;
    encoding.remove_prefix(slash + 1);
    return parseNumber(encoding.substr(0, encoding.find('/'))).value_or(8000);
  }
  for (const StaticCodec& codec : kStaticCodecs) {
    if (codec.payloadType == payloadType) return codec.rate;
  }
  return 8000;
}

Result<SessionDescription> SessionDescription::parse(std::string_view text) {
  SessionDescription description;
  bool first = true;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    std::string_view eol = newline == std::string_view::npos ? "" : "\n";
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
      eol = eol.empty() ? "\r" : "\r\n";
    }
    if (line.empty() && text.empty()) break;  // tolerate one trailing blank line
    if (line.size() < 2 || line[1] != '=' || !std::isalpha(static_cast<unsigned char>(line[0]))) {
      return Error{"Failed to parse SDP"};
    }
    if (first && line[0] != 'v') return Error{"Failed to parse SDP"};
    first = false;
    SdpLine parsed{line[0], std::string(line.substr(2)), std::string(eol)};
    if (parsed.type == 'm') {
      if (!validMediaLine(parsed.value)) return Error{"Failed to parse SDP"};
      description.media_.push_back(MediaSection{{std::move(parsed)}});
    } else if (description.media_.empty()) {
      description.session_.push_back(std::move(parsed));
    } else {
      description.media_.back().lines.push_back(std::move(parsed));
    }
  }
  if (first) return Error{"Failed to parse SDP"};
  return description;
}

std::size_t SessionDescription::countMediaSections(std::string_view text) {
  std::size_t count = text.starts_with("m=") ? 1 : 0;
  for (std::size_t at = text.find("\nm="); at != std::string_view::npos;
       at = text.find("\nm=", at + 1)) {
    ++count;
  }
  return count;
}

std::string SessionDescription::toString() const {
  std::string out;
  auto write = [&out](const SdpLine& line) {
    out += line.type;
    out += '=';
    out += line.value;
    out += line.eol;
  };
  for (const SdpLine& line : session_) write(line);
  for (const MediaSection& section : media_) {
    for (const SdpLine& line : section.lines) write(line);
  }
  return out;
}

std::optional<std::string_view> SessionDescription::sessionConnectionAddress() const {
  for (const SdpLine& line : session_) {
    if (line.type == 'c') return connectionHost(line.value);
  }
  return std::nullopt;
}

std::optional<std::string_view> SessionDescription::connectionAddress(std::size_t index) const {
  if (auto address = media_[index].connectionAddress()) return address;
  return sessionConnectionAddress();
}

bool SessionDescription::hasSessionAttribute(std::string_view name) const {
  return std::any_of(session_.begin(), session_.end(),
                     [name](const SdpLine& line) { return line.isAttribute(name); });
}

std::optional<std::string_view> connectionHost(std::string_view cValue) {
  const auto parts = splitSpaces(cValue);
  if (parts.size() != 3 || parts[0] != "IN" || (parts[1] != "IP4" && parts[1] != "IP6")) {
    return std::nullopt;
  }
  return parts[2].substr(0, parts[2].find('/'));
}

}  // namespace rtcgate::sdp
