#include "ng/Bencode.hpp"

#include <charconv>
#include <cstdint>

namespace rtcgate::ng {
namespace {

class Decoder {
 public:
  explicit Decoder(std::string_view input) : input_(input) {}

  Result<Value> decodeAll() {
    auto value = decodeValue(0);
    if (!value) return value;
    if (pos_ != input_.size()) return Error{"trailing data after bencode value"};
    return value;
  }

 private:
  bool atEnd() const { return pos_ >= input_.size(); }
  char peek() const { return input_[pos_]; }

  Result<Value> decodeValue(int depth) {
    if (depth > Bencode::kMaxDepth) return Error{"bencode nested too deeply"};
    if (atEnd()) return Error{"truncated bencode"};
    const char c = peek();
    if (c == 'i') return decodeInteger();
    if (c == 'l') return decodeList(depth);
    if (c == 'd') return decodeDict(depth);
    if (c >= '0' && c <= '9') {
      auto text = decodeString();
      if (!text) return Error{text.error()};
      return Value(*text);
    }
    return Error{"invalid bencode type"};
  }

  Result<std::string_view> decodeString() {
    const std::size_t colon = input_.find(':', pos_);
    if (colon == std::string_view::npos || colon == pos_) return Error{"bad bencode string"};
    const std::string_view digits = input_.substr(pos_, colon - pos_);
    if (digits.size() > 1 && digits[0] == '0') return Error{"leading zero in string length"};
    std::uint64_t length = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      return Error{"bad bencode string length"};
    }
    if (length > input_.size() - colon - 1) return Error{"truncated bencode string"};
    pos_ = colon + 1 + length;
    return input_.substr(colon + 1, length);
  }

  Result<Value> decodeInteger() {
    const std::size_t end = input_.find('e', pos_);
    if (end == std::string_view::npos) return Error{"truncated bencode integer"};
    std::string_view digits = input_.substr(pos_ + 1, end - pos_ - 1);
    const std::string_view magnitude = digits.starts_with('-') ? digits.substr(1) : digits;
    if (magnitude.empty() || (magnitude.size() > 1 && magnitude[0] == '0') ||
        (digits[0] == '-' && magnitude == "0")) {
      return Error{"bad bencode integer"};
    }
    std::int64_t number = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      return Error{"bad bencode integer"};
    }
    pos_ = end + 1;
    return Value::integer(number);
  }

  Result<Value> decodeList(int depth) {
    ++pos_;
    Value list = Value::list();
    while (true) {
      if (atEnd()) return Error{"truncated bencode list"};
      if (peek() == 'e') break;
      auto item = decodeValue(depth + 1);
      if (!item) return item;
      list.push(std::move(*item));
    }
    ++pos_;
    return list;
  }

  Result<Value> decodeDict(int depth) {
    ++pos_;
    Value dict = Value::dict();
    while (true) {
      if (atEnd()) return Error{"truncated bencode dictionary"};
      if (peek() == 'e') break;
      if (peek() < '0' || peek() > '9') return Error{"bencode dictionary key is not a string"};
      auto key = decodeString();
      if (!key) return Error{key.error()};
      auto item = decodeValue(depth + 1);
      if (!item) return item;
      // Like rtpengine, a duplicate key does not fail the message; the first one wins.
      if (dict.find(*key) == nullptr) dict.set(*key, std::move(*item));
    }
    ++pos_;
    return dict;
  }

  std::string_view input_;
  std::size_t pos_ = 0;
};

void encodeString(std::string_view text, std::string& out) {
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

}  // namespace

Result<Value> Bencode::decode(std::string_view input) { return Decoder(input).decodeAll(); }

void Bencode::encode(const Value& value, std::string& out) {
  switch (value.type()) {
    case Value::Type::String:
      encodeString(value.str(), out);
      return;
    case Value::Type::Integer:
      out += 'i';
      out += std::to_string(value.integerValue());
      out += 'e';
      return;
    case Value::Type::List:
      out += 'l';
      for (const Value& item : value.items()) encode(item, out);
      out += 'e';
      return;
    case Value::Type::Dict:
      out += 'd';
      for (std::size_t i = 0; i < value.size(); ++i) {
        encodeString(value.keys()[i], out);
        encode(value.items()[i], out);
      }
      out += 'e';
      return;
  }
}

std::string Bencode::encode(const Value& value) {
  std::string out;
  encode(value, out);
  return out;
}

}  // namespace rtcgate::ng
