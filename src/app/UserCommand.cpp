#include <algorithm>
#include <cstdio>

#include "app/Commands.hpp"
#include "app/StoreOpener.hpp"
#include "proxy/DigestAuthenticator.hpp"

namespace rtcgate::app {

namespace {

bool splitAddress(const std::string& address, std::string& user, std::string& domain) {
  const auto at = address.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == address.size()) {
    std::fprintf(stderr, "rtcgate: user: expected USER@DOMAIN, got '%s'\n", address.c_str());
    return false;
  }
  user = address.substr(0, at);
  domain = address.substr(at + 1);
  return true;
}

std::unique_ptr<store::Store> openOrReport(const Config& config) {
  std::string error;
  auto store = openStore(config, error);
  if (!store) std::fprintf(stderr, "rtcgate: %s\n", error.c_str());
  return store;
}

}  // namespace

int userAddCommand(const Config& config, const std::string& address, const std::string& password) {
  std::string user, domain;
  if (!splitAddress(address, user, domain)) return 1;
  if (std::find(config.sip.domains.begin(), config.sip.domains.end(), domain) ==
      config.sip.domains.end()) {
    std::fprintf(stderr, "rtcgate: user: domain '%s' is not in sip.domains of the configuration\n",
                 domain.c_str());
    return 1;
  }
  if (password.empty()) {
    std::fprintf(stderr, "rtcgate: user: the password must not be empty\n");
    return 1;
  }
  auto store = openOrReport(config);
  if (!store) return 1;
  const auto status = proxy::DigestAuthenticator::addSubscriber(*store, user, domain, password);
  if (!status) {
    std::fprintf(stderr, "rtcgate: user add %s: %s: %s (%s)\n", address.c_str(), status.error(),
                 store->lastError().c_str(), store->location().c_str());
    return 1;
  }
  std::printf("%s saved\n", address.c_str());
  return 0;
}

int userDelCommand(const Config& config, const std::string& address) {
  std::string user, domain;
  if (!splitAddress(address, user, domain)) return 1;
  auto store = openOrReport(config);
  if (!store) return 1;
  const auto deleted = store->deleteSubscriber(user, domain);
  if (!deleted) {
    std::fprintf(stderr, "rtcgate: user del %s: %s: %s (%s)\n", address.c_str(), deleted.error(),
                 store->lastError().c_str(), store->location().c_str());
    return 1;
  }
  if (!*deleted) {
    std::fprintf(stderr, "rtcgate: user del: no subscriber %s\n", address.c_str());
    return 1;
  }
  std::printf("%s deleted\n", address.c_str());
  return 0;
}

int userListCommand(const Config& config) {
  auto store = openOrReport(config);
  if (!store) return 1;
  const auto subscribers = store->listSubscribers();
  if (!subscribers) {
    std::fprintf(stderr, "rtcgate: user list: %s\n", subscribers.error());
    return 1;
  }
  for (const auto& s : *subscribers) std::printf("%s@%s\n", s.user.c_str(), s.domain.c_str());
  return 0;
}

}  // namespace rtcgate::app
