#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dns/DnsClient.hpp"

namespace rtcgate::testing {

// Name servers as a table the test fills: queries wait until the test calls flush() (a client
// never answers inside query()); names not in the table are NXDOMAIN.
class FakeDnsClient : public dns::DnsClient {
 public:
  void query(std::string_view name, dns::RecordType type, Callback done) override {
    asked.emplace_back(std::string(name), type);
    pending_.emplace_back(std::string(name), type, std::move(done));
  }

  void set(const std::string& name, dns::RecordType type, dns::DnsAnswer answer) {
    table_[{name, type}] = std::move(answer);
  }
  void setAddresses(const std::string& name, const std::vector<std::string>& addresses,
                    std::uint32_t ttl = 300) {
    dns::DnsAnswer a4{dns::DnsAnswer::Status::Ok, ttl, {}, {}, {}, {}};
    dns::DnsAnswer a6 = a4;
    for (const auto& text : addresses) {
      const auto address = SocketAddress::parse(text, 0);
      (address->isV6() ? a6 : a4).addresses.push_back(*address);
    }
    if (!a4.addresses.empty()) set(name, dns::RecordType::A, a4);
    if (!a6.addresses.empty()) set(name, dns::RecordType::Aaaa, a6);
  }
  void setSrv(const std::string& name, std::vector<dns::SrvRecord> records,
              std::uint32_t ttl = 300) {
    set(name, dns::RecordType::Srv,
        {dns::DnsAnswer::Status::Ok, ttl, {}, std::move(records), {}, {}});
  }

  // Answers every waiting query (and those its callbacks ask); returns how many.
  std::size_t flush() {
    std::size_t answered = 0;
    while (!pending_.empty()) {
      auto [name, type, done] = std::move(pending_.front());
      pending_.erase(pending_.begin());
      const auto it = table_.find({name, type});
      dns::DnsAnswer answer;
      answer.status = dns::DnsAnswer::Status::NoName;
      if (it != table_.end()) answer = it->second;
      done(std::move(answer));
      ++answered;
    }
    return answered;
  }
  std::size_t pendingCount() const { return pending_.size(); }

  std::vector<std::pair<std::string, dns::RecordType>> asked;

 private:
  std::map<std::pair<std::string, dns::RecordType>, dns::DnsAnswer> table_;
  std::vector<std::tuple<std::string, dns::RecordType, Callback>> pending_;
};

}  // namespace rtcgate::testing
