#pragma once

#include <string>

namespace rtcgate::io {

// What TransportManager's HTTP hook answers to a plain GET on a ws/wss listener (a demo page).
struct HttpResponse {
  std::string contentType = "text/html; charset=utf-8";
  std::string body;
  unsigned status = 200;  // 429 or 503 for a page that is there but cannot answer now
};

}  // namespace rtcgate::io
