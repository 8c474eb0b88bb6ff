#pragma once

#include <cstdint>

namespace rtcgate::proxy {

// Whose client transaction this is, kept as the transaction's user data so that the transaction
// layer's reports reach their owner without a lookup in each one's tables: the proxy's forwarded
// branches, the INVITEs of calls we place ourselves, or the re-INVITEs moving a call to another
// relay, or our registrations with trunks.
enum class TransactionOwner : std::uint64_t {
  Proxy = 0,
  Originator = 1,
  Renegotiation = 2,
  Trunk = 3,     // our REGISTERs to trunks
  Probe = 4,     // our OPTIONS probes of trunk targets
  DtmfInfo = 5,  // our SIP INFOs with digits (DtmfInfoSender)
  Transfer = 6,  // our REFERs (CallTransfers)
};

constexpr std::uint64_t tagOf(TransactionOwner owner) { return static_cast<std::uint64_t>(owner); }

}  // namespace rtcgate::proxy
