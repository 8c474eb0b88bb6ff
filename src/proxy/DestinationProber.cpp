#include "proxy/DestinationProber.hpp"

#include <spdlog/spdlog.h>

#include "base/SecureRandom.hpp"
#include "proxy/UacRequest.hpp"

namespace rtcgate::proxy {

DestinationProber::DestinationProber(transaction::TransactionLayer& transactions,
                                     const LocalIdentity& identity, const TargetResolver& resolver,
                                     Timers& timers, std::uint64_t transactionTag, Options options)
    : transactions_(transactions),
      identity_(identity),
      resolver_(resolver),
      timers_(timers),
      transactionTag_(transactionTag),
      options_(options) {}

DestinationProber::~DestinationProber() {
  *alive_ = false;
  for (auto& [id, probe] : probes_) timers_.cancel(probe.timer);
}

void DestinationProber::add(std::string label, std::string uri, std::chrono::seconds interval) {
  const auto id = nextProbe_++;
  probes_.emplace(id, Probe{std::move(label), std::move(uri), interval});
  if (started_) tick(id);
}

void DestinationProber::removeProbes(std::string_view prefix) {
  std::erase_if(probes_, [&](auto& entry) {
    if (!entry.second.label.starts_with(prefix)) return false;
    timers_.cancel(entry.second.timer);
    return true;
  });
}

void DestinationProber::start(Changed changed) {
  changed_ = std::move(changed);
  started_ = true;
  for (const auto& [id, probe] : probes_) tick(id);
}

// Each interval: the URI is resolved again (DNS may add or move destinations; the cache answers
// at once when it has not), a probe still unanswered from last time counts as missed, and every
// destination gets a new one.
void DestinationProber::tick(std::size_t index) {
  auto& entry = probes_[index];
  entry.timer = timers_.start(entry.interval, [this, index] { tick(index); });
  const auto uri = sip::parseUri(entry.uri);
  if (!uri) return;
  resolver_.resolve(
      *uri, [this, index, alive = std::weak_ptr<bool>(alive_)](TargetResolver::Resolved found) {
        if (alive.expired()) return;
        for (const auto& flow : found.flows) probe(probes_[index], flow);
      });
}

void DestinationProber::probe(const Probe& probe, const sip::Flow& flow) {
  auto [it, added] = destinations_.try_emplace(keyOf(flow));
  auto& destination = it->second;
  if (added) {
    destination.label = probe.label;
    destination.flow = flow;
  }
  if (destination.pending != 0) {
    // Its late answer or timeout then finds nothing to report to.
    byTransaction_.erase(destination.pending);
    destination.pending = 0;
    missed(destination, 408);
  }
  const std::string callId = "probe-" + std::to_string(++sequence_) + "-" + SecureRandom::hex(6);
  const std::string from =
      "<sip:rtcgate@" + identity_.hostPortToward(flow) + ">;tag=" + SecureRandom::hex(4);
  const std::string to = "<" + probe.uri + ">";
  const auto via = identity_.via(flow, transactions_.newBranch());
  auto request = sip::SipMessage::parse(UacRequest{.method = "OPTIONS",
                                                   .uri = probe.uri,
                                                   .from = from,
                                                   .to = to,
                                                   .callId = callId,
                                                   .via = via,
                                                   .extraHeaders = "Accept: application/sdp\r\n"}
                                            .write());
  if (!request) return;
  ++stats_.probesSent;
  auto sent = transactions_.sendRequest(std::move(*request), sendingFlow(flow), transactionTag_);
  if (!sent) return missed(destination, 503);
  destination.pending = *sent;
  byTransaction_[*sent] = it->first;
}

void DestinationProber::onResponse(transaction::TransactionId clientTx, int status) {
  if (status < 200) return;
  const auto it = byTransaction_.find(clientTx);
  if (it == byTransaction_.end()) return;
  auto& destination = destinations_.at(it->second);
  byTransaction_.erase(it);
  destination.pending = 0;
  // Any answer shows the server alive (404 or 405 too: many carriers answer OPTIONS so), but
  // not a timeout or an overload.
  if (status == 408 || status >= 500) return missed(destination, status);
  answered(destination, status);
}

void DestinationProber::onFailed(transaction::TransactionId clientTx) {
  const auto it = byTransaction_.find(clientTx);
  if (it == byTransaction_.end()) return;
  auto& destination = destinations_.at(it->second);
  byTransaction_.erase(it);
  destination.pending = 0;
  missed(destination, 503);
}

void DestinationProber::answered(Destination& destination, int status) {
  destination.lastStatus = status;
  destination.misses = 0;
  ++destination.answers;
  if (destination.up || destination.answers < options_.upAfter) return;
  destination.up = true;
  spdlog::info("{}: {} is up again (answered {} probes)", destination.label,
               destination.flow.remote.toString(), destination.answers);
  if (changed_) changed_(destination);
}

void DestinationProber::missed(Destination& destination, int status) {
  ++stats_.probesFailed;
  destination.lastStatus = status;
  destination.answers = 0;
  ++destination.misses;
  if (!destination.up || destination.misses < options_.downAfter) return;
  destination.up = false;
  ++stats_.wentDown;
  spdlog::warn("{}: {} is down ({} probes in a row failed, last {}); calls go elsewhere",
               destination.label, destination.flow.remote.toString(), destination.misses, status);
  if (changed_) changed_(destination);
}

bool DestinationProber::isDown(const sip::Flow& flow) const {
  if (destinations_.empty()) return false;
  const auto it = destinations_.find(keyOf(flow));
  return it != destinations_.end() && !it->second.up;
}

std::vector<DestinationProber::Destination> DestinationProber::destinations() const {
  std::vector<Destination> out;
  for (const auto& [key, destination] : destinations_) out.push_back(destination);
  return out;
}

std::size_t DestinationProber::downCount() const {
  std::size_t down = 0;
  for (const auto& [key, destination] : destinations_) down += !destination.up;
  return down;
}

}  // namespace rtcgate::proxy
