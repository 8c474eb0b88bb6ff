#include "proxy/UacRequest.hpp"

#include <algorithm>

namespace rtcgate::proxy {

std::string UacRequest::write() const {
  std::string text;
  text.reserve(512 + body.size());
  text.append(method).append(" ").append(uri).append(" SIP/2.0\r\n");
  text.append("Via: ").append(via).append("\r\n");
  text += "Max-Forwards: 70\r\n";
  if (routes) {
    for (const auto& route : *routes) text.append("Route: ").append(route).append("\r\n");
  }
  text.append("From: ").append(from).append("\r\n");
  text.append("To: ").append(to).append("\r\n");
  text.append("Call-ID: ").append(callId).append("\r\n");
  text.append("CSeq: ").append(std::to_string(cseq)).append(" ").append(method).append("\r\n");
  text.append(extraHeaders);
  if (!body.empty()) text.append("Content-Type: ").append(contentType).append("\r\n");
  text.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
  text.append(body);
  return text;
}

sip::Flow sendingFlow(sip::Flow flow) {
  if (!sip::isReliable(flow.transport)) flow.connectionId = 0;
  return flow;
}

std::vector<std::string> uacRouteSet(const sip::SipMessage& response) {
  std::vector<std::string> routes;
  for (const auto& value : response.all(sip::HeaderId::RecordRoute)) routes.emplace_back(value);
  std::reverse(routes.begin(), routes.end());
  return routes;
}

}  // namespace rtcgate::proxy
