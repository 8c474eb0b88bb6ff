#include "ng/Value.hpp"

#include <charconv>

namespace rtcgate::ng {

Value Value::integer(std::int64_t number) {
  Value value;
  value.type_ = Type::Integer;
  value.integer_ = number;
  return value;
}

Value Value::list() {
  Value value;
  value.type_ = Type::List;
  return value;
}

Value Value::dict() {
  Value value;
  value.type_ = Type::Dict;
  return value;
}

Result<std::int64_t> Value::number() const {
  if (type_ == Type::Integer) return integer_;
  if (type_ != Type::String || string_.empty()) return Error{"not a number"};
  std::int64_t parsed = 0;
  const char* end = string_.data() + string_.size();
  auto [ptr, ec] = std::from_chars(string_.data(), end, parsed);
  if (ec != std::errc() || ptr != end) return Error{"not a number"};
  return parsed;
}

Value& Value::push(Value item) {
  items_.push_back(std::move(item));
  return items_.back();
}

Value& Value::set(std::string_view key, Value value) {
  if (Value* existing = find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  keys_.emplace_back(key);
  items_.push_back(std::move(value));
  return items_.back();
}

const Value* Value::find(std::string_view key) const {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &items_[i];
  }
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->find(key));
}

std::string_view Value::stringAt(std::string_view key) const {
  const Value* value = find(key);
  return value != nullptr && value->isString() ? std::string_view(value->str())
                                               : std::string_view();
}

}  // namespace rtcgate::ng
