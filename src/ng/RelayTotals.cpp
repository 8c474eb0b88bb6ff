#include "ng/RelayTotals.hpp"

namespace rtcgate::ng {

RelayTotals& RelayTotals::operator+=(const RelayTotals& other) {
  for (const auto& statistic : kRelayStatistics) {
    this->*statistic.field += other.*statistic.field;
  }
  return *this;
}

}  // namespace rtcgate::ng
