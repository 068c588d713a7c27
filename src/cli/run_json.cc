#include "cli/run_json.h"

#include "core/ids.h"
#include "engine/children.h"
#include "engine/fingerprint.h"
#include "runnel/error.h"

using nlohmann::json;

namespace runnel::cli {

namespace {
json time_or_null(int64_t ms) { return ms ? json(format_time_iso(ms)) : json(nullptr); }
json duration_or_null(int64_t a, int64_t b) {
  return (a && b) ? json(static_cast<double>(b - a) / 1000.0) : json(nullptr);
}
json parse_or(const std::string& s, json fallback) {
  if (s.empty()) return fallback;
  json j = json::parse(s, nullptr, false);
  return j.is_discarded() ? fallback : j;
}
}  // namespace

PipelineRunRecord find_run(const Workspace& ws, const std::string& id) {
  if (id.empty() || id == "latest") {
    auto runs = ws.store().list_pipeline_runs("", 1);
    if (runs.empty())
      throw not_found("this workspace has no runs yet; start one with `runnel run FILE.yml`");
    return runs.front();
  }
  auto r = ws.store().get_pipeline_run(id);
  if (!r) {
    // A step run id is accepted too: it names its pipeline run.
    if (auto sr = ws.store().get_step_run(id)) {
      if (auto parent = ws.store().get_pipeline_run(sr->pipeline_run_id)) return *parent;
    }
    throw not_found("no run '" + id + "' in workspace " + ws.root() +
                    "; list runs with `runnel runs list`");
  }
  return *r;
}

StepRunRecord find_step(const Workspace& ws, const PipelineRunRecord& run,
                        const std::string& step) {
  auto steps = ws.store().list_step_runs(run.id);
  for (const auto& s : steps)
    if (s.name == step || s.id == step) return s;
  std::vector<StepRunRecord> prefix;
  for (const auto& s : steps)
    if (s.id.rfind(step, 0) == 0) prefix.push_back(s);
  if (prefix.size() == 1) return prefix.front();
  std::string names;
  for (const auto& s : steps) names += (names.empty() ? "" : ", ") + s.name;
  throw not_found("run " + run.id + " has no step '" + step + "' (steps: " + names + ")");
}

json run_to_json(const Workspace& ws, const PipelineRunRecord& r) {
  json j;
  j["run_id"] = r.id;
  j["experiment"] = r.experiment;
  j["status"] = to_string(r.status);
  j["display_name"] = r.display_name;
  j["source_file"] = r.source_file;
  j["created"] = time_or_null(r.created_at);
  j["started"] = time_or_null(r.started_at);
  j["ended"] = time_or_null(r.ended_at);
  j["duration_s"] = duration_or_null(r.started_at, r.ended_at);
  j["error"] = r.error.empty() ? json(nullptr) : json(r.error);
  j["git"] = parse_or(r.git_json, nullptr);
  j["tags"] = parse_or(r.tags_json, json::object());
  auto metrics = ws.store().get_metrics(r.id, "");
  json steps = json::array();
  for (const auto& s : ws.store().list_step_runs(r.id)) {
    json sj;
    sj["name"] = s.name;
    sj["run_id"] = s.id;
    sj["status"] = to_string(s.status);
    sj["exit_code"] = s.exit_code ? json(*s.exit_code) : json(nullptr);
    sj["signal"] = s.signal ? json(s.signal) : json(nullptr);
    sj["error"] = s.error.empty() ? json(nullptr) : json(s.error);
    sj["started"] = time_or_null(s.started_at);
    sj["ended"] = time_or_null(s.ended_at);
    sj["duration_s"] = duration_or_null(s.started_at, s.ended_at);
    sj["compute"] = s.compute;
    sj["backend_job_id"] = s.backend_job_id.empty() ? json(nullptr) : json(s.backend_job_id);
    sj["reused_run_id"] = s.reused_run_id.empty() ? json(nullptr) : json(s.reused_run_id);
    sj["fingerprint"] = s.fingerprint.empty() ? json(nullptr) : json(s.fingerprint);
    // A reused step's decision names the run it took (take_reuse): no parse of its
    // fingerprint for each reused step of a no-op run.
    sj["decision"] = s.status == StepStatus::kReused && !s.reused_run_id.empty()
                         ? json("reused run " + s.reused_run_id)
                         : json_member(s.fingerprint_json, "decision");  // null when none
    sj["log_dir"] = s.run_dir + "/logs";
    sj["stdout"] = s.run_dir + "/logs/stdout.txt";
    sj["stderr"] = s.run_dir + "/logs/stderr.txt";
    sj["outputs"] = s.outputs;
    sj["tags"] = parse_or(s.tags_json, json::object());
    json m = json::object();
    std::string source = s.reused_run_id.empty() ? s.id : s.reused_run_id;
    for (const auto& mr : source == s.id ? metrics : ws.store().get_metrics("", source)) {
      if (mr.run_id != source) continue;
      json v = parse_or(mr.value_json, nullptr);
      if (mr.kind == "scalar") {
        m[mr.name] = v;
      } else {
        if (!m.contains(mr.name) || !m[mr.name].is_array()) m[mr.name] = json::array();
        m[mr.name].push_back(v);
      }
    }
    sj["metrics"] = m;
    sj["children"] = step_children_json(ws, s);
    steps.push_back(sj);
  }
  j["steps"] = steps;
  json pm = json::object();
  for (const auto& mr : metrics)
    if (mr.run_id == r.id) pm[mr.name] = parse_or(mr.value_json, nullptr);
  j["metrics"] = pm;
  return j;
}

}  // namespace runnel::cli
