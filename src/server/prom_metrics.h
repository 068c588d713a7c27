// server/prom_metrics.h: the counters and histograms behind GET /metrics (Prometheus text
// format 0.0.4). Thread-safety: every method may be called from any thread (one mutex).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace runnel::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
  void observe(double v);
  // Appends `name_bucket{labels,le=...}`, `name_sum` and `name_count` lines.
  void write(std::string* out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

class ServerMetrics {
 public:
  void observe_http(const std::string& method, int status, double seconds);
  void observe_step(const std::string& compute, const std::string& status, double seconds);
  // The text of every metric above, plus the gauges given (name{labels} -> value).
  std::string render(const std::map<std::string, double>& gauges) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Histogram> http_;  // by "method=..,code=.." labels
  std::map<std::string, uint64_t> http_total_;
  std::map<std::string, Histogram> steps_;  // by "compute=..,status=.." labels
};

}  // namespace runnel::server
