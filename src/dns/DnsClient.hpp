#pragma once

#include <functional>
#include <string_view>

#include "dns/DnsAnswer.hpp"

namespace rtcgate::dns {

// Asks the name servers one question. Asynchronous: `done` runs on the loop that owns the client,
// always after query() has returned (never from inside it), exactly once per query -- unless the
// client is destroyed first, in which case it never runs. No caching here (DnsCache does that).
class DnsClient {
 public:
  using Callback = std::function<void(DnsAnswer)>;
  virtual ~DnsClient() = default;
  virtual void query(std::string_view name, RecordType type, Callback done) = 0;
};

}  // namespace rtcgate::dns
