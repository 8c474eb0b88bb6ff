#pragma once

#include <string>
#include <utility>

namespace rtcgate::io {

// Success or a human-readable reason, for start-up operations (binding listeners, loading TLS
// files) whose errors name a runtime value such as a listen URL. Packet-path code uses
// rtcgate::Result with static reasons instead; this one may allocate. [[nodiscard]] as Result is.
class [[nodiscard]] Status {
 public:
  static Status success() { return Status(); }
  static Status failure(std::string error) { return Status(std::move(error)); }

  bool ok() const { return error_.empty(); }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return error_; }

 private:
  Status() = default;
  explicit Status(std::string error) : error_(std::move(error)) {
    if (error_.empty()) error_ = "unknown error";
  }

  std::string error_;
};

}  // namespace rtcgate::io
