#include "ng/RelayTotals.hpp"

namespace rtcgate::ng {

RelayTotals& RelayTotals::operator+=(const RelayTotals& other) {
  sessions += other.sessions;
  managedSessions += other.managedSessions;
  rejectedSessions += other.rejectedSessions;
  timeoutSessions += other.timeoutSessions;
  packets += other.packets;
  bytes += other.bytes;
  sendErrors += other.sendErrors;
  droppedPackets += other.droppedPackets;
  lostPackets += other.lostPackets;
  iceConsentFailures += other.iceConsentFailures;
  dtlsFailures += other.dtlsFailures;
  ngRefused += other.ngRefused;
  return *this;
}

}  // namespace rtcgate::ng
