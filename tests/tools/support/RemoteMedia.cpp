#include "support/RemoteMedia.hpp"

#include <arpa/inet.h>

#include <sstream>

#include "sdp/SessionDescription.hpp"

namespace rtcgate::tools {
namespace {

const sdp::SdpLine* findAttribute(const sdp::SessionDescription& description,
                                  std::string_view name) {
  if (const auto* line = description.media().front().findAttribute(name)) return line;
  for (const auto& line : description.sessionLines()) {
    if (line.type == 'a' && line.isAttribute(name)) return &line;
  }
  return nullptr;
}

std::string attribute(const sdp::SessionDescription& description, std::string_view name) {
  const auto* line = findAttribute(description, name);
  return line == nullptr ? std::string() : std::string(line->attributeValue());
}

}  // namespace

std::optional<RemoteMedia> RemoteMedia::fromSdp(std::string_view text) {
  auto parsed = sdp::SessionDescription::parse(text);
  if (!parsed || parsed->media().empty()) return std::nullopt;
  const auto& description = *parsed;
  const auto& media = description.media().front();
  RemoteMedia remote;
  remote.port = media.port();
  remote.protocol = std::string(media.protocol());
  if (auto host = description.connectionAddress(0)) remote.host = std::string(*host);
  for (const auto& line : media.lines) {
    if (line.type != 'a' || !line.isAttribute("candidate")) continue;
    // foundation component transport priority address port typ host
    std::istringstream fields{std::string(line.attributeValue())};
    std::string foundation, component, transport, priority, address, port, typ, type;
    fields >> foundation >> component >> transport >> priority >> address >> port >> typ >> type;
    if (component == "1" && (transport == "UDP" || transport == "udp") && type == "host") {
      remote.host = address;
      remote.port = static_cast<std::uint16_t>(std::stoi(port));
      break;
    }
  }
  remote.iceUfrag = attribute(description, "ice-ufrag");
  remote.icePwd = attribute(description, "ice-pwd");
  remote.setup = attribute(description, "setup");
  remote.iceLite = findAttribute(description, "ice-lite") != nullptr;
  const std::string fingerprint = attribute(description, "fingerprint");
  if (fingerprint.starts_with("sha-256 ")) remote.fingerprint = fingerprint.substr(8);
  if (remote.host.empty() || remote.port == 0) return std::nullopt;
  return remote;
}

sockaddr_in RemoteMedia::socketAddress() const {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  return address;
}

}  // namespace rtcgate::tools
