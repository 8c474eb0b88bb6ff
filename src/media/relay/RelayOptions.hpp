#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/Timers.hpp"

namespace rtcgate::media {

class DtmfListener;

// Everything the media relay needs from the configuration. A plain value: the config loader fills
// it from YAML (`relay.listen`, `media.ports`, `media.advertise`, `media.timeout`, ...), tests fill
// it by hand.
struct RelayOptions {
  // ng control listen addresses, each "udp://IP:PORT" (YAML `relay.listen`).
  std::vector<std::string> listen{"udp://127.0.0.1:22222"};
  // Sources (CIDR blocks) whose ng requests are answered (YAML `relay.allowed_sources`); the
  // others are dropped and counted. ng must never face the Internet.
  std::vector<std::string> allowedSources{"127.0.0.0/8", "::1"};
  // Local address media sockets bind to; empty = the address of the first ng listener.
  std::string bindAddress;
  // Address written into SDP c=/o= lines (YAML `media.advertise`); empty = bindAddress.
  std::string advertise;
  // Named media interfaces (YAML `media.interfaces`), chosen per call party by the ng `direction`
  // / `from-interface` / `to-interface` / `interface` keys; the first is the default. Empty: one
  // interface named "default" from bindAddress and advertise.
  struct Interface {
    std::string name;
    std::string bind;
    std::string advertise;  // empty = bind
  };
  std::vector<Interface> interfaces;
  // Inclusive media port range (YAML `media.ports`, "30000-39999").
  std::uint16_t portMin = 30000;
  std::uint16_t portMax = 39999;
  // A call with no media and no signalling for this long is deleted (YAML `media.timeout`, s).
  std::chrono::seconds mediaTimeout{60};
  // How long a port waits, after the SDP, before it learns a peer on another host than the SDP
  // names (a NAT); packets from the SDP's own host are taken at once (YAML
  // `media.learning_delay_ms`). Strangers who spray a port before the real peer are dropped.
  Duration learningDelay{1000};
  // How long a cached ng reply is replayed for a retransmitted cookie.
  std::chrono::seconds cookieCacheTime{30};
  // Offers with more m= lines are refused before anything is allocated
  // (YAML `media.max_streams_per_offer`).
  std::size_t maxStreamsPerOffer = 8;
  // Media worker threads (YAML `media.workers`).
  unsigned workers = 1;
  // How the workers receive and send media (YAML `media.packet_io`): io_uring carries every
  // socket's packets in one system call per wake-up; epoll costs a recvmmsg and a sendmmsg per
  // packet. Auto takes io_uring where the kernel allows it (Linux 6.0+, not disabled by sysctl or
  // a container's seccomp profile) and says so at start.
  enum class PacketIo { Auto, IoUring, Epoll };
  PacketIo packetIo = PacketIo::Auto;
  // DTLS certificate and key (PEM files) for WebRTC legs; empty = an ECDSA P-256 certificate is
  // generated at start (YAML `media.dtls_certificate` / `media.dtls_private_key`).
  std::string dtlsCertificate;
  std::string dtlsPrivateKey;
  // DTMF digits the parties send (RFC 4733) go to this listener, on the worker threads (see
  // DtmfListener): the gateway's call events. Null: nobody but dtmfLogDest.
  std::shared_ptr<DtmfListener> dtmfListener;
  // rtpengine's --dtmf-log-dest (YAML relay.dtmf_log_dest): "udp://HOST:PORT" gets one JSON
  // datagram per digit (DtmfLogSender); empty = none.
  std::string dtmfLogDest;
  // Where ng `start recording` writes (YAML relay.record_dir): recording-dir and recording-file
  // from ng may only name places inside it. Created on the first recording.
  std::string recordDir = "recordings";
  // Where ng `play media` reads WAV files (YAML relay.media_dir): `file` must name one inside it.
  std::string mediaDir = "media";
};

}  // namespace rtcgate::media
