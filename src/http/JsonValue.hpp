#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/Result.hpp"

namespace rtcgate::http {

// A parsed JSON document, enough for `rtcgate ctl` to read the management API's answers: objects
// keep their key order (tables print columns in the order the server sends them). Lookups on the
// wrong type or a missing key give null instead of failing, so formatting code stays linear.
class JsonValue {
 public:
  using Array = std::vector<JsonValue>;
  using Object = std::vector<std::pair<std::string, JsonValue>>;

  JsonValue() = default;  // null
  explicit JsonValue(bool value) : value_(value) {}
  explicit JsonValue(double value) : value_(value) {}
  explicit JsonValue(std::string value) : value_(std::move(value)) {}
  // Without this, a string literal would pick the bool constructor.
  explicit JsonValue(const char* value) : value_(std::string(value)) {}
  explicit JsonValue(Array value) : value_(std::move(value)) {}
  explicit JsonValue(Object value) : value_(std::move(value)) {}

  // Strict RFC 8259, nesting at most 64 deep; trailing bytes other than whitespace are refused.
  static Result<JsonValue> parse(std::string_view text);

  bool isNull() const { return value_.index() == 0; }
  bool isBool() const { return value_.index() == 1; }
  bool isNumber() const { return value_.index() == 2; }
  bool isString() const { return value_.index() == 3; }
  bool isArray() const { return value_.index() == 4; }
  bool isObject() const { return value_.index() == 5; }

  bool asBool() const { return isBool() && std::get<1>(value_); }
  double asNumber() const { return isNumber() ? std::get<2>(value_) : 0; }
  const std::string& asString() const;
  const Array& asArray() const;
  const Object& asObject() const;

  // Member of an object (null when absent or not an object), element of an array.
  const JsonValue& operator[](std::string_view key) const;
  const JsonValue& operator[](std::size_t index) const;
  bool has(std::string_view key) const;
  std::size_t size() const;  // elements or members; 0 for scalars

  // A scalar as a human reads it: strings unquoted, 12 not 12.0, true/false, "" for null;
  // arrays and objects as compact JSON.
  std::string toText() const;
  // Compact JSON.
  std::string dump() const;

 private:
  std::variant<std::monostate, bool, double, std::string, Array, Object> value_;
};

}  // namespace rtcgate::http
