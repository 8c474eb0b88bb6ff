#include "sip/SipMessage.hpp"

#include <algorithm>
#include <charconv>
#include <functional>

#include "sip/DeltaSeconds.hpp"
#include "sip/Lex.hpp"
#include "sip/MessageLimits.hpp"
#include "sip/NameAddr.hpp"

namespace rtcgate::sip {
namespace {

constexpr std::string_view kVersion = "SIP/2.0";
constexpr std::string_view kCrlf = "\r\n";

// Classifies a SIP-Version: 0 = SIP/2.0, 1 = another well-formed version, -1 = not a version.
int classifyVersion(std::string_view v) {
  if (lex::iequals(v, kVersion)) return 0;
  if (!lex::istartsWith(v, "SIP/")) return -1;
  std::string_view rest = v.substr(4);
  std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == rest.size()) return -1;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (i != dot && !lex::isDigit(rest[i])) return -1;
  }
  return 1;
}

// rfc1123-date = wkday "," SP 2DIGIT SP month SP 4DIGIT SP 2DIGIT ":" 2DIGIT ":" 2DIGIT SP "GMT"
bool validSipDate(std::string_view d) {
  constexpr std::string_view kShape = "Aaa, 00 Aaa 0000 00:00:00 GMT";
  if (d.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const char want = kShape[i];
    if (want == 'A' || want == 'a') {
      if (!lex::isAlpha(d[i])) return false;
    } else if (want == '0') {
      if (!lex::isDigit(d[i])) return false;
    } else if (d[i] != want) {
      return false;
    }
  }
  return true;
}

// CSeq = 1*DIGIT LWS Method, number < 2^31 (RFC 3261 8.1.1.5).
bool parseCSeq(std::string_view value, std::uint32_t& number, std::string_view& method) {
  std::size_t i = 0;
  while (i < value.size() && lex::isDigit(value[i])) ++i;
  if (!lex::parseUnsigned<std::uint32_t>(value.substr(0, i), 0x7fffffffU, number)) return false;
  const std::size_t lws = i;
  while (i < value.size() && lex::isLws(value[i])) ++i;
  if (i == lws) return false;
  method = value.substr(i);
  return lex::isToken(method);
}

bool validCallId(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v) {
    if (lex::isLws(c) || lex::isCtl(c)) return false;
  }
  return true;
}

const char* badHeaderReason(HeaderId id) {
  switch (id) {
    case HeaderId::Via:
      return "Bad Via";
    case HeaderId::From:
      return "Bad From";
    case HeaderId::To:
      return "Bad To";
    case HeaderId::Contact:
      return "Bad Contact";
    case HeaderId::Route:
      return "Bad Route";
    case HeaderId::RecordRoute:
      return "Bad Record-Route";
    case HeaderId::Path:
      return "Bad Path";
    default:
      return "Bad header";
  }
}

bool inside(std::string_view v, const std::string& s) {
  std::less<const char*> less;
  return v.data() != nullptr && !less(v.data(), s.data()) &&
         !less(s.data() + s.size(), v.data() + v.size());
}

bool uriPartsTooLong(const SipUri& uri) {
  return uri.user.size() > MessageLimits::kUserPart || uri.host.size() > MessageLimits::kHost;
}

void appendNumber(std::string& out, std::size_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

}  // namespace

bool isLimitError(const char* reason) {
  return reason == kErrorUriTooLong || reason == kErrorUriPartTooLong ||
         reason == kErrorHeaderTooLong || reason == kErrorTooManyHeaders ||
         reason == kErrorTooManyVias || reason == kErrorTooManyRoutes;
}

int statusForParseError(const char* reason) {
  if (reason == kErrorBadVersion) return 505;
  if (reason == kErrorUriTooLong) return 414;
  if (reason == kErrorUnknownMethodMismatch) return 501;
  return 400;
}

Result<SipMessage> SipMessage::parse(std::string buffer) {
  SipMessage m;
  m.buffer_ = std::make_unique<std::string>(std::move(buffer));
  if (const char* error = m.parseFraming()) return Error{error};
  if (const char* error = m.indexEssentials()) return Error{error};
  return m;
}

SipMessage SipMessage::parseUnchecked(std::string buffer) {
  SipMessage m;
  m.buffer_ = std::make_unique<std::string>(std::move(buffer));
  if (m.parseFraming() == nullptr) m.indexEssentials(false);
  return m;
}

const char* SipMessage::parseFraming() {
  const std::string_view data(*buffer_);
  std::size_t pos = 0;
  while (data.substr(pos).starts_with(kCrlf)) pos += 2;  // RFC 3261 7.5: ignore leading CRLFs
  std::size_t eol = data.find('\n', pos);
  if (eol == std::string_view::npos) return "Incomplete message";
  std::string_view startLine = data.substr(pos, eol - pos);
  if (startLine.ends_with('\r')) startLine.remove_suffix(1);
  if (const char* error = parseStartLine(startLine)) return error;

  // First pass: find the empty line ending the header section and size the index once from its
  // line count (list lines split into more entries; a message with many grows the vector a few
  // times, never once per header).
  const std::size_t headersBegin = eol + 1;
  std::size_t lineBegin = headersBegin;
  std::size_t bodyBegin = std::string_view::npos;
  std::size_t lines = 0;
  while (true) {
    std::size_t lineEnd = data.find('\n', lineBegin);
    if (lineEnd == std::string_view::npos) return "Missing end of headers";
    std::size_t contentEnd =
        (lineEnd > lineBegin && data[lineEnd - 1] == '\r') ? lineEnd - 1 : lineEnd;
    if (contentEnd == lineBegin) {
      bodyBegin = lineEnd + 1;
      break;
    }
    if (++lines > MessageLimits::kHeaderLines) return kErrorTooManyHeaders;
    lineBegin = lineEnd + 1;
  }
  headers_.reserve(lines + 8);

  // Second pass: one field per line plus its continuation lines (folding).
  std::size_t fieldBegin = std::string_view::npos;
  std::size_t fieldEnd = 0;
  for (lineBegin = headersBegin;;) {
    std::size_t lineEnd = data.find('\n', lineBegin);
    std::size_t contentEnd =
        (lineEnd > lineBegin && data[lineEnd - 1] == '\r') ? lineEnd - 1 : lineEnd;
    if (contentEnd == lineBegin) break;
    if (data[lineBegin] == ' ' || data[lineBegin] == '\t') {
      if (fieldBegin == std::string_view::npos) return "Bad header folding";
      fieldEnd = contentEnd;
    } else {
      if (fieldBegin != std::string_view::npos) {
        if (const char* e = addHeaderField(data.substr(fieldBegin, fieldEnd - fieldBegin))) {
          return e;
        }
      }
      fieldBegin = lineBegin;
      fieldEnd = contentEnd;
    }
    lineBegin = lineEnd + 1;
  }
  if (fieldBegin != std::string_view::npos) {
    if (const char* e = addHeaderField(data.substr(fieldBegin, fieldEnd - fieldBegin))) return e;
  }

  // Body: exactly Content-Length octets; the rest of a datagram is discarded (RFC 3261 18.3).
  const std::size_t available = data.size() - bodyBegin;
  bool haveLength = false;
  std::uint32_t length = 0;
  for (const Header& h : headers_) {
    if (h.id != HeaderId::ContentLength) continue;
    std::uint32_t value = 0;
    if (!lex::parseUnsigned<std::uint32_t>(h.value, 0xffffffffU, value)) {
      return "Bad Content-Length";
    }
    if (haveLength && value != length) return "Conflicting Content-Length";
    haveLength = true;
    length = value;
  }
  if (haveLength && length > available) return "Content-Length exceeds data";
  body_ = data.substr(bodyBegin, haveLength ? length : available);
  return nullptr;
}

const char* SipMessage::parseStartLine(std::string_view line) {
  version_ = kVersion;
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return "Bad start line";
  if (lex::istartsWith(line, "SIP/")) {
    isRequest_ = false;
    const int version = classifyVersion(line.substr(0, sp1));
    if (version < 0) return "Bad Status-Line";
    if (version > 0) return kErrorBadVersion;
    std::string_view rest = line.substr(sp1 + 1);
    std::size_t sp2 = rest.find(' ');
    std::uint32_t code = 0;
    std::string_view codeText = rest.substr(0, sp2);
    if (codeText.size() != 3 || !lex::parseUnsigned<std::uint32_t>(codeText, 999, code) ||
        code < 100 || code > 699) {
      return "Bad status code";
    }
    statusCode_ = static_cast<int>(code);
    reasonPhrase_ = sp2 == std::string_view::npos ? rest.substr(rest.size()) : rest.substr(sp2 + 1);
    for (char c : reasonPhrase_) {
      if (c == '\r' || c == '\n') return "Bad Status-Line";
    }
    return nullptr;
  }
  isRequest_ = true;
  methodText_ = line.substr(0, sp1);
  if (!lex::isToken(methodText_)) return "Bad Request-Line";
  method_ = methodFromName(methodText_);
  const std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return "Bad Request-Line";
  requestUri_ = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  const int versionClass = classifyVersion(version);
  if (versionClass < 0) return "Bad Request-Line";
  if (requestUri_.size() > MessageLimits::kRequestUri) return kErrorUriTooLong;
  auto uri = parseUri(requestUri_);
  if (!uri) return "Bad Request-URI";
  if (uriPartsTooLong(*uri)) return kErrorUriTooLong;
  // RFC 3261 19.1.1: headers are not allowed in a Request-URI (RFC 4475 escruri).
  if (uri->scheme != UriScheme::Other && !uri->headers.empty()) return "Bad Request-URI";
  if (versionClass > 0) return kErrorBadVersion;
  return nullptr;
}

const char* SipMessage::addHeaderField(std::string_view field) {
  const std::size_t colon = field.find(':');
  if (colon == std::string_view::npos) return "Malformed header";
  std::string_view name = field.substr(0, colon);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  if (!lex::isToken(name)) return "Malformed header";
  const std::string_view value = lex::trim(field.substr(colon + 1));
  if (value.size() > MessageLimits::kHeaderValue) return kErrorHeaderTooLong;
  const HeaderId id = headerIdFromName(name);
  if (!isListHeader(id)) {
    headers_.push_back(Header{id, name, value, field});
    return nullptr;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = lex::findUnquoted(value, ',', start);
    const std::string_view element = lex::trim(value.substr(start, comma - start));
    if (element.empty()) return badHeaderReason(id);
    if (headers_.size() >= MessageLimits::kHeaderEntries) return kErrorTooManyHeaders;
    headers_.push_back(Header{id, name, element, field});
    if (comma == std::string_view::npos) return nullptr;
    start = comma + 1;
  }
}

const char* SipMessage::indexEssentials(bool validate) {
  callId_ = {};
  cseq_ = 0;
  cseqMethodText_ = {};
  fromTag_ = {};
  toTag_ = {};
  topVia_ = Via{};
  maxForwards_ = -1;
  int vias = 0, callIds = 0, cseqs = 0, froms = 0, tos = 0, maxForwardsCount = 0;
  std::size_t routes = 0, recordRoutes = 0, paths = 0;
  for (const Header& h : headers_) {
    switch (h.id) {
      case HeaderId::Via: {
        if (vias > 0 && !validate) break;
        if (static_cast<std::size_t>(vias) >= MessageLimits::kVias) return kErrorTooManyVias;
        auto via = parseVia(h.value);
        if (!via) return "Bad Via";
        if (vias++ == 0) topVia_ = *via;
        break;
      }
      case HeaderId::CallId:
        if (callIds++ > 0) return "Multiple Call-ID";
        if (!validCallId(h.value)) return "Bad Call-ID";
        callId_ = h.value;
        break;
      case HeaderId::CSeq:
        if (cseqs++ > 0) return "Multiple CSeq";
        if (!parseCSeq(h.value, cseq_, cseqMethodText_)) return "Bad CSeq";
        cseqMethod_ = methodFromName(cseqMethodText_);
        break;
      case HeaderId::From:
      case HeaderId::To: {
        if ((h.id == HeaderId::From ? froms++ : tos++) > 0) {
          return h.id == HeaderId::From ? "Multiple From" : "Multiple To";
        }
        auto addr = parseNameAddr(h.value);
        if (!addr || addr->star) return badHeaderReason(h.id);
        if (validate && uriPartsTooLong(addr->uri)) return kErrorUriPartTooLong;
        (h.id == HeaderId::From ? fromTag_ : toTag_) = addr->tag();
        break;
      }
      case HeaderId::Contact:
      case HeaderId::Route:
      case HeaderId::RecordRoute:
      case HeaderId::Path: {
        if (!validate) break;
        std::size_t& entries = h.id == HeaderId::Route         ? routes
                               : h.id == HeaderId::RecordRoute ? recordRoutes
                                                               : paths;
        if (h.id != HeaderId::Contact && ++entries > MessageLimits::kRouteEntries) {
          return kErrorTooManyRoutes;
        }
        auto addr = parseNameAddr(h.value);
        if (!addr || (addr->star && h.id != HeaderId::Contact)) return badHeaderReason(h.id);
        if (uriPartsTooLong(addr->uri)) return kErrorUriPartTooLong;
        break;
      }
      case HeaderId::MaxForwards: {
        std::uint32_t hops = 0;
        if (maxForwardsCount++ > 0) return "Multiple Max-Forwards";
        if (!lex::parseUnsigned<std::uint32_t>(h.value, 255, hops)) return "Bad Max-Forwards";
        maxForwards_ = static_cast<int>(hops);
        break;
      }
      case HeaderId::Date:
        if (validate && !validSipDate(h.value)) return "Bad Date";
        break;
      default:
        break;
    }
  }
  if (vias == 0) return "Missing Via";
  if (callIds == 0) return "Missing Call-ID";
  if (cseqs == 0) return "Missing CSeq";
  if (froms == 0) return "Missing From";
  if (tos == 0) return "Missing To";
  if (!isRequest_) {
    method_ = cseqMethod_;
    methodText_ = cseqMethodText_;
  } else if (cseqMethodText_ != methodText_) {
    return method_ == Method::Other ? kErrorUnknownMethodMismatch : "CSeq method mismatch";
  }
  return nullptr;
}

SipMessage SipMessage::clone() const {
  SipMessage c;
  c.buffer_ = std::make_unique<std::string>(buffer_ ? *buffer_ : std::string());
  c.owned_.reserve(owned_.size());
  for (const auto& text : owned_) c.owned_.push_back(std::make_unique<std::string>(*text));
  // Views move to the same offset in the copied storage; static strings stay as they are.
  auto rebase = [&](std::string_view v) -> std::string_view {
    if (buffer_ && inside(v, *buffer_)) {
      return {c.buffer_->data() + (v.data() - buffer_->data()), v.size()};
    }
    for (std::size_t i = 0; i < owned_.size(); ++i) {
      if (inside(v, *owned_[i])) {
        return {c.owned_[i]->data() + (v.data() - owned_[i]->data()), v.size()};
      }
    }
    return v;
  };
  c.headers_.reserve(headers_.size());
  for (const Header& h : headers_) {
    c.headers_.push_back(Header{h.id, rebase(h.name), rebase(h.value), rebase(h.line)});
  }
  c.isRequest_ = isRequest_;
  c.method_ = method_;
  c.methodText_ = rebase(methodText_);
  c.requestUri_ = rebase(requestUri_);
  c.statusCode_ = statusCode_;
  c.reasonPhrase_ = rebase(reasonPhrase_);
  c.version_ = rebase(version_);
  c.body_ = rebase(body_);
  c.reindex();
  return c;
}

SipMessage SipMessage::makeResponse(int status, std::string_view reason,
                                    std::string_view toTag) const {
  if (status < 100 || status > 699) status = 500;
  std::string text;
  text.reserve(512);
  text.append(kVersion).push_back(' ');
  appendNumber(text, static_cast<std::size_t>(status));
  text.push_back(' ');
  for (char c : reason) text.push_back((c == '\r' || c == '\n') ? ' ' : c);
  text.append(kCrlf);
  for (const Header& h : headers_) {
    switch (h.id) {
      case HeaderId::Via:
      case HeaderId::From:
      case HeaderId::CallId:
      case HeaderId::CSeq:
        text.append(canonicalHeaderName(h.id)).append(": ").append(h.value).append(kCrlf);
        break;
      case HeaderId::To:
        text.append("To: ").append(h.value);
        if (toTag_.empty() && !toTag.empty()) text.append(";tag=").append(toTag);
        text.append(kCrlf);
        break;
      default:
        break;
    }
  }
  text.append("Content-Length: 0\r\n\r\n");
  return parseUnchecked(std::move(text));
}

const Header* SipMessage::find(HeaderId id) const {
  for (const Header& h : headers_) {
    if (h.id == id) return &h;
  }
  return nullptr;
}

const Header* SipMessage::find(std::string_view name) const {
  const HeaderId id = headerIdFromName(name);
  if (id != HeaderId::Other) return find(id);
  for (const Header& h : headers_) {
    if (h.id == HeaderId::Other && lex::iequals(h.name, name)) return &h;
  }
  return nullptr;
}

std::vector<std::string_view> SipMessage::all(HeaderId id) const {
  std::vector<std::string_view> values;
  for (const Header& h : headers_) {
    if (h.id == id) values.push_back(h.value);
  }
  return values;
}

std::size_t SipMessage::count(HeaderId id) const {
  return static_cast<std::size_t>(std::count_if(headers_.begin(), headers_.end(),
                                                [id](const Header& h) { return h.id == id; }));
}

std::optional<std::uint32_t> SipMessage::expires() const {
  const Header* h = find(HeaderId::Expires);
  return h ? parseDeltaSeconds(h->value) : std::nullopt;
}

std::string_view SipMessage::store(std::string text) {
  owned_.push_back(std::make_unique<std::string>(std::move(text)));
  return *owned_.back();
}

void SipMessage::reindex() { indexEssentials(false); }

void SipMessage::reindexIfEssential(HeaderId id) {
  switch (id) {
    case HeaderId::Via:
    case HeaderId::From:
    case HeaderId::To:
    case HeaderId::CallId:
    case HeaderId::CSeq:
    case HeaderId::MaxForwards:
      reindex();
      break;
    default:
      break;
  }
}

void SipMessage::unshareLine(std::string_view line) {
  if (line.empty()) return;
  for (Header& h : headers_) {
    if (h.line.data() == line.data()) h.line = {};
  }
}

void SipMessage::setRequestUri(std::string uri) { requestUri_ = store(std::move(uri)); }

void SipMessage::setStatus(int code, std::string reason) {
  statusCode_ = code;
  reasonPhrase_ = store(std::move(reason));
}

void SipMessage::prependHeader(HeaderId id, std::string value) {
  Header h{id, canonicalHeaderName(id), store(std::move(value)), {}};
  auto pos = headers_.begin();
  if (id != HeaderId::Via) {
    auto first = std::find_if(headers_.begin(), headers_.end(),
                              [id](const Header& x) { return x.id == id; });
    if (first != headers_.end()) {
      pos = first;
    } else {
      auto lastVia = std::find_if(headers_.rbegin(), headers_.rend(),
                                  [](const Header& x) { return x.id == HeaderId::Via; });
      pos = lastVia == headers_.rend() ? headers_.begin() : lastVia.base();
    }
  }
  headers_.insert(pos, h);
  reindexIfEssential(id);
}

void SipMessage::appendHeader(HeaderId id, std::string value) {
  headers_.push_back(Header{id, canonicalHeaderName(id), store(std::move(value)), {}});
  reindexIfEssential(id);
}

void SipMessage::appendHeader(std::string name, std::string value) {
  const std::string_view storedName = store(std::move(name));
  headers_.push_back(Header{headerIdFromName(storedName), storedName, store(std::move(value)), {}});
  reindex();
}

void SipMessage::removeFirst(HeaderId id) {
  auto it =
      std::find_if(headers_.begin(), headers_.end(), [id](const Header& h) { return h.id == id; });
  if (it == headers_.end()) return;
  const std::string_view line = it->line;
  headers_.erase(it);
  unshareLine(line);
  reindexIfEssential(id);
}

void SipMessage::removeAll(HeaderId id) {
  std::erase_if(headers_, [id](const Header& h) { return h.id == id; });
  reindexIfEssential(id);
}

void SipMessage::removeAll(std::string_view name) {
  std::erase_if(headers_, [name](const Header& h) {
    return h.id == HeaderId::Other && lex::iequals(h.name, name);
  });
}

void SipMessage::setHeader(HeaderId id, std::string value) {
  auto it =
      std::find_if(headers_.begin(), headers_.end(), [id](const Header& h) { return h.id == id; });
  if (it == headers_.end()) {
    appendHeader(id, std::move(value));
    return;
  }
  unshareLine(it->line);
  it->value = store(std::move(value));
  reindexIfEssential(id);
}

void SipMessage::setBody(std::string body, std::string_view contentType) {
  body_ = store(std::move(body));
  if (!contentType.empty()) {
    setHeader(HeaderId::ContentType, std::string(contentType));
  } else if (body_.empty()) {
    removeAll(HeaderId::ContentType);
  }
}

std::string SipMessage::serialize() const {
  std::string out;
  serializeTo(out);
  return out;
}

void SipMessage::serializeTo(std::string& out) const {
  out.reserve(out.size() + (buffer_ ? buffer_->size() : 0) + 256);
  if (isRequest_) {
    out.append(methodText_).append(" ").append(requestUri_).append(" ").append(kVersion);
  } else {
    out.append(kVersion).push_back(' ');
    appendNumber(out, static_cast<std::size_t>(statusCode_));
    out.append(" ").append(reasonPhrase_);
  }
  out.append(kCrlf);
  const char* lastLine = nullptr;
  for (const Header& h : headers_) {
    if (h.id == HeaderId::ContentLength) continue;
    if (!h.line.empty()) {
      if (h.line.data() == lastLine) continue;  // the rest of a split list line
      lastLine = h.line.data();
      out.append(h.line).append(kCrlf);
    } else {
      lastLine = nullptr;
      out.append(h.name).append(": ").append(h.value).append(kCrlf);
    }
  }
  out.append("Content-Length: ");
  appendNumber(out, body_.size());
  out.append("\r\n\r\n").append(body_);
}

}  // namespace rtcgate::sip
