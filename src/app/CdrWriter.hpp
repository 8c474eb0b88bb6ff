#pragma once

#include <cstdio>
#include <string>

#include "ng/Value.hpp"
#include "proxy/Dialog.hpp"

namespace rtcgate::app {

// Call detail records: one JSON line per ended call (docs/calls.md for the fields), appended to
// `calls.cdr_file` and flushed at once so a crash loses none.
class CdrWriter {
 public:
  explicit CdrWriter(std::string path);
  ~CdrWriter();
  CdrWriter(const CdrWriter&) = delete;
  CdrWriter& operator=(const CdrWriter&) = delete;

  bool ok() const { return file_ != nullptr; }
  void write(const proxy::Dialog& call, const ng::Value* mediaReport);
  static std::string format(const proxy::Dialog& call, const ng::Value* mediaReport);
  std::uint64_t written() const { return written_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::uint64_t written_ = 0;
};

}  // namespace rtcgate::app
