#include "dns/SipServerLocator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace rtcgate::dns {

namespace {

std::uint16_t defaultPort(sip::Transport transport) {
  return sip::isSecure(transport) ? 5061 : 5060;
}

// RFC 1035 host names (plus '_' as SRV names use): anything else is not looked up.
bool isHostName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

bool endsWithLabel(std::string_view name, std::string_view label) {
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.size() < label.size()) return false;
  const auto tail = name.substr(name.size() - label.size());
  const bool same = std::equal(tail.begin(), tail.end(), label.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == b;
  });
  return same && (name.size() == label.size() || name[name.size() - label.size() - 1] == '.');
}

// The NAPTR services of RFC 3263 (SCTP and WebSocket ones are of no use to us).
bool naptrTransport(std::string_view service, bool sips, sip::Transport& transport) {
  std::string lower(service);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "sips+d2t") {
    transport = sip::Transport::Tls;
    return true;
  }
  if (sips) return false;
  if (lower == "sip+d2u") {
    transport = sip::Transport::Udp;
    return true;
  }
  if (lower == "sip+d2t") {
    transport = sip::Transport::Tcp;
    return true;
  }
  return false;
}

}  // namespace

struct SipServerLocator::Job {
  bool sips = false;
  std::string host;
  std::uint16_t port = 0;
  std::optional<sip::Transport> transport;  // from the URI's transport parameter
  Callback done;
  std::vector<Destination> found;
  bool dnsFailed = false;
  std::string error;
};

SipServerLocator::SipServerLocator(DnsCache& cache, const DestinationBlacklist& blacklist,
                                   CanSend canSend, Random random)
    : cache_(cache),
      blacklist_(blacklist),
      canSend_(std::move(canSend)),
      random_(std::move(random)) {}

void SipServerLocator::locate(const sip::SipUri& uri, Callback done) {
  if (uri.scheme != sip::UriScheme::Sip && uri.scheme != sip::UriScheme::Sips) {
    return done(Location{{}, Location::Failure::NotFound, "not a sip: or sips: URI"});
  }
  auto job = std::make_shared<Job>();
  auto fail = [this, &job](std::string why) {
    job->error = std::move(why);
    finish(job);
  };
  job->sips = uri.scheme == sip::UriScheme::Sips;
  job->host = std::string(uri.hostNoBrackets());
  job->port = uri.port;
  job->done = std::move(done);
  if (const auto param = uri.transport(); !param.empty()) {
    sip::Transport transport;
    if (!sip::parseTransport(param, transport)) return fail("unsupported transport");
    if (sip::isWebSocket(transport)) {
      return fail("a WebSocket client is reachable only over its own connection");
    }
    if (job->sips && transport == sip::Transport::Tcp) transport = sip::Transport::Tls;
    job->transport = transport;
  }
  if (endsWithLabel(job->host, "localhost")) job->host = "127.0.0.1";
  const auto implied =
      job->transport.value_or(job->sips ? sip::Transport::Tls : sip::Transport::Udp);
  if (const auto literal =
          SocketAddress::parse(job->host, job->port ? job->port : defaultPort(implied))) {
    // RFC 3263 4.1/4.2: a numeric host is used as it is.
    if (canSend_(implied, literal->isV6()))
      job->found.push_back({implied, *literal, {}});
    else
      job->error = "no listener for the transport";
    return finish(job);
  }
  if (!isHostName(job->host) || endsWithLabel(job->host, "invalid")) {
    job->error = fmt::format("{} is not a name to look up", job->host);
    return finish(job);
  }
  auto finishJob = [this, job] { finish(job); };
  if (job->port != 0) return byAddress(job, job->host, job->port, implied, finishJob);
  if (job->transport) {
    const auto prefix = *job->transport == sip::Transport::Tls   ? "_sips._tcp."
                        : *job->transport == sip::Transport::Tcp ? "_sip._tcp."
                                                                 : "_sip._udp.";
    return byServices(job, {{*job->transport, prefix + job->host}}, 0);
  }
  byNaptr(job);
}

// RFC 3263 4.1: the domain's NAPTR records name the transports it offers, in its order.
void SipServerLocator::byNaptr(std::shared_ptr<Job> job) {
  cache_.lookup(job->host, RecordType::Naptr, [this, job](const DnsAnswer& answer) {
    note(*job, answer, job->host, RecordType::Naptr);
    auto records = answer.naptr;
    std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
      return a.order != b.order ? a.order < b.order : a.preference < b.preference;
    });
    std::vector<Service> services;
    for (const auto& record : records) {
      sip::Transport transport;
      if (record.flags != "s" && record.flags != "S") continue;
      if (!naptrTransport(record.service, job->sips, transport)) continue;
      if (!canSendAtAll(transport) || record.replacement.empty()) continue;
      services.push_back({transport, record.replacement});
    }
    if (services.empty()) services = defaultServices(*job);
    byServices(job, std::move(services), 0);
  });
}

// Without NAPTR: an SRV query for each transport we support (RFC 3263 4.1), ours in the order
// UDP, TCP, TLS for sip: (TLS only for sips:).
std::vector<SipServerLocator::Service> SipServerLocator::defaultServices(const Job& job) const {
  std::vector<Service> services;
  auto add = [&](sip::Transport transport, std::string_view prefix) {
    if (canSendAtAll(transport)) services.push_back({transport, std::string(prefix) + job.host});
  };
  if (!job.sips) {
    add(sip::Transport::Udp, "_sip._udp.");
    add(sip::Transport::Tcp, "_sip._tcp.");
  }
  add(sip::Transport::Tls, "_sips._tcp.");
  return services;
}

// Each service's SRV targets in turn; when none of them had any, the host's own addresses on
// the default port (RFC 3263 4.2).
void SipServerLocator::byServices(std::shared_ptr<Job> job, std::vector<Service> services,
                                  std::size_t next) {
  if (next == services.size() || job->found.size() >= kMaxDestinations) {
    if (!job->found.empty()) return finish(job);
    const auto transport =
        job->transport.value_or(job->sips ? sip::Transport::Tls : sip::Transport::Udp);
    return byAddress(job, job->host, defaultPort(transport), transport,
                     [this, job] { finish(job); });
  }
  const auto name = services[next].name;
  cache_.lookup(
      name, RecordType::Srv,
      [this, job, services = std::move(services), next, name](const DnsAnswer& answer) mutable {
        note(*job, answer, name, RecordType::Srv);
        auto continueWith = [this, job, services, next]() mutable {
          byServices(job, std::move(services), next + 1);
        };
        // A lone target "." says the service is not offered here (RFC 2782).
        const bool offered =
            answer.ok() && !(answer.srv.size() == 1 &&
                             (answer.srv[0].target.empty() || answer.srv[0].target == "."));
        if (!offered) return continueWith();
        auto ordered = srvOrder(answer.srv);
        if (ordered.size() > kMaxTargets) ordered.resize(kMaxTargets);
        bySrvTargets(job, std::move(ordered), 0, services[next].transport, continueWith);
      });
}

void SipServerLocator::bySrvTargets(std::shared_ptr<Job> job, std::vector<SrvRecord> targets,
                                    std::size_t next, sip::Transport transport,
                                    std::function<void()> then) {
  if (next == targets.size() || job->found.size() >= kMaxDestinations) return then();
  const auto target = targets[next].target;
  const auto port = targets[next].port;
  byAddress(job, target, port, transport,
            [this, job, targets = std::move(targets), next, transport, then]() mutable {
              bySrvTargets(job, std::move(targets), next + 1, transport, std::move(then));
            });
}

// A name's IPv4 then IPv6 addresses, for the families we have a listener of.
void SipServerLocator::byAddress(std::shared_ptr<Job> job, std::string name, std::uint16_t port,
                                 sip::Transport transport, std::function<void()> then) {
  const bool v4 = canSend_(transport, false);
  const bool v6 = canSend_(transport, true);
  auto add = [job, port, transport, name](const DnsAnswer& answer) {
    for (auto address : answer.addresses) {
      if (job->found.size() >= kMaxDestinations) return;
      address.setPort(port);
      Destination destination{transport, address, name};
      if (std::find(job->found.begin(), job->found.end(), destination) == job->found.end()) {
        job->found.push_back(std::move(destination));
      }
    }
  };
  auto aaaa = [this, job, name, v6, add, then]() mutable {
    if (!v6) return then();
    cache_.lookup(name, RecordType::Aaaa, [job, name, add, then](const DnsAnswer& answer) {
      note(*job, answer, name, RecordType::Aaaa);
      add(answer);
      then();
    });
  };
  if (!v4) return aaaa();
  cache_.lookup(name, RecordType::A, [job, name, add, aaaa](const DnsAnswer& answer) mutable {
    note(*job, answer, name, RecordType::A);
    add(answer);
    aaaa();
  });
}

void SipServerLocator::note(Job& job, const DnsAnswer& answer, std::string_view name,
                            RecordType type) {
  if (answer.status != DnsAnswer::Status::Failed) return;
  job.dnsFailed = true;
  if (job.error.empty()) {
    job.error = fmt::format("{} {} lookup failed: {}", name, recordTypeName(type), answer.error);
  }
}

// RFC 2782: lowest priority first; among equal priorities, a weighted random order.
std::vector<SrvRecord> SipServerLocator::srvOrder(std::vector<SrvRecord> records) const {
  std::stable_sort(records.begin(), records.end(),
                   [](const auto& a, const auto& b) { return a.priority < b.priority; });
  std::vector<SrvRecord> ordered;
  ordered.reserve(records.size());
  auto group = records.begin();
  while (group != records.end()) {
    auto end = std::find_if(group, records.end(),
                            [&](const auto& r) { return r.priority != group->priority; });
    // Zero weights first, so they have a small chance of being picked (RFC 2782).
    std::stable_partition(group, end, [](const auto& r) { return r.weight == 0; });
    std::vector<SrvRecord> pool(group, end);
    while (!pool.empty()) {
      std::uint32_t total = 0;
      for (const auto& r : pool) total += r.weight;
      const std::uint32_t pick = total == 0 ? 0 : random_() % (total + 1);
      std::uint32_t running = 0;
      auto chosen = pool.begin();
      for (auto it = pool.begin(); it != pool.end(); ++it) {
        running += it->weight;
        if (running >= pick) {
          chosen = it;
          break;
        }
      }
      ordered.push_back(std::move(*chosen));
      pool.erase(chosen);
    }
    group = end;
  }
  return ordered;
}

bool SipServerLocator::canSendAtAll(sip::Transport transport) const {
  return canSend_(transport, false) || canSend_(transport, true);
}

// Blacklisted destinations go last, in their order: tried only when nothing else answers.
void SipServerLocator::finish(std::shared_ptr<Job> job) {
  Location location;
  std::stable_partition(job->found.begin(), job->found.end(),
                        [this](const auto& d) { return !blacklist_.contains(d); });
  location.destinations = std::move(job->found);
  if (location.destinations.empty()) {
    location.failure =
        job->dnsFailed ? Location::Failure::Unavailable : Location::Failure::NotFound;
    location.error =
        job->error.empty() ? fmt::format("{} has no SIP server", job->host) : job->error;
  }
  auto done = std::move(job->done);
  done(std::move(location));
}

}  // namespace rtcgate::dns
