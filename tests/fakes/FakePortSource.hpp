#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "media/packet/PacketRelay.hpp"
#include "media/relay/PortSource.hpp"

namespace rtcgate::testing {

// Ports without sockets: streams get distinct port numbers (even RTP, RTP+1 RTCP, as PortPool
// hands them out) from a pool of `capacity` ports, and nothing is bound, so offer/answer runs
// without a kernel. Counts the ports held, like PortPool::inUse().
class FakePortSource : public media::PortSource {
 public:
  explicit FakePortSource(media::PacketRelay& relay, std::size_t capacity = 1000)
      : relay_(relay), capacity_(capacity) {}

  Result<bool> bind(media::CallMedia& media, bool singlePort,
                    const media::LocalInterface& where) override {
    if (media.rtp && held_.contains(media.rtp.get())) return true;
    if (media.rtp) {
      singlePort = !media.rtcp;
    } else {
      media.rtp = std::make_unique<media::MediaStream>(relay_, false);
      if (!singlePort) media.rtcp = std::make_unique<media::MediaStream>(relay_, true);
    }
    if (held_.size() + (singlePort ? 1 : 2) > capacity_) return Error{"Ran out of ports"};
    hold(*media.rtp, next_);
    interfaces_[media.rtp.get()] = where.name;
    if (media.rtcp) hold(*media.rtcp, static_cast<std::uint16_t>(next_ + 1));
    next_ = static_cast<std::uint16_t>(next_ + 2);
    return true;
  }

  void release(media::MediaStream& stream, std::uint16_t sharedPort) override {
    held_.erase(&stream);
    stream.detach(sharedPort);
  }

  std::size_t inUse() const { return held_.size(); }
  bool holds(const media::MediaStream& stream) const { return held_.contains(&stream); }
  // The name of the interface `stream`'s line was last bound on ("" = never bound).
  std::string interfaceOf(const media::MediaStream& stream) const {
    auto it = interfaces_.find(&stream);
    return it == interfaces_.end() ? std::string() : it->second;
  }

 private:
  void hold(media::MediaStream& stream, std::uint16_t port) {
    stream.detach(port);  // no socket: the stream only shows the port
    held_.insert(&stream);
  }

  media::PacketRelay& relay_;
  std::size_t capacity_;
  std::uint16_t next_ = 30000;
  std::unordered_set<const media::MediaStream*> held_;
  std::unordered_map<const media::MediaStream*, std::string> interfaces_;
};

}  // namespace rtcgate::testing
