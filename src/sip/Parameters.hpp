#pragma once

#include <optional>
#include <string_view>

namespace rtcgate::sip {

// A view over a ";name=value;flag;..." parameter list (URI or header parameters) as written on the
// wire, starting at the first ';'. Lookups are case-insensitive on names and do not allocate.
// Values are returned raw: quotes are kept, escapes are not decoded.
class Parameters {
 public:
  Parameters() = default;
  explicit Parameters(std::string_view text) : text_(text) {}

  // nullopt when absent; an empty view when present without a value (";lr").
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  std::string_view text() const { return text_; }

  // Calls fn(name, value) for each parameter in order; value is empty for a bare flag.
  template <class Fn>
  void forEach(Fn&& fn) const;

 private:
  std::string_view text_;
};

// Splits one parameter off the front of text (which starts after a ';'); returns the rest.
std::string_view nextParameter(std::string_view text, std::string_view& name,
                               std::string_view& value);

// True when text is a well-formed header parameter list: *( SEMI token [ EQUAL gen-value ] ) with
// gen-value = token / host / quoted-string (RFC 3261 25.1), LWS allowed around ';' and '='. An
// empty list is valid; ";;" (an empty name) is not.
bool validHeaderParameters(std::string_view text);

template <class Fn>
void Parameters::forEach(Fn&& fn) const {
  std::string_view rest = text_;
  while (!rest.empty()) {
    if (rest.front() == ';') rest.remove_prefix(1);
    std::string_view name, value;
    rest = nextParameter(rest, name, value);
    if (!name.empty()) fn(name, value);
  }
}

}  // namespace rtcgate::sip
