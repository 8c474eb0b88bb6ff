#pragma once

namespace rtcgate::proxy {

// Picks the best final response among a forked request's branches (RFC 3261 16.7 step 6):
// a 6xx wins over everything; otherwise the lowest class, and within 4xx the codes that tell the
// caller most (401/407/415/420/484 over a generic 4xx), and within 5xx anything over 503, which a
// proxy must not pass on as such (it becomes 500).
class ResponseSelector {
 public:
  // Offers one branch's final status; returns true when it became the best so far.
  bool offer(int status);
  int best() const { return best_; }
  bool empty() const { return best_ == 0; }

 private:
  static int rank(int status);
  int best_ = 0;
};

}  // namespace rtcgate::proxy
