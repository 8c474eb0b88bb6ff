#include "media/webrtc/IceLiteAgent.hpp"

#include "base/SecureRandom.hpp"
#include "media/webrtc/StunMessage.hpp"
#include "media/webrtc/StunWriter.hpp"

namespace rtcgate::media {
namespace {

std::string randomIceChars(std::size_t count) {
  static constexpr std::string_view kIceChars =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return SecureRandom::token(count, kIceChars);
}

}  // namespace

IceLiteAgent::IceLiteAgent(const Timers& timers, IceCredentials local)
    : timers_(timers), local_(std::move(local)), lastConsent_(timers.now()) {}

IceCredentials IceLiteAgent::generateCredentials() {
  return {randomIceChars(8), randomIceChars(24)};
}

bool IceLiteAgent::setRemote(std::string_view ufrag, std::string_view pwd) {
  const bool restart = !remote_.ufrag.empty() && (remote_.ufrag != ufrag || remote_.pwd != pwd);
  remote_ = {std::string(ufrag), std::string(pwd)};
  if (restart) {
    selected_ = {};
    nominated_ = false;
    dead_ = false;
    lastConsent_ = timers_.now();
  }
  return restart;
}

void IceLiteAgent::setLocal(IceCredentials local) {
  local_ = std::move(local);
  lastConsent_ = timers_.now();
  dead_ = false;
}

bool IceLiteAgent::usernameMatches(std::string_view username) const {
  // "<our ufrag>:<their ufrag>"; their part is checked only when their SDP told us what it is.
  if (username.size() <= local_.ufrag.size() || !username.starts_with(local_.ufrag) ||
      username[local_.ufrag.size()] != ':') {
    return false;
  }
  return remote_.ufrag.empty() || username.substr(local_.ufrag.size() + 1) == remote_.ufrag;
}

std::size_t IceLiteAgent::onStun(const std::uint8_t* data, std::size_t length,
                                 const PeerAddress& from, std::uint8_t* response) {
  auto parsed = StunMessage::parse(data, length);
  if (!parsed) {
    ++rejected_;
    return 0;
  }
  const StunMessage& request = *parsed;
  // Indications (keepalives) and responses need no answer: a lite agent sends no requests.
  if (request.type != StunMessage::kBindingRequest) return 0;
  if (request.username.empty() || request.integrityOffset == 0) {
    ++rejected_;
    return answerError(request, 400, "Bad Request", response);
  }
  if (!usernameMatches(request.username) || !request.integrityMatches(local_.pwd)) {
    ++rejected_;
    return answerError(request, 401, "Unauthorized", response);
  }
  onAuthenticated(request, from);
  StunWriter writer(response, StunMessage::kBindingSuccess, request.transactionId);
  writer.addXorMappedAddress(from);
  writer.addIntegrity(local_.pwd);
  writer.addFingerprint();
  return writer.ok() ? writer.size() : 0;
}

void IceLiteAgent::onAuthenticated(const StunMessage& request, const PeerAddress& from) {
  ++authenticated_;
  lastConsent_ = timers_.now();
  dead_ = false;
  // The controlling agent's nomination wins; until one arrives, the first authenticated path is
  // used so media can flow as early as the peer sends it (RFC 8445 §7.3.1.5 for lite agents).
  if (request.useCandidate) {
    selected_ = from;
    nominated_ = true;
  } else if (!selected_.valid()) {
    selected_ = from;
  }
}

std::size_t IceLiteAgent::answerError(const StunMessage& request, int code, std::string_view reason,
                                      std::uint8_t* response) {
  StunWriter writer(response, StunMessage::kBindingError, request.transactionId);
  writer.addErrorCode(code, reason);
  writer.addFingerprint();
  return writer.ok() ? writer.size() : 0;
}

bool IceLiteAgent::checkConsent() {
  // Consent exists only once a check succeeded: before that (the call still rings, the peer has
  // not got our credentials yet) there is nothing to lose, and the media timeout covers silence.
  if (dead_ || !selected_.valid() || timers_.now() - lastConsent_ < kConsentTimeout) return false;
  dead_ = true;
  return true;
}

}  // namespace rtcgate::media
