#pragma once

#include <string>
#include <vector>

namespace rtcgate::ctl {

// Rows under a header, columns padded to their widest cell and separated by two spaces, the way
// `rtcgate ctl` prints lists for a terminal. Widths count UTF-8 code points, not bytes, so user
// agents and display names with accents keep the columns straight. Trailing padding is trimmed.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}

  // Missing cells are empty, extra cells are kept (the column count grows).
  void addRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  bool empty() const { return rows_.empty(); }

  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace rtcgate::ctl
