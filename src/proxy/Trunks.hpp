#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "proxy/Trunk.hpp"
#include "proxy/TrunkRegistration.hpp"

namespace rtcgate::proxy {

// The trunks of the configuration and their registrations: found by name for routes, and
// recognised for what they send us (a source address of theirs, or the flow we registered over).
class Trunks {
 public:
  Trunks(std::vector<Trunk> trunks, transaction::TransactionLayer& transactions,
         const LocalIdentity& identity, const TargetResolver& resolver, Timers& timers,
         std::uint64_t transactionTag);

  // Starts the registrations (the resolver must have its DNS by then).
  void start(TrunkRegistration::Changed changed);

  std::shared_ptr<const Trunk> find(std::string_view name) const;
  // The trunk a request arriving over `flow` comes from; nullptr for anyone else.
  std::shared_ptr<const Trunk> identify(const sip::Flow& flow) const;
  // The registration a client transaction belongs to, or nullptr.
  TrunkRegistration* registrationOf(transaction::TransactionId clientTx);
  const TrunkRegistration* registrationOf(std::string_view trunkName) const;

  const std::vector<std::shared_ptr<const Trunk>>& all() const { return trunks_; }
  bool empty() const { return trunks_.empty(); }

 private:
  std::vector<std::shared_ptr<const Trunk>> trunks_;
  std::vector<std::unique_ptr<TrunkRegistration>> registrations_;
  transaction::TransactionLayer& transactions_;
  const LocalIdentity& identity_;
  const TargetResolver& resolver_;
  Timers& timers_;
  std::uint64_t transactionTag_;
};

}  // namespace rtcgate::proxy
