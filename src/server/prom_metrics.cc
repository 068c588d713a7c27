#include "server/prom_metrics.h"

#include <cstdio>

namespace runnel::server {

namespace {
std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
const std::vector<double> kHttpBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,    0.25,  0.5,    1,     2.5,  5};
const std::vector<double> kStepBounds = {0.1, 0.5, 1,    5,    10,       30,       60,
                                         300, 600, 1800, 3600, 4 * 3600, 24 * 3600};
// Label values are escaped as the text format requires.
std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\' || c == '"') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}
}  // namespace

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i]++;
  sum_ += v;
  count_++;
}

void Histogram::write(std::string* out, const std::string& name, const std::string& labels) const {
  uint64_t cum = 0;
  std::string sep = labels.empty() ? "" : labels + ",";
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cum += counts_[i];
    *out +=
        name + "_bucket{" + sep + "le=\"" + num(bounds_[i]) + "\"} " + std::to_string(cum) + "\n";
  }
  cum += counts_.back();
  *out += name + "_bucket{" + sep + "le=\"+Inf\"} " + std::to_string(cum) + "\n";
  std::string l = labels.empty() ? "" : "{" + labels + "}";
  *out += name + "_sum" + l + " " + num(sum_) + "\n";
  *out += name + "_count" + l + " " + std::to_string(count_) + "\n";
}

void ServerMetrics::observe_http(const std::string& method, int status, double seconds) {
  std::string labels = "method=\"" + esc(method) + "\",code=\"" + std::to_string(status) + "\"";
  std::lock_guard lock(mu_);
  http_.try_emplace(labels, kHttpBounds).first->second.observe(seconds);
  http_total_[labels]++;
}

void ServerMetrics::observe_step(const std::string& compute, const std::string& status,
                                 double seconds) {
  std::string labels = "compute=\"" + esc(compute) + "\",status=\"" + esc(status) + "\"";
  std::lock_guard lock(mu_);
  steps_.try_emplace(labels, kStepBounds).first->second.observe(seconds);
}

std::string ServerMetrics::render(const std::map<std::string, double>& gauges) const {
  std::string out;
  std::string last_family;
  for (const auto& [k, v] : gauges) {
    std::string family = k.substr(0, k.find('{'));
    if (family != last_family) {
      out += "# TYPE " + family + " gauge\n";
      last_family = family;
    }
    out += k + " " + num(v) + "\n";
  }
  std::lock_guard lock(mu_);
  out +=
      "# HELP runnel_http_requests_total HTTP requests served\n# TYPE runnel_http_requests_total "
      "counter\n";
  for (const auto& [l, n] : http_total_)
    out += "runnel_http_requests_total{" + l + "} " + std::to_string(n) + "\n";
  out +=
      "# HELP runnel_http_request_duration_seconds HTTP request latency\n# TYPE "
      "runnel_http_request_duration_seconds histogram\n";
  for (const auto& [l, h] : http_) h.write(&out, "runnel_http_request_duration_seconds", l);
  out +=
      "# HELP runnel_step_duration_seconds wall time of steps that ended, by compute and status\n# "
      "TYPE runnel_step_duration_seconds histogram\n";
  for (const auto& [l, h] : steps_) h.write(&out, "runnel_step_duration_seconds", l);
  return out;
}

}  // namespace runnel::server
