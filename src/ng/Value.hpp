#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/Result.hpp"

namespace rtcgate::ng {

// One bencode value as the ng protocol uses it: byte string, integer, list, or dictionary with
// string keys kept in insertion order (rtpengine neither sorts nor requires sorted keys).
class Value {
 public:
  enum class Type { String, Integer, List, Dict };

  Value() = default;
  Value(std::string_view text) : string_(text) {}        // NOLINT(google-explicit-constructor)
  Value(const char* text) : string_(text) {}             // NOLINT(google-explicit-constructor)
  Value(std::string text) : string_(std::move(text)) {}  // NOLINT(google-explicit-constructor)
  static Value integer(std::int64_t number);
  static Value list();
  static Value dict();

  Type type() const { return type_; }
  bool isString() const { return type_ == Type::String; }
  bool isInteger() const { return type_ == Type::Integer; }
  bool isList() const { return type_ == Type::List; }
  bool isDict() const { return type_ == Type::Dict; }

  const std::string& str() const { return string_; }
  std::int64_t integerValue() const { return integer_; }
  // ng sends numbers either as `i20e` or as the string "20"; both are accepted here.
  Result<std::int64_t> number() const;

  const std::vector<Value>& items() const { return items_; }  // list items or dict values
  std::vector<Value>& items() { return items_; }
  const std::vector<std::string>& keys() const { return keys_; }  // dict keys, parallel to items
  std::size_t size() const { return items_.size(); }

  Value& push(Value item);
  // Dictionary: replaces the value of an existing key, else appends.
  Value& set(std::string_view key, Value value);
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // The string value of `key`, or empty when absent or not a string.
  std::string_view stringAt(std::string_view key) const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  Type type_ = Type::String;
  std::string string_;
  std::int64_t integer_ = 0;
  std::vector<Value> items_;
  std::vector<std::string> keys_;
};

}  // namespace rtcgate::ng
