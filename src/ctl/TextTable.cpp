#include "ctl/TextTable.hpp"

#include <algorithm>

namespace rtcgate::ctl {

namespace {

std::size_t displayWidth(const std::string& text) {
  // UTF-8 continuation bytes (10xxxxxx) do not start a new character.
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Newlines and tabs inside a cell (a reason, a user agent) would break the grid.
std::string flatten(const std::string& text) {
  std::string out = text;
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return out;
}

}  // namespace

std::string TextTable::render() const {
  std::vector<std::vector<std::string>> lines;
  lines.reserve(rows_.size() + 1);
  lines.push_back(header_);
  lines.insert(lines.end(), rows_.begin(), rows_.end());

  std::vector<std::size_t> widths;
  for (auto& line : lines) {
    for (auto& cell : line) cell = flatten(cell);
    if (line.size() > widths.size()) widths.resize(line.size(), 0);
    for (std::size_t i = 0; i < line.size(); ++i) {
      widths[i] = std::max(widths[i], displayWidth(line[i]));
    }
  }

  std::string out;
  for (const auto& line : lines) {
    std::string text;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < line.size() ? line[i] : std::string();
      if (i > 0) text += "  ";
      text += cell;
      text.append(widths[i] - displayWidth(cell), ' ');
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out += text + '\n';
  }
  return out;
}

}  // namespace rtcgate::ctl
