#pragma once

#include <netinet/in.h>

#include <optional>
#include <string>

#include "ng/Value.hpp"

namespace rtcgate::tools {

// A blocking ng client for the load tools (rtpgen, dtlspeer): one UDP socket, "cookie dict"
// datagrams, three tries of two seconds each. Blocking is right here: the tools create their
// sessions before any media flows, so nothing else waits on this thread.
class NgLink {
 public:
  NgLink(const std::string& host, int port);
  ~NgLink();
  NgLink(const NgLink&) = delete;
  NgLink& operator=(const NgLink&) = delete;

  // Sends a bencoded dictionary and returns the reply body, or "" after three silent tries.
  std::string call(const std::string& dict);
  // The same with the project's ng values; nullopt when there was no reply or it did not decode.
  std::optional<ng::Value> call(const ng::Value& request);

  // "host:port" as the tools' --ng option takes it.
  static NgLink fromOption(const std::string& hostPort);

 private:
  int fd_ = -1;
  sockaddr_in server_{};
  unsigned sequence_ = 0;
};

// Bencoded string "<length>:<bytes>", for the tools that write their dictionaries by hand.
std::string bencodeString(const std::string& s);

}  // namespace rtcgate::tools
