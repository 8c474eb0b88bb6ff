#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace rtcgate {

// Why something from outside (a packet, a message, a config value) was refused. The reason is a
// static string so that building an error on the packet path never allocates.
struct Error {
  const char* reason = "error";
};

// A value or the reason there is none: how untrusted input is answered everywhere on the packet
// path, instead of exceptions (C++23's std::expected, trimmed to what we use). `E` is the error
// type: the static-reason Error by default; a seam whose callers must tell failures apart (e.g.
// mediacontrol::RelayError) passes a typed one, so that nobody chooses by searching the text.
// [[nodiscard]]: a dropped Result is a dropped error; where ignoring one is right, cast it to
// (void) and say why.
template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(E error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // With the default Error, its reason text (what every caller of the plain form wants); with a
  // typed error, the error itself.
  decltype(auto) error() const {
    if constexpr (std::is_same_v<E, Error>) {
      return std::get<1>(state_).reason;
    } else {
      return (std::get<1>(state_));  // parenthesised: a const E&, not a copy
    }
  }

 private:
  std::variant<T, E> state_;
};

// Success or a static reason, for operations that return nothing else (store writes).
using Status = Result<std::monostate>;
inline Status success() { return std::monostate{}; }

}  // namespace rtcgate
