#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "base/Result.hpp"
#include "base/SocketAddress.hpp"
#include "media/EventLoop.hpp"
#include "media/NgServer.hpp"
#include "media/RelayEngine.hpp"
#include "media/RelayOptions.hpp"

namespace rtcgate::media {

// The relay as a running thing: one worker thread with its loop, the engine (calls, ports, packet
// path) and the ng UDP listeners. Other threads reach the engine only through post(), so the
// engine needs no lock and the packet path never waits for the control path.
class RelayService {
 public:
  explicit RelayService(RelayOptions options);
  ~RelayService();
  RelayService(const RelayService&) = delete;
  RelayService& operator=(const RelayService&) = delete;

  // Binds the ng listeners (errors are returned here, on the caller's thread) and starts the
  // worker. `withNgListeners` false: embedded use without the UDP control socket.
  Result<bool> start(bool withNgListeners = true);
  void stop();

  // Runs `task` on the worker thread with the engine.
  void post(std::function<void(RelayEngine&)> task);
  std::vector<SocketAddress> ngAddresses() const { return ngAddresses_; }

 private:
  RelayOptions options_;
  EventLoop loop_;
  RelayEngine engine_;
  NgServer ngServer_;
  std::vector<SocketAddress> ngAddresses_;
  std::thread worker_;
};

}  // namespace rtcgate::media
