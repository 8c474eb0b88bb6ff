#include "proxy/Trunks.hpp"

#include <algorithm>

namespace rtcgate::proxy {

Trunks::Trunks(std::vector<Trunk> trunks, transaction::TransactionLayer& transactions,
               const LocalIdentity& identity, const TargetResolver& resolver, Timers& timers,
               std::uint64_t transactionTag)
    : transactions_(transactions),
      identity_(identity),
      resolver_(resolver),
      timers_(timers),
      transactionTag_(transactionTag) {
  for (auto& trunk : trunks) trunks_.push_back(std::make_shared<const Trunk>(std::move(trunk)));
}

void Trunks::start(TrunkRegistration::Changed changed) {
  for (const auto& trunk : trunks_) {
    if (trunk->registerExpires.count() == 0) continue;
    registrations_.push_back(std::make_unique<TrunkRegistration>(
        trunk, transactions_, identity_, resolver_, timers_, transactionTag_, changed));
    registrations_.back()->start();
  }
}

std::shared_ptr<const Trunk> Trunks::find(std::string_view name) const {
  const auto it = std::find_if(trunks_.begin(), trunks_.end(),
                               [&](const auto& trunk) { return trunk->name == name; });
  return it == trunks_.end() ? nullptr : *it;
}

std::shared_ptr<const Trunk> Trunks::identify(const sip::Flow& flow) const {
  for (const auto& registration : registrations_) {
    if (registration->cameOver(flow)) return find(registration->trunk().name);
  }
  for (const auto& trunk : trunks_) {
    for (const auto& range : trunk->sources) {
      if (range.contains(flow.remote)) return trunk;
    }
  }
  return nullptr;
}

TrunkRegistration* Trunks::registrationOf(transaction::TransactionId clientTx) {
  for (auto& registration : registrations_) {
    if (registration->owns(clientTx)) return registration.get();
  }
  return nullptr;
}

const TrunkRegistration* Trunks::registrationOf(std::string_view trunkName) const {
  for (const auto& registration : registrations_) {
    if (registration->trunk().name == trunkName) return registration.get();
  }
  return nullptr;
}

}  // namespace rtcgate::proxy
