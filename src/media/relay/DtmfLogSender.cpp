#include "media/relay/DtmfLogSender.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include "base/JsonString.hpp"
#include "media/packet/PeerAddress.hpp"
#include "media/relay/ListenUrl.hpp"

namespace rtcgate::media {

Result<std::unique_ptr<DtmfLogSender>> DtmfLogSender::open(const std::string& url) {
  const auto address = parseListenUrl(url);
  if (!address) return Error{address.error()};
  const PeerAddress peer = PeerAddress::from(*address);
  const int fd = socket(peer.storage.sin6_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{"cannot open a UDP socket"};
  if (connect(fd, reinterpret_cast<const sockaddr*>(&peer.storage), peer.length) != 0) {
    close(fd);
    return Error{"cannot connect the UDP socket to the DTMF log destination"};
  }
  return std::unique_ptr<DtmfLogSender>(new DtmfLogSender(fd));
}

DtmfLogSender::~DtmfLogSender() { close(fd_); }

std::string DtmfLogSender::format(const DtmfEvent& event) {
  std::string out = "{\"callid\":";
  appendJsonString(out, event.callId);
  out += ",\"source_tag\":";
  appendJsonString(out, event.fromTag);
  out += ",\"tags\":[";
  for (std::size_t i = 0; i < event.tags.size(); ++i) {
    if (i != 0) out += ',';
    appendJsonString(out, event.tags[i]);
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(event.time.time_since_epoch()).count();
  out += "],\"type\":\"DTMF\",\"timestamp\":" + std::to_string(seconds) + ",\"source_ip\":";
  appendJsonString(out, event.source.valid() ? event.source.host() : "");
  out += ",\"event\":" + std::to_string(event.event) +
         ",\"duration\":" + std::to_string(event.durationMs) +
         ",\"volume\":" + std::to_string(event.volume) + "}";
  return out;
}

void DtmfLogSender::onDtmf(const DtmfEvent& event) {
  const std::string datagram = format(event);
  // MSG_DONTWAIT: a full socket buffer loses a log line, never holds the worker.
  (void)send(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT);
}

}  // namespace rtcgate::media
