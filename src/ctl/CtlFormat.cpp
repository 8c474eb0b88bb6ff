#include "ctl/CtlFormat.hpp"

#include <fmt/format.h>

#include <cmath>

#include "ctl/TextTable.hpp"

namespace rtcgate::ctl {

namespace {

// "transport=udp,side=server" for a labels object.
std::string labelsText(const http::JsonValue& labels) {
  std::string out;
  for (const auto& [name, value] : labels.asObject()) {
    if (!out.empty()) out += ',';
    out += name + '=' + value.toText();
  }
  return out;
}

// Nested objects and arrays as "media.streams[0].packets" = value lines.
void flatten(const std::string& prefix, const http::JsonValue& value, TextTable& table) {
  if (value.isObject() && value.size() > 0) {
    for (const auto& [name, member] : value.asObject()) {
      flatten(prefix.empty() ? name : prefix + '.' + name, member, table);
    }
  } else if (value.isArray() && value.size() > 0) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      flatten(prefix + '[' + std::to_string(i) + ']', value[i], table);
    }
  } else {
    table.addRow({prefix, value.isObject() || value.isArray() ? value.dump() : value.toText()});
  }
}

std::string listOf(const http::JsonValue& array) {
  std::string out;
  for (const auto& item : array.asArray()) {
    if (!out.empty()) out += ", ";
    out += item.toText();
  }
  return out;
}

}  // namespace

std::string formatDuration(const http::JsonValue& seconds) {
  if (!seconds.isNumber()) return seconds.toText();
  const double value = seconds.asNumber();
  if (value < 0 || !std::isfinite(value)) return seconds.toText();
  const auto total = static_cast<long long>(value);
  const long long h = total / 3600, m = total % 3600 / 60, s = total % 60;
  if (h > 0) return fmt::format("{}h {:02}m {:02}s", h, m, s);
  if (m > 0) return fmt::format("{}m {:02}s", m, s);
  return fmt::format("{}s", s);
}

std::string formatHealth(const http::JsonValue& health) {
  TextTable summary({"status", health["status"].toText()});
  summary.addRow({"uptime", formatDuration(health["uptime_seconds"])});
  summary.addRow({"version", health["version"].toText()});
  std::string out = summary.render();
  if (health["checks"].size() > 0) {
    TextTable checks({"CHECK", "STATUS", "REASON"});
    for (const auto& check : health["checks"].asArray()) {
      checks.addRow({check["name"].toText(), check["status"].toText(), check["reason"].toText()});
    }
    out += '\n' + checks.render();
  }
  return out;
}

std::string formatStats(const http::JsonValue& stats) {
  TextTable table({"METRIC", "LABELS", "VALUE"});
  for (const auto& [name, family] : stats["metrics"].asObject()) {
    for (const auto& sample : family["samples"].asArray()) {
      const std::string labels = labelsText(sample["labels"]);
      if (family["type"].asString() == "histogram") {
        // Count and sum are what a person reads; buckets are for --json and Prometheus.
        table.addRow({name + "_count", labels, sample["count"].toText()});
        table.addRow({name + "_sum", labels, sample["sum"].toText()});
      } else {
        table.addRow({name, labels, sample["value"].isNull() ? "NaN" : sample["value"].toText()});
      }
    }
  }
  return table.render();
}

std::string formatRegistrations(const http::JsonValue& registrations) {
  const auto& list = registrations["registrations"];
  if (list.size() == 0) return "no registrations\n";
  TextTable table({"AOR", "CONTACT", "TRANSPORT", "SOURCE", "EXPIRES", "USER AGENT"});
  for (const auto& r : list.asArray()) {
    table.addRow({r["aor"].toText(), r["contact"].toText(), r["transport"].toText(),
                  r["source"].toText(), formatDuration(r["expires_in"]), r["user_agent"].toText()});
  }
  return table.render();
}

// "PCMU", or "opus/PCMU" when the caller's direction and the callee's use different codecs.
std::string formatCodecs(const http::JsonValue& media) {
  const std::string fromCaller = media["from_caller"]["codec"].toText();
  const std::string fromCallee = media["from_callee"]["codec"].toText();
  if (fromCaller == fromCallee || fromCallee.empty()) return fromCaller;
  if (fromCaller.empty()) return fromCallee;
  return fromCaller + "/" + fromCallee;
}

std::string formatCalls(const http::JsonValue& calls) {
  const auto& list = calls["calls"];
  if (list.size() == 0) return "no calls\n";
  TextTable table({"ID", "STATE", "FROM", "TO", "START", "ANSWER", "DURATION", "CODEC"});
  for (const auto& c : list.asArray()) {
    table.addRow({c["id"].toText(), c["state"].toText(), c["from"].toText(), c["to"].toText(),
                  c["start"].toText(), c["answer"].toText(), formatDuration(c["duration"]),
                  formatCodecs(c["media"])});
  }
  return table.render();
}

std::string formatBans(const http::JsonValue& bans) {
  const auto& list = bans["bans"];
  if (list.size() == 0) return "no bans\n";
  TextTable table({"SOURCE", "SECONDS LEFT", "FAILURES", "REASON"});
  for (const auto& b : list.asArray()) {
    table.addRow({b["source"].toText(), b["seconds_left"].toText(), b["failures"].toText(),
                  b["reason"].toText()});
  }
  return table.render();
}

std::string formatCall(const http::JsonValue& call) {
  // Accept the call object itself or {"call": {...}}.
  const http::JsonValue& body = call.has("call") && call["call"].isObject() ? call["call"] : call;
  TextTable table({"FIELD", "VALUE"});
  for (const auto& [name, value] : body.asObject()) {
    if (name == "duration") {
      table.addRow({name, formatDuration(value)});
    } else {
      flatten(name, value, table);
    }
  }
  return table.render();
}

std::string formatReload(const http::JsonValue& reload) {
  std::string out = "configuration reloaded\n";
  if (reload["applied"].size() > 0) out += "applied: " + listOf(reload["applied"]) + '\n';
  if (reload["applied"].size() == 0 && reload["needs_restart"].size() == 0) {
    out += "nothing changed\n";
  }
  for (const auto& warning : reload["needs_restart"].asArray()) {
    out += "needs restart: " + warning.toText() + '\n';
  }
  return out;
}

}  // namespace rtcgate::ctl
