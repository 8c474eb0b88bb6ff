#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/Result.hpp"

namespace rtcgate::sdp {

// One "x=value" line with the line ending it arrived with, so untouched lines are written back
// byte for byte.
struct SdpLine {
  char type = 0;
  std::string value;  // after "x="
  std::string eol;    // "\r\n", "\n" or "" for a last line without ending

  bool isAttribute(std::string_view name) const;  // a=name or a=name:...
  std::string_view attributeValue() const;        // text after "name:" ("" without a colon)
};

struct MediaSection {
  std::vector<SdpLine> lines;  // lines[0] is the m= line

  std::string_view mediaType() const;  // "audio"
  std::uint16_t port() const;
  std::string_view protocol() const;
  std::vector<std::string_view> formats() const;
  // m=<type> <port> <proto> <formats...> rewritten with the given parts.
  void setMediaLine(std::uint16_t port, std::string_view protocol,
                    const std::vector<std::string_view>& formats);
  const SdpLine* findAttribute(std::string_view name) const;
  std::optional<std::string_view> connectionAddress() const;          // from a media-level c= line
  std::string_view encodingName(std::string_view payloadType) const;  // from rtpmap or static
  std::uint32_t clockRate(std::string_view payloadType) const;
};

// An SDP body split into session-level lines and media sections. Parsing checks only the framing
// (every line "x=..."; v= first; well-formed m= lines); everything it does not change is written
// back exactly as received.
class SessionDescription {
 public:
  static Result<SessionDescription> parse(std::string_view text);
  // The number of m= lines, without parsing the rest: what an offer costs before any work is
  // done for it (media.max_streams_per_offer).
  static std::size_t countMediaSections(std::string_view text);
  std::string toString() const;

  std::vector<SdpLine>& sessionLines() { return session_; }
  const std::vector<SdpLine>& sessionLines() const { return session_; }
  std::vector<MediaSection>& media() { return media_; }
  const std::vector<MediaSection>& media() const { return media_; }

  std::optional<std::string_view> sessionConnectionAddress() const;
  // The media's connection address: media-level c= or else the session-level one.
  std::optional<std::string_view> connectionAddress(std::size_t mediaIndex) const;
  bool hasSessionAttribute(std::string_view name) const;

 private:
  std::vector<SdpLine> session_;
  std::vector<MediaSection> media_;
};

// "IN IP4 192.0.2.1" -> "192.0.2.1"; nullopt when malformed.
std::optional<std::string_view> connectionHost(std::string_view cValue);

}  // namespace rtcgate::sdp
