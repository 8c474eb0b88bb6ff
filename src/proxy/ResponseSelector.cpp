#include "proxy/ResponseSelector.hpp"

namespace rtcgate::proxy {

int ResponseSelector::rank(int status) {
  const int cls = status / 100;
  if (cls == 6) return 0;
  if (cls == 2) return 1;
  if (cls == 3) return 2;
  if (cls == 4) {
    switch (status) {
      case 401:
      case 407:
      case 415:
      case 420:
      case 484:
        return 3;
      case 408:  // a timeout says least about the callee
        return 5;
      default:
        return 4;
    }
  }
  if (cls == 5) return status == 503 ? 7 : 6;
  return 8;
}

bool ResponseSelector::offer(int status) {
  if (best_ != 0 && rank(status) >= rank(best_)) return false;
  best_ = status;
  return true;
}

}  // namespace rtcgate::proxy
