#include "server/api_json.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>
#include <string_view>
#include <utility>

#include "engine/fingerprint.h"
#include "server/http_util.h"
#include "spec/pipeline_spec.h"
#include "spec/spec_json.h"

using nlohmann::json;

namespace runnel::server {

namespace {

json duration_json(int64_t a, int64_t b) {
  return (a && b) ? json(static_cast<double>(b - a) / 1000.0) : json(nullptr);
}
json null_if_empty(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

const char* source_kind_name(InputSource::Kind k) {
  switch (k) {
    case InputSource::Kind::kLiteral:
      return "literal";
    case InputSource::Kind::kLocalPath:
      return "local_path";
    case InputSource::Kind::kStepOutput:
      return "step_output";
    case InputSource::Kind::kDatastorePath:
      return "datastore_path";
    case InputSource::Kind::kDataset:
      return "dataset";
  }
  return "none";
}

json input_json(const Workspace& ws, const StepInput& in) {
  json src = {{"kind", "none"}};
  if (in.source) {
    const InputSource& s = *in.source;
    src = {{"kind", source_kind_name(s.kind)}};
    switch (s.kind) {
      case InputSource::Kind::kLiteral:
        src["value"] = s.value;
        break;
      case InputSource::Kind::kLocalPath:
        src["path"] = workspace_relative(ws, s.path);
        break;
      case InputSource::Kind::kStepOutput:
        src["step"] = s.step;
        src["output"] = s.output;
        break;
      case InputSource::Kind::kDatastorePath:
        src["datastore"] = s.datastore;
        src["path"] = s.path;
        break;
      case InputSource::Kind::kDataset:
        src["dataset"] = s.dataset;
        src["version"] = s.version;
        break;
    }
  }
  return {{"name", in.name},
          {"type", data_type_name(in.type)},
          {"mode", input_mode_name(in.mode)},
          {"optional", in.optional},
          {"source", src}};
}

}  // namespace

std::string workspace_relative(const Workspace& ws, const std::string& path) {
  const std::string& root = ws.root();
  if (path == root) return "";
  if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
      path[root.size()] == '/')
    return path.substr(root.size() + 1);
  return path;
}

json redact_secrets(const json& j) {
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : j.items()) {
      std::string lk = k;
      std::transform(lk.begin(), lk.end(), lk.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      bool secret =
          lk.find("key") != std::string::npos || lk.find("secret") != std::string::npos ||
          lk.find("password") != std::string::npos || lk.find("token") != std::string::npos ||
          lk.find("credential") != std::string::npos || lk.find("sas") != std::string::npos;
      out[k] = secret ? json("***") : redact_secrets(v);
    }
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& v : j) out.push_back(redact_secrets(v));
    return out;
  }
  return j;
}

json run_summary_json(const PipelineRunRecord& r) {
  return {{"run_id", r.id},
          {"experiment", r.experiment},
          {"status", to_string(r.status)},
          {"display_name", r.display_name},
          {"source_file", r.source_file},
          {"created", time_json(r.created_at)},
          {"started", time_json(r.started_at)},
          {"ended", time_json(r.ended_at)},
          {"duration_s", duration_json(r.started_at, r.ended_at)},
          {"error", null_if_empty(r.error)},
          {"tags", parse_json_or(r.tags_json, json::object())}};
}

json step_counts_json(const std::vector<StepRunRecord>& steps) {
  json c = json::object();
  for (const auto& s : steps) c[to_string(s.status)] = c.value(to_string(s.status), 0) + 1;
  return c;
}

json metric_json(const MetricRecord& m, const std::string& step_name) {
  return {{"step", step_name},
          {"step_run_id", m.run_id},
          {"name", m.name},
          {"kind", m.kind},
          {"value", parse_json_or(m.value_json, nullptr)},
          {"index", m.step},
          {"logged_at", time_json(m.logged_at)}};
}

std::string step_kind(const StepSpec& st) {
  if (st.kind != "command") return st.kind;  // python_script, sweep, parallel
  // The runnel modules an SDK step runs as `python -m MODULE ...`: HyperDriveStep,
  // ParallelRunStep and DataTransferStep are command steps of the SDK.
  static const std::pair<std::string_view, const char*> kModules[] = {
      {"runnel.sweep", "sweep"},
      {"runnel.parallel_run", "parallel"},
      {"runnel.data_transfer", "data_transfer"}};
  std::istringstream words(st.command);
  std::string python, flag, module;
  words >> python >> flag >> module;
  if (std::filesystem::path(python).filename().string().rfind("python", 0) != 0 || flag != "-m")
    return st.kind;
  for (const auto& [name, kind] : kModules)
    if (module == name) return kind;
  return st.kind;
}

json run_detail_json(const Workspace& ws, const PipelineRunRecord& r) {
  json j = run_summary_json(r);
  j["git"] = parse_json_or(r.git_json, nullptr);
  PipelineSpec spec;
  bool have_spec = false;
  if (!r.spec_json.empty()) {
    try {
      spec = spec_from_json(json::parse(r.spec_json));
      have_spec = true;
    } catch (const std::exception&) {
    }
  }
  auto steps = ws.store().list_step_runs(r.id);
  j["step_counts"] = step_counts_json(steps);
  auto metrics = ws.store().get_metrics(r.id, "");
  json out_steps = json::array();
  json edges = json::array();
  for (const auto& s : steps) {
    const StepSpec* st = have_spec ? spec.find_step(s.name) : nullptr;
    json fp = fingerprint_components_of(ws.store(), s);
    json sj = {
        {"name", s.name},
        {"display_name", st && !st->display_name.empty() ? st->display_name : s.name},
        {"step_run_id", s.id},
        {"status", to_string(s.status)},
        {"created", time_json(s.created_at)},
        {"started", time_json(s.started_at)},
        {"ended", time_json(s.ended_at)},
        {"duration_s", duration_json(s.started_at, s.ended_at)},
        {"exit_code", s.exit_code ? json(*s.exit_code) : json(nullptr)},
        {"signal", s.signal ? json(s.signal) : json(nullptr)},
        {"reason", null_if_empty(s.error)},
        {"decision", fp.is_object() && fp.contains("decision") ? fp["decision"] : json(nullptr)},
        {"reused_run_id", null_if_empty(s.reused_run_id)},
        {"job_id", null_if_empty(s.backend_job_id)},
        {"compute", s.compute},
        {"kind", st ? json(step_kind(*st)) : json(nullptr)},
        {"command", st ? st->command : ""},
        {"attempt", s.attempt},
        {"fingerprint", null_if_empty(s.fingerprint)},
        {"tags", parse_json_or(s.tags_json, json::object())}};
    json inputs = json::array();
    json outputs = json::array();
    if (st) {
      for (const auto& in : st->inputs) {
        inputs.push_back(input_json(ws, in));
        if (in.source && in.source->kind == InputSource::Kind::kStepOutput)
          edges.push_back({{"from_step", in.source->step},
                           {"from_output", in.source->output},
                           {"to_step", s.name},
                           {"to_input", in.name}});
      }
      for (const auto& out : st->outputs) {
        auto it = s.outputs.find(out.name);
        outputs.push_back(
            {{"name", out.name},
             {"type", data_type_name(out.type)},
             {"mode", output_mode_name(out.mode)},
             {"path",
              it == s.outputs.end() ? json(nullptr) : json(workspace_relative(ws, it->second))}});
      }
    } else {
      for (const auto& [name, path] : s.outputs)
        outputs.push_back(
            {{"name", name}, {"type", ""}, {"mode", ""}, {"path", workspace_relative(ws, path)}});
    }
    sj["inputs"] = inputs;
    sj["outputs"] = outputs;
    json m = json::object();
    std::string source = s.reused_run_id.empty() ? s.id : s.reused_run_id;
    for (const auto& mr : source == s.id ? metrics : ws.store().get_metrics("", source)) {
      if (mr.run_id != source) continue;
      json v = parse_json_or(mr.value_json, nullptr);
      if (mr.kind == "scalar") {
        m[mr.name] = v;
      } else {
        if (!m.contains(mr.name) || !m[mr.name].is_array()) m[mr.name] = json::array();
        m[mr.name].push_back(v);
      }
    }
    sj["metrics"] = m;
    out_steps.push_back(sj);
  }
  j["steps"] = out_steps;
  j["edges"] = edges;
  json pm = json::object();
  for (const auto& mr : metrics)
    if (mr.run_id == r.id) pm[mr.name] = parse_json_or(mr.value_json, nullptr);
  j["metrics"] = pm;
  return j;
}

}  // namespace runnel::server
