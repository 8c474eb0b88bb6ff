#pragma once

#include <cstdio>
#include <string>

#include "http/HttpServer.hpp"
#include "ng/Value.hpp"
#include "proxy/CallObserver.hpp"
#include "proxy/Dialog.hpp"
#include "store/Store.hpp"

namespace rtcgate::events {

// Call detail records (docs/calls.md for the fields): one row per ended call in the store, and one
// JSON line appended to `calls.cdr_file` (flushed at once so a crash loses none) when a path is
// given. GET /api/v1/cdrs lists the newest from the store.
class CdrWriter : public proxy::CallObserver {
 public:
  CdrWriter(std::string path, store::Store* store);
  ~CdrWriter();
  CdrWriter(const CdrWriter&) = delete;
  CdrWriter& operator=(const CdrWriter&) = delete;

  // false when a CDR file was asked for and cannot be opened.
  bool ok() const { return path_.empty() || file_ != nullptr; }
  void write(const proxy::Dialog& call, const ng::Value* mediaReport);
  void onCallRecord(const proxy::Dialog& call, const ng::Value* mediaReport) override {
    write(call, mediaReport);
  }
  static std::string format(const proxy::Dialog& call, const ng::Value* mediaReport);
  static store::CdrRecord record(const proxy::Dialog& call, const ng::Value* mediaReport);
  static std::string toJson(const store::CdrRecord& cdr);
  void registerRoutes(http::HttpServer& server);
  std::uint64_t written() const { return written_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  store::Store* store_;
  std::uint64_t written_ = 0;
};

}  // namespace rtcgate::events
