#include "admin/MetricsRegistry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "admin/Json.hpp"

namespace rtcgate::admin {
namespace {

bool isNameChar(char c, bool first, bool allowColon) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (letter || (allowColon && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

bool validName(std::string_view name, bool allowColon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!isNameChar(name[i], i == 0, allowColon)) return false;
  }
  return true;
}

const char* typeName(MetricType type) { return type == MetricType::Counter ? "counter" : "gauge"; }

// HELP text escapes only backslash and newline; label values also escape the double quote.
void appendEscaped(std::string& out, std::string_view text, bool escapeQuote) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escapeQuote) {
      out += "\\\"";
    } else {
      out.push_back(c);
    }
  }
}

void appendPrometheusValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    out += fmt::format("{}", value);
  }
}

MetricLabels sortedLabels(MetricLabels labels) {
  std::sort(labels.begin(), labels.end());
  return labels;
}

}  // namespace

io::Status MetricsRegistry::add(MetricType type, std::string name, std::string help,
                                MetricLabels labels, MetricReader read) {
  if (!validName(name, true))
    return io::Status::failure("metrics: invalid metric name '" + name + "'");
  if (!read) return io::Status::failure("metrics: " + name + " has no reader");
  for (const auto& [label, value] : labels) {
    if (!validName(label, false) || label.rfind("__", 0) == 0) {
      return io::Status::failure("metrics: invalid label name '" + label + "' on " + name);
    }
  }
  const MetricLabels key = sortedLabels(labels);
  for (std::size_t i = 1; i < key.size(); ++i) {
    if (key[i].first == key[i - 1].first) {
      return io::Status::failure("metrics: label '" + key[i].first + "' repeated on " + name);
    }
  }

  auto family = std::find_if(families_.begin(), families_.end(),
                             [&](const Family& f) { return f.name == name; });
  if (family == families_.end()) {
    families_.push_back(Family{std::move(name), std::move(help), type, {}});
    family = std::prev(families_.end());
  } else {
    if (family->type != type || family->help != help) {
      return io::Status::failure("metrics: " + name + " redeclared with another type or help");
    }
    for (const Series& series : family->series) {
      if (sortedLabels(series.labels) == key) {
        return io::Status::failure("metrics: " + name + " declared twice with the same labels");
      }
    }
  }
  family->series.push_back(Series{std::move(labels), std::move(read)});
  return io::Status::success();
}

io::Status MetricsRegistry::addCounter(std::string name, std::string help, MetricLabels labels,
                                       MetricReader read) {
  return add(MetricType::Counter, std::move(name), std::move(help), std::move(labels),
             std::move(read));
}

io::Status MetricsRegistry::addCounter(std::string name, std::string help, MetricLabels labels,
                                       const std::uint64_t* value) {
  if (value == nullptr) return io::Status::failure("metrics: " + name + " has no counter");
  return addCounter(std::move(name), std::move(help), std::move(labels),
                    [value] { return static_cast<double>(*value); });
}

io::Status MetricsRegistry::addGauge(std::string name, std::string help, MetricLabels labels,
                                     MetricReader read) {
  return add(MetricType::Gauge, std::move(name), std::move(help), std::move(labels),
             std::move(read));
}

std::string MetricsRegistry::renderPrometheus() const {
  std::string out;
  for (const Family& family : families_) {
    out += "# HELP " + family.name + ' ';
    appendEscaped(out, family.help, false);
    out += "\n# TYPE " + family.name + ' ' + typeName(family.type) + '\n';
    for (const Series& series : family.series) {
      out += family.name;
      if (!series.labels.empty()) {
        out += '{';
        for (std::size_t i = 0; i < series.labels.size(); ++i) {
          if (i > 0) out += ',';
          out += series.labels[i].first + "=\"";
          appendEscaped(out, series.labels[i].second, true);
          out += '"';
        }
        out += '}';
      }
      out += ' ';
      appendPrometheusValue(out, series.read());
      out += '\n';
    }
  }
  return out;
}

std::string MetricsRegistry::renderJson() const {
  std::string out = "{";
  for (std::size_t f = 0; f < families_.size(); ++f) {
    const Family& family = families_[f];
    if (f > 0) out += ',';
    appendJsonString(out, family.name);
    out += ":{\"type\":";
    appendJsonString(out, typeName(family.type));
    out += ",\"help\":";
    appendJsonString(out, family.help);
    out += ",\"samples\":[";
    for (std::size_t s = 0; s < family.series.size(); ++s) {
      const Series& series = family.series[s];
      if (s > 0) out += ',';
      out += "{\"labels\":{";
      for (std::size_t i = 0; i < series.labels.size(); ++i) {
        if (i > 0) out += ',';
        appendJsonString(out, series.labels[i].first);
        out += ':';
        appendJsonString(out, series.labels[i].second);
      }
      out += "},\"value\":";
      appendJsonNumber(out, series.read());
      out += '}';
    }
    out += "]}";
  }
  out += '}';
  return out;
}

}  // namespace rtcgate::admin
