#include "proxy/Registrar.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/SecureRandom.hpp"
#include "sip/DeltaSeconds.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::proxy {
namespace {

using std::chrono::seconds;

// One Contact of the REGISTER, validated, before anything is changed.
struct ContactChange {
  std::string_view uri;
  std::string_view instance;  // raw, quotes kept
  std::uint32_t regId = 0;    // only kept when outbound applies
  seconds expires{0};
  std::uint16_t q = 1000;
  bool outbound = false;
  std::string key;
};

struct Refusal {
  int status;
  const char* reason;
};

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as thousandths.
std::optional<std::uint16_t> parseQ(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  unsigned value = static_cast<unsigned>(text[0] - '0') * 1000;
  if (text.size() == 1) return static_cast<std::uint16_t>(value);
  if (text[1] != '.' || text.size() > 5) return std::nullopt;
  unsigned scale = 100;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    value += static_cast<unsigned>(c - '0') * scale;
    scale /= 10;
  }
  if (value > 1000) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::optional<std::uint32_t> parseRegId(std::string_view text) {
  auto value = sip::parseDeltaSeconds(text);
  if (!value || *value == 0 || *value > 0x7fffffff) return std::nullopt;
  return *value;
}

// RFC 3261 20.19: a malformed Expires value is treated like 3600 -- here, like the configured
// default -- rather than refused.
std::optional<seconds> parseExpires(std::string_view text) {
  auto value = sip::parseDeltaSeconds(text);
  if (!value) return std::nullopt;
  return seconds(*value);
}

std::string formatQ(std::uint16_t q) {
  if (q >= 1000) return "1";
  std::string text = "0." + std::to_string(1000 + q).substr(1);
  while (text.back() == '0') text.pop_back();
  return text == "0." ? "0" : text;
}

std::string joinValues(const std::vector<std::string_view>& values) {
  std::string joined;
  for (auto value : values) {
    if (!joined.empty()) joined.append(", ");
    joined.append(value);
  }
  return joined;
}

std::string contactValue(const Binding& binding, WallSeconds now) {
  std::string value;
  value.reserve(binding.contact.size() + binding.instance.size() + 48);
  value.append("<").append(binding.contact).append(">;expires=");
  value.append(std::to_string(binding.remaining(now).count()));
  if (binding.q != 1000) value.append(";q=").append(formatQ(binding.q));
  if (!binding.instance.empty()) value.append(";+sip.instance=").append(binding.instance);
  if (binding.outbound()) value.append(";reg-id=").append(std::to_string(binding.regId));
  return value;
}

// RFC 3261 8.2.6.2 wants a To tag, 19.3 a random one; retransmissions of the request are
// answered by the server transaction with the same response, so they see the same tag.
std::string newToTag() { return SecureRandom::hex(8); }

// Outbound needs us to be the first hop: no Path, or an edge proxy that marked its Path ;ob.
bool firstHopSupportsOutbound(const std::vector<std::string_view>& paths) {
  if (paths.empty()) return true;
  auto first = sip::parseNameAddr(paths.front());
  return first.ok() && first->uri.hasParam("ob");
}

class RegisterRequest {
 public:
  RegisterRequest(const sip::SipMessage& request, const RegistrarOptions& options)
      : request_(request), options_(options), paths_(request.all(sip::HeaderId::Path)) {}

  // Parses and validates every Contact; nothing is changed yet.
  std::optional<Refusal> parse() {
    if (const auto* expires = request_.find(sip::HeaderId::Expires)) {
      headerExpires_ = parseExpires(expires->value).value_or(options_.defaultExpires);
    }
    const bool outboundPossible = firstHopSupportsOutbound(paths_);
    int regIds = 0;
    for (auto text : request_.all(sip::HeaderId::Contact)) {
      auto contact = sip::parseNameAddr(text);
      if (!contact.ok()) return Refusal{400, "Bad Contact"};
      if (contact->star) {
        star_ = true;
        continue;
      }
      auto change = parseContact(*contact, outboundPossible);
      if (!change.ok()) return Refusal{400, change.error()};
      if (change->regId != 0) ++regIds;
      changes_.push_back(std::move(change).value());
    }
    if (star_ && (!changes_.empty() || !headerExpires_ || headerExpires_->count() != 0)) {
      return Refusal{400, "Contact * needs Expires: 0 and no other Contact"};
    }
    // RFC 5626 6: a REGISTER for a flow (reg-id) registers exactly one Contact.
    if (regIds > 0 && changes_.size() > 1) return Refusal{400, "reg-id with several Contacts"};
    if (regIds > 0 && !outboundPossible) return Refusal{439, "First Hop Lacks Outbound Support"};
    return std::nullopt;
  }

  bool fetch() const { return !star_ && changes_.empty(); }
  bool star() const { return star_; }
  bool outboundApplied() const {
    return std::any_of(changes_.begin(), changes_.end(),
                       [](const ContactChange& c) { return c.outbound && c.expires.count() > 0; });
  }
  const std::vector<ContactChange>& changes() const { return changes_; }
  const std::vector<std::string_view>& paths() const { return paths_; }

 private:
  Result<ContactChange> parseContact(const sip::NameAddr& contact, bool outboundPossible) const {
    ContactChange change;
    change.uri = contact.uriText;
    if (auto expires = contact.params.get("expires")) {
      change.expires = parseExpires(*expires).value_or(options_.defaultExpires);
    } else {
      change.expires = headerExpires_.value_or(options_.defaultExpires);
    }
    if (auto q = contact.params.get("q")) {
      auto parsed = parseQ(*q);
      if (!parsed) return Error{"Bad Contact q"};
      change.q = *parsed;
    }
    change.instance = contact.params.get("+sip.instance").value_or("");
    if (auto regId = contact.params.get("reg-id"); regId && !change.instance.empty()) {
      auto parsed = parseRegId(*regId);
      if (!parsed) return Error{"Bad Contact reg-id"};
      change.regId = *parsed;
      change.outbound = outboundPossible;
    }
    change.key = Binding::keyFor(change.uri, change.instance, change.regId);
    return change;
  }

  const sip::SipMessage& request_;
  const RegistrarOptions& options_;
  std::vector<std::string_view> paths_;
  std::optional<seconds> headerExpires_;
  std::vector<ContactChange> changes_;
  bool star_ = false;
};

const Binding* findLive(const std::vector<Binding>* bindings, std::string_view key,
                        WallSeconds now) {
  if (!bindings) return nullptr;
  for (const auto& binding : *bindings) {
    if (binding.key == key && !binding.expired(now)) return &binding;
  }
  return nullptr;
}

// RFC 3261 10.3 steps 6 and 7: a request is out of order for a binding when it comes from the
// same Call-ID with a CSeq not above the one that last changed the binding.
bool outOfOrder(const sip::SipMessage& request, const Binding& binding) {
  return binding.callId == request.callId() && request.cseq() <= binding.cseq;
}

// Makes room for the contacts just registered by dropping the AOR's least recently refreshed
// other bindings (see RegistrarOptions::maxContacts).
void evictOldest(LocationService& location, std::string_view aor, WallSeconds now,
                 std::size_t maxContacts, const std::vector<ContactChange>& keep) {
  auto live = location.lookup(aor, now);
  if (live.size() <= maxContacts) return;
  std::sort(live.begin(), live.end(),
            [](const Binding& a, const Binding& b) { return a.registeredAt < b.registeredAt; });
  std::size_t excess = live.size() - maxContacts;
  for (const auto& binding : live) {
    if (excess == 0) break;
    const bool justRegistered = std::any_of(
        keep.begin(), keep.end(), [&](const ContactChange& c) { return c.key == binding.key; });
    if (!justRegistered && location.remove(aor, binding.key)) --excess;
  }
}

// Everything that can refuse the request given the current bindings, before anything changes.
std::optional<Refusal> checkAgainstBindings(const sip::SipMessage& request,
                                            const RegisterRequest& parsed,
                                            const std::vector<Binding>* existing,
                                            const RegistrarOptions& options, WallSeconds now) {
  if (parsed.star()) {
    if (!existing) return std::nullopt;
    for (const auto& binding : *existing) {
      if (!binding.expired(now) && outOfOrder(request, binding)) {
        return Refusal{500, "Out of order CSeq"};
      }
    }
    return std::nullopt;
  }
  std::size_t adding = 0;
  for (const auto& change : parsed.changes()) {
    if (change.expires.count() != 0 && change.expires < options.minExpires) {
      return Refusal{423, "Interval Too Brief"};
    }
    const Binding* current = findLive(existing, change.key, now);
    if (current && outOfOrder(request, *current)) return Refusal{500, "Out of order CSeq"};
    if (change.expires.count() != 0) ++adding;
  }
  if (adding > options.maxContacts) return Refusal{403, "Too Many Contacts"};
  return std::nullopt;
}

Binding makeBinding(const ContactChange& change, const sip::SipMessage& request,
                    const sip::Flow& flow, const std::string& path, seconds maxExpires,
                    WallSeconds now) {
  Binding binding;
  binding.key = change.key;
  binding.contact.assign(change.uri);
  binding.q = change.q;
  binding.expiresAt = now + std::min(change.expires, maxExpires);
  binding.registeredAt = now;
  binding.callId.assign(request.callId());
  binding.cseq = request.cseq();
  binding.path = path;
  binding.instance.assign(change.instance);
  binding.regId = change.outbound ? change.regId : 0;
  if (const auto* userAgent = request.find(sip::HeaderId::UserAgent)) {
    binding.userAgent.assign(userAgent->value);
  }
  binding.flow = flow;
  binding.flags = change.outbound ? Binding::kOutbound : 0;
  return binding;
}

void applyChanges(LocationService& location, const RegistrarOptions& options,
                  const sip::SipMessage& request, const RegisterRequest& parsed,
                  const sip::Flow& flow, std::string_view aor, WallSeconds now) {
  const std::string path = joinValues(parsed.paths());
  for (const auto& change : parsed.changes()) {
    if (change.expires.count() == 0) {
      location.remove(aor, change.key);
    } else {
      location.save(aor, makeBinding(change, request, flow, path, options.maxExpires, now));
    }
  }
  evictOldest(location, aor, now, options.maxContacts, parsed.changes());
}

}  // namespace

sip::SipMessage Registrar::handle(const sip::SipMessage& request, const sip::Flow& flow,
                                  std::string_view aor, WallSeconds now) {
  const std::string toTag = newToTag();
  RegisterRequest parsed(request, options_);
  auto refusal = parsed.parse();
  if (!refusal) refusal = checkAgainstBindings(request, parsed, location_.find(aor), options_, now);
  if (refusal) {
    auto response = request.makeResponse(refusal->status, refusal->reason, toTag);
    if (refusal->status == 423) {
      response.appendHeader(sip::HeaderId::MinExpires, std::to_string(options_.minExpires.count()));
    }
    return response;
  }

  if (parsed.star()) {
    location_.removeAll(aor);
  } else if (!parsed.fetch()) {
    applyChanges(location_, options_, request, parsed, flow, aor, now);
  }

  auto response = request.makeResponse(200, "OK", toTag);
  for (const auto& binding : location_.lookup(aor, now)) {
    response.appendHeader(sip::HeaderId::Contact, contactValue(binding, now));
  }
  for (auto path : parsed.paths()) response.appendHeader(sip::HeaderId::Path, std::string(path));
  if (parsed.outboundApplied()) response.appendHeader(sip::HeaderId::Require, "outbound");
  return response;
}

}  // namespace rtcgate::proxy
