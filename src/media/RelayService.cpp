#include "media/RelayService.hpp"

#include "media/ListenUrl.hpp"

namespace rtcgate::media {

RelayService::RelayService(RelayOptions options)
    : options_(std::move(options)),
      engine_(loop_, options_),
      ngServer_(loop_, engine_, options_.cookieCacheTime) {}

RelayService::~RelayService() { stop(); }

Result<bool> RelayService::start(bool withNgListeners) {
  if (withNgListeners) {
    for (const std::string& url : options_.listen) {
      auto address = parseListenUrl(url);
      if (!address) return Error{address.error()};
      auto bound = ngServer_.listen(*address);
      if (!bound) return bound;
    }
    ngAddresses_ = ngServer_.localAddresses();
  }
  worker_ = std::thread([this] { loop_.run(); });
  return true;
}

void RelayService::stop() {
  if (!worker_.joinable()) return;
  loop_.stop();
  worker_.join();
}

void RelayService::post(std::function<void(RelayEngine&)> task) {
  loop_.post([this, task = std::move(task)] { task(engine_); });
}

}  // namespace rtcgate::media
