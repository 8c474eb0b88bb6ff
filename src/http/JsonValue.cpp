#include "http/JsonValue.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>

#include "http/Json.hpp"

namespace rtcgate::http {

namespace {

constexpr int kMaxDepth = 64;

// Recursive descent over the text; every failure is a static reason.
class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  Result<JsonValue> document() {
    auto value = parseValue(0);
    if (!value) return value;
    skipSpace();
    if (pos_ != text_.size()) return Error{"json: trailing characters after the value"};
    return value;
  }

 private:
  Result<JsonValue> parseValue(int depth) {
    skipSpace();
    if (depth >= kMaxDepth) return Error{"json: nested too deeply"};
    if (pos_ >= text_.size()) return Error{"json: unexpected end of input"};
    switch (text_[pos_]) {
      case '{':
        return parseObject(depth);
      case '[':
        return parseArray(depth);
      case '"': {
        auto text = parseString();
        if (!text) return Error{text.error()};
        return JsonValue(std::move(*text));
      }
      case 't':
        return literal("true", JsonValue(true));
      case 'f':
        return literal("false", JsonValue(false));
      case 'n':
        return literal("null", JsonValue());
      default:
        return parseNumber();
    }
  }

  Result<JsonValue> parseObject(int depth) {
    ++pos_;
    JsonValue::Object members;
    skipSpace();
    if (consume('}')) return JsonValue(std::move(members));
    while (true) {
      skipSpace();
      auto key = parseString();
      if (!key) return Error{key.error()};
      skipSpace();
      if (!consume(':')) return Error{"json: expected ':' after an object key"};
      auto value = parseValue(depth + 1);
      if (!value) return value;
      members.emplace_back(std::move(*key), std::move(*value));
      skipSpace();
      if (consume('}')) return JsonValue(std::move(members));
      if (!consume(',')) return Error{"json: expected ',' or '}' in an object"};
    }
  }

  Result<JsonValue> parseArray(int depth) {
    ++pos_;
    JsonValue::Array elements;
    skipSpace();
    if (consume(']')) return JsonValue(std::move(elements));
    while (true) {
      auto value = parseValue(depth + 1);
      if (!value) return value;
      elements.push_back(std::move(*value));
      skipSpace();
      if (consume(']')) return JsonValue(std::move(elements));
      if (!consume(',')) return Error{"json: expected ',' or ']' in an array"};
    }
  }

  Result<std::string> parseString() {
    if (!consume('"')) return Error{"json: expected a string"};
    std::string out;
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return Error{"json: control character in a string"};
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      const char escape = text_[pos_++];
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out.push_back(escape);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u':
          if (!unicodeEscape(out)) return Error{"json: bad \\u escape"};
          break;
        default:
          return Error{"json: unknown escape in a string"};
      }
    }
    return Error{"json: unterminated string"};
  }

  bool hex4(std::uint32_t& out) {
    if (pos_ + 4 > text_.size()) return false;
    const auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, out, 16);
    if (ec != std::errc() || end != text_.data() + pos_ + 4) return false;
    pos_ += 4;
    return true;
  }

  // \uXXXX, with UTF-16 surrogate pairs joined, appended as UTF-8.
  bool unicodeEscape(std::string& out) {
    std::uint32_t code = 0;
    if (!hex4(code)) return false;
    if (code >= 0xD800 && code <= 0xDBFF) {
      std::uint32_t low = 0;
      if (text_.substr(pos_, 2) != "\\u") return false;
      pos_ += 2;
      if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    } else if (code >= 0xDC00 && code <= 0xDFFF) {
      return false;
    }
    appendUtf8(out, code);
    return true;
  }

  static void appendUtf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
      out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code >> 6)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (code >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (code >> 18)));
      out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  Result<JsonValue> parseNumber() {
    // The JSON grammar first (from_chars would also take "inf", "nan" or a leading '+').
    const std::size_t start = pos_;
    consume('-');
    if (!consume('0') && !digits()) return Error{"json: unexpected character"};
    if (consume('.') && !digits()) return Error{"json: digits expected after '.'"};
    if (consume('e') || consume('E')) {
      if (!consume('+')) consume('-');
      if (!digits()) return Error{"json: digits expected in an exponent"};
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, value);
    if (ec != std::errc() || end != text_.data() + pos_) return Error{"json: number out of range"};
    return JsonValue(value);
  }

  bool digits() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  Result<JsonValue> literal(std::string_view word, JsonValue value) {
    if (text_.substr(pos_, word.size()) != word) return Error{"json: unexpected character"};
    pos_ += word.size();
    return value;
  }

  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

const JsonValue kNull;
const std::string kEmptyString;
const JsonValue::Array kEmptyArray;
const JsonValue::Object kEmptyObject;

std::string numberText(double value) {
  // Counters and ids are integers: print 12, not 12.0 or 1.2e+01.
  if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<long long>(value));
  }
  return fmt::format("{}", value);
}

}  // namespace

Result<JsonValue> JsonValue::parse(std::string_view text) { return JsonParser(text).document(); }

const std::string& JsonValue::asString() const {
  return isString() ? std::get<3>(value_) : kEmptyString;
}

const JsonValue::Array& JsonValue::asArray() const {
  return isArray() ? std::get<4>(value_) : kEmptyArray;
}

const JsonValue::Object& JsonValue::asObject() const {
  return isObject() ? std::get<5>(value_) : kEmptyObject;
}

const JsonValue& JsonValue::operator[](std::string_view key) const {
  for (const auto& [name, value] : asObject()) {
    if (name == key) return value;
  }
  return kNull;
}

const JsonValue& JsonValue::operator[](std::size_t index) const {
  const auto& array = asArray();
  return index < array.size() ? array[index] : kNull;
}

bool JsonValue::has(std::string_view key) const {
  for (const auto& member : asObject()) {
    if (member.first == key) return true;
  }
  return false;
}

std::size_t JsonValue::size() const {
  if (isArray()) return asArray().size();
  if (isObject()) return asObject().size();
  return 0;
}

std::string JsonValue::toText() const {
  if (isNull()) return "";
  if (isBool()) return asBool() ? "true" : "false";
  if (isNumber()) return numberText(asNumber());
  if (isString()) return asString();
  return dump();
}

std::string JsonValue::dump() const {
  std::string out;
  if (isNull()) {
    out = "null";
  } else if (isBool() || isNumber()) {
    out = toText();
  } else if (isString()) {
    http::appendJsonString(out, asString());
  } else if (isArray()) {
    out = "[";
    for (std::size_t i = 0; i < asArray().size(); ++i) {
      if (i > 0) out += ',';
      out += asArray()[i].dump();
    }
    out += ']';
  } else {
    out = "{";
    bool first = true;
    for (const auto& [name, value] : asObject()) {
      if (!first) out += ',';
      first = false;
      http::appendJsonString(out, name);
      out += ':' + value.dump();
    }
    out += '}';
  }
  return out;
}

}  // namespace rtcgate::http
