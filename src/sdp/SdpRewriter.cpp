#include "sdp/SdpRewriter.hpp"

#include <algorithm>
#include <cctype>

namespace rtcgate::sdp {
namespace {

bool isIceAttribute(const SdpLine& line) {
  constexpr std::string_view kIce[] = {"ice-ufrag", "ice-pwd",           "ice-options",
                                       "candidate", "end-of-candidates", "remote-candidates",
                                       "ice-lite",  "ice-mismatch",      "ice-pacing"};
  return std::any_of(std::begin(kIce), std::end(kIce),
                     [&](std::string_view name) { return line.isAttribute(name); });
}

bool isCryptoAttribute(const SdpLine& line) {
  return line.isAttribute("crypto") || line.isAttribute("fingerprint") ||
         line.isAttribute("setup") || line.isAttribute("tls-id");
}

std::string connectionValue(const RewritePlan& plan) {
  return std::string(plan.ipv6 ? "IN IP6 " : "IN IP4 ") + plan.address;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool listed(const std::vector<std::string>& names, std::string_view encoding) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& name) {
    return name == "all" || equalsIgnoreCase(name, encoding);
  });
}

// The payload type an a=rtpmap/fmtp/rtcp-fb line is about ("" for other lines).
std::string_view payloadTypeOf(const SdpLine& line) {
  if (!line.isAttribute("rtpmap") && !line.isAttribute("fmtp") && !line.isAttribute("rtcp-fb")) {
    return {};
  }
  const std::string_view v = line.attributeValue();
  return v.substr(0, v.find(' '));
}

}  // namespace

void SdpRewriter::rewrite(SessionDescription& description, const RewritePlan& plan) {
  rewriteSessionLevel(description, plan);
  for (std::size_t i = 0; i < description.media().size() && i < plan.media.size(); ++i) {
    rewriteMedia(description.media()[i], plan, plan.media[i]);
  }
}

void SdpRewriter::rewriteSessionLevel(SessionDescription& description, const RewritePlan& plan) {
  auto& lines = description.sessionLines();
  for (SdpLine& line : lines) {
    if (line.type == 'c') {
      line.value = connectionValue(plan);
    } else if (line.type == 'o' && plan.replaceOrigin) {
      // o=<user> <sess-id> <version> IN IP4 <address>: keep the first three fields.
      const std::string_view v = line.value;
      std::size_t cut = 0;
      for (int field = 0; field < 3 && cut != std::string_view::npos; ++field) {
        cut = v.find(' ', field == 0 ? 0 : cut + 1);
      }
      if (cut != std::string_view::npos) {
        line.value = std::string(v.substr(0, cut + 1)) + connectionValue(plan);
      }
    }
  }
  auto isBundle = [](const SdpLine& line) {
    return line.isAttribute("group") && line.attributeValue().starts_with("BUNDLE");
  };
  std::string group = "group:BUNDLE";
  for (const std::string& mid : plan.bundleMids) group += " " + mid;
  bool grouped = false;
  if (plan.replaceBundle && !plan.bundleMids.empty()) {
    // In place of the first existing group, so the line keeps its position.
    for (SdpLine& line : lines) {
      if (isBundle(line)) {
        line.value = group;
        grouped = true;
        break;
      }
    }
  }
  bool keptGroup = false;
  std::erase_if(lines, [&](const SdpLine& line) {
    if (plan.replaceBundle && isBundle(line)) {
      const bool keep = grouped && !keptGroup && line.value == group;
      keptGroup = keptGroup || keep;
      return !keep;
    }
    return (plan.ice != IceAction::Keep && isIceAttribute(line)) ||
           (plan.stripCrypto && isCryptoAttribute(line));
  });
  const bool hasBundle = std::any_of(lines.begin(), lines.end(), isBundle);
  if (!plan.bundleMids.empty() && !hasBundle) {
    const std::string eol = lines.empty() || lines.back().eol.empty() ? "\r\n" : lines.back().eol;
    lines.push_back(SdpLine{'a', std::move(group), eol});
  }
  if (plan.ice == IceAction::Insert && plan.iceLite) {
    // RFC 8839 §5.3: session level, so the full agent knows it must be the controlling one.
    const std::string eol = lines.empty() || lines.back().eol.empty() ? "\r\n" : lines.back().eol;
    lines.push_back(SdpLine{'a', "ice-lite", eol});
  }
}

std::vector<std::string_view> SdpRewriter::filterFormats(const MediaSection& section,
                                                         const RewritePlan& plan,
                                                         const MediaPlan& media,
                                                         std::vector<std::string>& removed) {
  std::vector<std::string_view> kept;
  for (std::string_view format : section.formats()) {
    if (media.replaceFormats || listed(plan.stripCodecs, section.encodingName(format))) {
      removed.emplace_back(format);
    } else {
      kept.push_back(format);
    }
  }
  if (kept.empty() && !media.replaceFormats) {  // never strip a section down to nothing
    removed.clear();
    kept = section.formats();
  }
  std::stable_partition(kept.begin(), kept.end(), [&](std::string_view format) {
    return listed(plan.preferCodecs, section.encodingName(format));
  });
  return kept;
}

void SdpRewriter::rewriteMedia(MediaSection& section, const RewritePlan& plan,
                               const MediaPlan& media) {
  // A bundle-only section (port 0, RFC 8843 §6) is in use: it gets a port like the others.
  if (media.rtpPort == 0 || (section.port() == 0 && !section.findAttribute("bundle-only"))) return;
  std::vector<std::string> removedFormats;
  const auto formats = filterFormats(section, plan, media, removedFormats);
  const std::string protocol(plan.protocol.empty() ? section.protocol() : plan.protocol);
  std::vector<std::string> formatCopies(formats.begin(), formats.end());
  for (const AddedFormat& added : media.addFormats) {
    formatCopies.push_back(std::to_string(added.payloadType));
  }
  section.setMediaLine(media.rtpPort, protocol,
                       std::vector<std::string_view>(formatCopies.begin(), formatCopies.end()));
  const std::string eol = section.lines[0].eol.empty() ? "\r\n" : section.lines[0].eol;
  const bool hadMid = section.findAttribute("mid") != nullptr;
  auto& lines = section.lines;
  for (SdpLine& line : lines) {
    if (line.type == 'c') line.value = connectionValue(plan);
  }
  std::erase_if(lines, [&](const SdpLine& line) {
    const std::string_view pt = payloadTypeOf(line);
    return line.isAttribute("rtcp") || line.isAttribute("rtcp-mux") ||
           line.isAttribute("bundle-only") ||
           (plan.ice != IceAction::Keep && isIceAttribute(line)) ||
           (plan.stripCrypto && isCryptoAttribute(line)) ||
           (!pt.empty() &&
            std::find(removedFormats.begin(), removedFormats.end(), pt) != removedFormats.end());
  });
  addFormatLines(lines, media, eol);
  auto add = [&](std::string value) { lines.push_back(SdpLine{'a', std::move(value), eol}); };
  if (!hadMid && !media.mid.empty()) add("mid:" + media.mid);
  if (media.rtcpMux) add("rtcp-mux");
  if (media.rtcpPort != 0 && plan.rtcpAttribute) {
    std::string rtcp = "rtcp:" + std::to_string(media.rtcpPort);
    if (plan.fullRtcpAttribute) rtcp += " " + connectionValue(plan);
    add(std::move(rtcp));
  }
  if (plan.ice == IceAction::Insert) {
    add("ice-ufrag:" + plan.iceUfrag);
    add("ice-pwd:" + plan.icePwd);
    // One host candidate per component: the relay's own address is the only path offered.
    add("candidate:1 1 UDP 2130706431 " + plan.address + " " + std::to_string(media.rtpPort) +
        " typ host");
    if (media.rtcpPort != 0 && !media.rtcpMux) {
      add("candidate:1 2 UDP 2130706430 " + plan.address + " " + std::to_string(media.rtcpPort) +
          " typ host");
    }
    if (plan.iceLite) add("end-of-candidates");
  }
  if (!media.fingerprint.empty()) add("fingerprint:" + media.fingerprint);
  if (!media.setup.empty()) add("setup:" + media.setup);
  if (!media.crypto.empty()) add("crypto:" + media.crypto);
}

// Right after the m= line's own rtpmap/fmtp lines, or after the last line when it has none.
void SdpRewriter::addFormatLines(std::vector<SdpLine>& lines, const MediaPlan& media,
                                 const std::string& eol) {
  if (media.addFormats.empty()) return;
  std::size_t at = lines.size();
  for (std::size_t i = lines.size(); i-- > 1;) {
    if (lines[i].isAttribute("rtpmap") || lines[i].isAttribute("fmtp")) {
      at = i + 1;
      break;
    }
  }
  std::vector<SdpLine> added;
  for (const AddedFormat& format : media.addFormats) {
    const std::string pt = std::to_string(format.payloadType);
    std::string rtpmap =
        "rtpmap:" + pt + " " + format.encoding + "/" + std::to_string(format.clockRate);
    if (format.channels > 1) rtpmap += "/" + std::to_string(format.channels);
    added.push_back(SdpLine{'a', std::move(rtpmap), eol});
    if (!format.fmtp.empty()) added.push_back(SdpLine{'a', "fmtp:" + pt + " " + format.fmtp, eol});
  }
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), added.begin(), added.end());
}

}  // namespace rtcgate::sdp
