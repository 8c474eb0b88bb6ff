#include "io/TransportOptions.hpp"

#include "base/SocketAddress.hpp"

namespace rtcgate::io {

std::string ListenAddress::toUrl() const {
  std::string url(sip::transportParamName(transport));
  url += "://";
  const auto literal = SocketAddress::parse(host, port);
  url += literal ? literal->hostForUri() : host;
  url += ':';
  url += std::to_string(port);
  return url;
}

}  // namespace rtcgate::io
