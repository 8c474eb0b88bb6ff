#include "http/MetricsRegistry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "http/Json.hpp"

namespace rtcgate::http {
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

const char* typeName(MetricType type) {
  switch (type) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
  }
  return "untyped";
}

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

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

// name{labels,le="bound"} value: `le` goes last, after the declared labels.
void appendSample(std::string& out, std::string_view name, const MetricLabels& labels,
                  std::string_view le, double value) {
  out += name;
  if (!labels.empty() || !le.empty()) {
    out += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) out += ',';
      out += labels[i].first + "=\"";
      appendEscaped(out, labels[i].second, true);
      out += '"';
    }
    if (!le.empty()) {
      if (!labels.empty()) out += ',';
      out += "le=\"";
      out += le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  appendPrometheusValue(out, value);
  out += '\n';
}

std::string boundText(const Histogram& histogram, std::size_t i) {
  return i < histogram.bounds().size() ? fmt::format("{}", histogram.bounds()[i]) : "+Inf";
}

// _count is the +Inf bucket as read in this same pass, not Histogram::count(): an observation
// landing mid-scrape (from a media worker) must not make _count and le="+Inf" disagree.
void appendHistogramSamples(std::string& out, const std::string& name, const MetricLabels& labels,
                            const Histogram& histogram) {
  const std::size_t buckets = histogram.bounds().size() + 1;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < buckets; ++i) {
    total = histogram.cumulativeCount(i);
    appendSample(out, name + "_bucket", labels, boundText(histogram, i),
                 static_cast<double>(total));
  }
  appendSample(out, name + "_sum", labels, {}, histogram.sum());
  appendSample(out, name + "_count", labels, {}, static_cast<double>(total));
}

void appendHistogramJson(std::string& out, const Histogram& histogram) {
  const std::size_t buckets = histogram.bounds().size() + 1;
  std::uint64_t total = 0;
  std::string list;
  for (std::size_t i = 0; i < buckets; ++i) {
    total = histogram.cumulativeCount(i);
    if (i > 0) list += ',';
    list += "{\"le\":";
    appendJsonString(list, boundText(histogram, i));
    list += ",\"count\":" + std::to_string(total) + '}';
  }
  out += ",\"count\":" + std::to_string(total) + ",\"sum\":";
  appendJsonNumber(out, histogram.sum());
  out += ",\"buckets\":[" + list + ']';
}

}  // namespace

io::Status MetricsRegistry::add(MetricType type, std::string name, std::string help,
                                MetricLabels labels, MetricReader read) {
  if (type == MetricType::Histogram) {
    return io::Status::failure("metrics: " + name + " is a histogram: use addHistogram");
  }
  if (!read) return io::Status::failure("metrics: " + name + " has no reader");
  return addSeries(type, std::move(name), std::move(help),
                   Series{std::move(labels), std::move(read)});
}

io::Status MetricsRegistry::addHistogram(std::string name, std::string help, MetricLabels labels,
                                         const Histogram& histogram) {
  // The exposition appends these suffixes itself; a family named like one would collide.
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    if (endsWith(name, suffix)) {
      return io::Status::failure("metrics: histogram " + name + " must not end in " + suffix);
    }
  }
  for (const auto& label : labels) {
    if (label.first == "le") {
      return io::Status::failure("metrics: histogram " + name + " cannot have an 'le' label");
    }
  }
  if (const std::string why = Histogram::checkBounds(histogram.bounds()); !why.empty()) {
    return io::Status::failure("metrics: " + name + ": " + why);
  }
  return addSeries(MetricType::Histogram, std::move(name), std::move(help),
                   Series{std::move(labels), {}, &histogram});
}

Histogram& MetricsRegistry::histogram(std::string name, std::string help,
                                      std::vector<double> bounds, MetricLabels labels) {
  Histogram& owned = ownedHistograms_.emplace_back(std::move(bounds));
  auto status = addHistogram(std::move(name), std::move(help), std::move(labels), owned);
  if (!status) {
    ownedHistograms_.pop_back();
    throw std::invalid_argument(status.error());
  }
  return owned;
}

io::Status MetricsRegistry::addSeries(MetricType type, std::string name, std::string help,
                                      Series series) {
  if (!validName(name, true))
    return io::Status::failure("metrics: invalid metric name '" + name + "'");
  for (const auto& [label, value] : series.labels) {
    if (!validName(label, false) || label.rfind("__", 0) == 0) {
      return io::Status::failure("metrics: invalid label name '" + label + "' on " + name);
    }
  }
  const MetricLabels key = sortedLabels(series.labels);
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
    for (const Series& existing : family->series) {
      if (sortedLabels(existing.labels) == key) {
        return io::Status::failure("metrics: " + name + " declared twice with the same labels");
      }
    }
  }
  family->series.push_back(std::move(series));
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

io::Status MetricsRegistry::addStatistic(StatKind kind, std::string name, std::string help,
                                         MetricLabels labels, const std::uint64_t* value) {
  if (kind == StatKind::Counter) {
    return addCounter(std::move(name), std::move(help), std::move(labels), value);
  }
  if (value == nullptr) return io::Status::failure("metrics: " + name + " has no gauge");
  return addGauge(std::move(name), std::move(help), std::move(labels),
                  [value] { return static_cast<double>(*value); });
}

std::string MetricsRegistry::renderPrometheus() const {
  std::string out;
  for (const Family& family : families_) {
    out += "# HELP " + family.name + ' ';
    appendEscaped(out, family.help, false);
    out += "\n# TYPE " + family.name + ' ' + typeName(family.type) + '\n';
    for (const Series& series : family.series) {
      if (series.histogram) {
        appendHistogramSamples(out, family.name, series.labels, *series.histogram);
        continue;
      }
      appendSample(out, family.name, series.labels, {}, series.read());
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
      out += '}';
      if (series.histogram) {
        appendHistogramJson(out, *series.histogram);
      } else {
        out += ",\"value\":";
        appendJsonNumber(out, series.read());
      }
      out += '}';
    }
    out += "]}";
  }
  out += '}';
  return out;
}

}  // namespace rtcgate::http
