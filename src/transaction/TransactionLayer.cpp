#include "transaction/TransactionLayer.hpp"

#include <array>

#include "base/SecureRandom.hpp"

namespace rtcgate::transaction {

namespace {

constexpr std::uint16_t kDefaultSipPort = 5060;

// Forgets `key` unless a newer transaction has taken it over since.
template <class Map>
void eraseKey(Map& keys, const TransactionKey& key, TransactionId id) {
  if (key.empty()) return;
  auto it = keys.find(key);
  if (it != keys.end() && it->second == id) keys.erase(it);
}

// RFC 3261 8.2.6.1: a 100 copies the request's Timestamp so the UAC can measure the round trip.
sip::SipMessage makeTrying(const sip::SipMessage& request) {
  sip::SipMessage trying = request.makeResponse(100, "Trying");
  if (const sip::Header* timestamp = request.find(sip::HeaderId::Timestamp)) {
    trying.appendHeader(sip::HeaderId::Timestamp, std::string(timestamp->value));
  }
  return trying;
}

}  // namespace

TransactionLayer::TransactionLayer(Timers& timers, SendFunction send, TransactionUser& user,
                                   TimerValues values)
    : context_{timers, std::move(send), user, values.clamped(), {}, {}, {}} {
  context_.fire = [this](TransactionId id, TimerKind kind) { fire(id, kind); };
}

TransactionLayer::~TransactionLayer() {
  // Stops every pending timer: they capture the context, which dies with us.
  for (auto& entry : servers_) entry.second->terminate();
  for (auto& entry : clients_) entry.second->terminate();
}

void TransactionLayer::receiveRequest(sip::SipMessage&& request, const sip::Flow& flow) {
  if (!request.isRequest()) return;
  EntryGuard guard(*this);
  if (request.method() == sip::Method::Ack) {
    receiveAck(std::move(request), flow);
    return;
  }
  lookupKey_.assignServer(request, request.methodText());
  if (ServerTransaction* tx = findServer(lookupKey_)) {
    tx->onRequestRetransmission();
    return;
  }
  TransactionKey key = lookupKey_;
  if (request.method() == sip::Method::Cancel) {
    receiveCancel(std::move(request), flow, std::move(key));
    return;
  }
  const bool invite = request.method() == sip::Method::Invite;
  ServerTransaction& tx = createServer(invite, std::move(key), responseFlow(request, flow));
  // A proxy answers an INVITE with 100 at once (RFC 3261 16.2) so the upstream stops Timer A.
  if (invite) tx.respond(makeTrying(request));
  context_.user.onRequest(tx.id(), std::move(request), flow);
}

void TransactionLayer::receiveAck(sip::SipMessage&& ack, const sip::Flow& flow) {
  lookupKey_.assignServer(ack, "INVITE");
  ServerTransaction* tx = findServer(lookupKey_);
  if (tx && tx->isInvite() && tx->onAck() == ServerTransaction::AckResult::Absorbed) return;
  context_.user.onAck(std::move(ack), flow);
}

void TransactionLayer::discard(TransactionId serverTx) {
  if (ServerTransaction* tx = server(serverTx)) tx->terminate();
}

void TransactionLayer::receiveCancel(sip::SipMessage&& cancel, const sip::Flow& flow,
                                     TransactionKey key) {
  // The CANCEL is matched to its INVITE like a retransmission of it would be (RFC 3261 9.2).
  lookupKey_.assignServer(cancel, "INVITE");
  ServerTransaction* invite = findServer(lookupKey_);
  const TransactionId inviteId = invite && invite->isInvite() ? invite->id() : 0;
  ServerTransaction& tx = createServer(false, std::move(key), responseFlow(cancel, flow));
  context_.user.onCancel(tx.id(), inviteId, std::move(cancel), flow);
}

bool TransactionLayer::respond(TransactionId serverTx, sip::SipMessage&& response) {
  EntryGuard guard(*this);
  ServerTransaction* tx = server(serverTx);
  if (!tx || tx->terminated()) return false;
  const bool sent = tx->respond(response);
  // RFC 2543 peers acknowledge with the To tag of our final: let that ACK find us too.
  const bool awaitsAck = tx->state() == ServerTransaction::State::Completed && tx->isInvite();
  if (awaitsAck && tx->key().isRfc2543() && tx->ackKey().empty()) {
    TransactionKey ackKey = tx->key().withToTag(response.toTag());
    if (!(ackKey == tx->key())) {
      serverKeys_.insert_or_assign(ackKey, serverTx);
      tx->setAckKey(std::move(ackKey));
    }
  }
  return sent;
}

Result<TransactionId> TransactionLayer::sendRequest(sip::SipMessage&& request,
                                                    const sip::Flow& destination,
                                                    std::uint64_t userData) {
  if (!request.isRequest()) return Error{"not a request"};
  if (request.method() == sip::Method::Ack) return Error{"ACK is sent without a transaction"};
  const sip::Via& via = request.topVia();
  if (!via.rfc3261Branch()) return Error{"top Via branch lacks the RFC 3261 magic cookie"};
  EntryGuard guard(*this);
  TransactionKey key = TransactionKey::forClient(via.branch(), request.cseqMethodText());
  if (auto it = clientKeys_.find(key); it != clientKeys_.end() && alive(it->second)) {
    return Error{"branch already in use"};
  }
  const TransactionId id = ++lastId_;
  auto tx = std::make_unique<ClientTransaction>(
      context_, id, request.method() == sip::Method::Invite, key, destination, request.serialize());
  tx->setUserData(userData);
  if (!tx->start()) return Error{"transport refused the request"};
  clients_.emplace(id, std::move(tx));
  clientKeys_.insert_or_assign(std::move(key), id);
  return id;
}

void TransactionLayer::receiveResponse(sip::SipMessage&& response, const sip::Flow& flow) {
  if (!response.isResponse()) return;
  EntryGuard guard(*this);
  lookupKey_.assignClient(response.topVia().branch(), response.cseqMethodText());
  const auto it = clientKeys_.find(lookupKey_);
  ClientTransaction* tx = it == clientKeys_.end() ? nullptr : client(it->second);
  if (!tx || tx->terminated()) {
    context_.user.onStrayResponse(std::move(response), flow);
    return;
  }
  tx->onResponse(std::move(response), flow);
  if (tx->takeCancelDue()) sendCancel(*tx);
}

void TransactionLayer::connectionFailed(const sip::Flow& destination) {
  EntryGuard guard(*this);
  std::vector<ClientTransaction*> waiting;
  for (auto& [id, tx] : clients_) {
    const auto& to = tx->destination();
    if (to.connectionId == 0 && to.transport == destination.transport &&
        to.remote == destination.remote) {
      waiting.push_back(tx.get());
    }
  }
  // Reaping is deferred to the guard: the pointers stay valid while the TU hears of each.
  for (ClientTransaction* tx : waiting) tx->connectionFailed();
}

void TransactionLayer::cancel(TransactionId clientTx) {
  EntryGuard guard(*this);
  ClientTransaction* tx = client(clientTx);
  if (!tx || tx->terminated() || tx->silent()) return;
  if (tx->requestCancel()) sendCancel(*tx);
}

void TransactionLayer::sendCancel(ClientTransaction& invite) {
  std::string branch;
  std::string bytes = invite.cancelRequest(branch);
  if (bytes.empty()) return;
  TransactionKey key = TransactionKey::forClient(branch, "CANCEL");
  const TransactionId id = ++lastId_;
  auto tx = std::make_unique<ClientTransaction>(context_, id, false, key, invite.destination(),
                                                std::move(bytes), /*silent=*/true);
  if (!tx->start()) return;
  clients_.emplace(id, std::move(tx));
  clientKeys_.insert_or_assign(std::move(key), id);
}

std::string TransactionLayer::newBranch() { return "z9hG4bK" + SecureRandom::hex(16); }

bool TransactionLayer::alive(TransactionId tx) const {
  if (const ServerTransaction* s = server(tx)) return !s->terminated();
  const ClientTransaction* c = client(tx);
  return c && !c->terminated() && !c->silent();
}

sip::Flow TransactionLayer::responseFlow(const sip::SipMessage& request, const sip::Flow& flow) {
  sip::Flow out = flow;
  if (sip::isReliable(flow.transport)) return out;  // back over the request's connection
  out.connectionId = 0;
  const sip::Via& via = request.topVia();
  if (!via.hasRport()) out.remote.setPort(via.port != 0 ? via.port : kDefaultSipPort);
  return out;
}

void TransactionLayer::setUserData(TransactionId tx, std::uint64_t data) {
  if (ServerTransaction* s = server(tx)) {
    s->setUserData(data);
  } else if (ClientTransaction* c = client(tx)) {
    c->setUserData(data);
  }
}

std::uint64_t TransactionLayer::userData(TransactionId tx) const {
  if (const ServerTransaction* s = server(tx)) return s->userData();
  if (const ClientTransaction* c = client(tx)) return c->userData();
  return 0;
}

TransactionStats TransactionLayer::stats() const {
  TransactionStats stats = context_.stats;
  stats.liveServerTransactions = servers_.size();
  stats.liveClientTransactions = clients_.size();
  return stats;
}

ServerTransaction& TransactionLayer::createServer(bool invite, TransactionKey key,
                                                  const sip::Flow& responseFlow) {
  const TransactionId id = ++lastId_;
  // The key is stored twice (map and transaction) so the transaction can unregister itself.
  serverKeys_.insert_or_assign(key, id);
  auto tx = std::make_unique<ServerTransaction>(context_, id, invite, std::move(key), responseFlow);
  ServerTransaction& ref = *tx;
  servers_.emplace(id, std::move(tx));
  return ref;
}

ServerTransaction* TransactionLayer::findServer(const TransactionKey& key) {
  const auto it = serverKeys_.find(key);
  if (it == serverKeys_.end()) return nullptr;
  ServerTransaction* tx = server(it->second);
  return tx && !tx->terminated() ? tx : nullptr;
}

ServerTransaction* TransactionLayer::server(TransactionId id) const {
  const auto it = servers_.find(id);
  return it == servers_.end() ? nullptr : it->second.get();
}

ClientTransaction* TransactionLayer::client(TransactionId id) const {
  const auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second.get();
}

void TransactionLayer::fire(TransactionId id, TimerKind kind) {
  EntryGuard guard(*this);
  if (ServerTransaction* s = server(id)) {
    if (!s->terminated()) s->onTimer(kind);
  } else if (ClientTransaction* c = client(id)) {
    if (!c->terminated()) c->onTimer(kind);
  }
}

void TransactionLayer::reap() {
  if (reaping_) return;  // a TU call below re-entered the layer; this loop picks up its work
  reaping_ = true;
  while (!context_.ended.empty()) {
    const TransactionId id = context_.ended.back();
    context_.ended.pop_back();
    bool report = true;
    std::uint64_t userData = 0;
    if (auto it = servers_.find(id); it != servers_.end()) {
      userData = it->second->userData();
      eraseKey(serverKeys_, it->second->key(), id);
      eraseKey(serverKeys_, it->second->ackKey(), id);
      servers_.erase(it);
    } else if (auto it = clients_.find(id); it != clients_.end()) {
      report = !it->second->silent();
      userData = it->second->userData();
      eraseKey(clientKeys_, it->second->key(), id);
      clients_.erase(it);
    } else {
      continue;
    }
    if (report) {
      EntryGuard guard(*this);
      context_.user.onTerminated(id, userData);
    }
  }
  reaping_ = false;
}

}  // namespace rtcgate::transaction
