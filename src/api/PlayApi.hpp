#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/Result.hpp"
#include "base/Timers.hpp"
#include "http/HttpServer.hpp"
#include "proxy/CallObserver.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::api {

// Playing a file into a call through the management API (docs/API.md): POST
// /api/v1/calls/{id}/play {"file": "name.wav", "to": "caller"|"callee"|"both"} has the relay play a
// WAV of relay.media_dir into an answered call (ng `play media`, as if the other party sent it),
// DELETE stops it (ng `stop media`); call.play events (started, finished, stopped) go to
// `publish`. It observes the calls: one that ends while a file plays reports it stopped.
class PlayApi : public proxy::CallObserver {
 public:
  using Publish = std::function<void(std::string_view type, const std::string& fields)>;
  struct PlayRequest {
    std::string file;
    std::string to = "both";
  };

  PlayApi(proxy::ProxyCore& proxy, Timers& timers, Publish publish)
      : proxy_(proxy), timers_(timers), publish_(std::move(publish)) {}
  ~PlayApi();
  PlayApi(const PlayApi&) = delete;
  PlayApi& operator=(const PlayApi&) = delete;

  void registerRoutes(http::HttpServer& server);
  static Result<PlayRequest> parseBody(std::string_view body);
  void onCallEvent(proxy::CallEvent event, const proxy::Dialog& dialog) override;

 private:
  struct Playing {
    std::string callId;
    std::string file;
    std::string to;
    std::int64_t durationMs = 0;
    Timers::Id finish = 0;
  };
  // Replies gathered from the relay for the legs one request plays to.
  struct Pending;

  http::HttpReply start(std::uint64_t id, const std::string& body);
  http::HttpReply stop(std::uint64_t id);
  // The tags whose streams carry the file to `to` (the other party's: it plays as if they sent it).
  static std::vector<std::string> senderTags(const proxy::Dialog& dialog, const std::string& to);
  void started(std::uint64_t id, Playing playing);
  // `reason`: why a file stopped ("api", "call-ended"); empty for the other states.
  void event(std::uint64_t id, const Playing& playing, std::string_view state,
             std::string_view reason = {});

  proxy::ProxyCore& proxy_;
  Timers& timers_;
  Publish publish_;
  std::unordered_map<std::uint64_t, Playing> playing_;
};

}  // namespace rtcgate::api
