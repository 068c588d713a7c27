#include "server/why_json.h"

#include "core/ids.h"
#include "engine/fingerprint.h"

using nlohmann::json;

namespace runnel {

namespace {

// The components that stayed the same, as a short list for the reader.
std::vector<std::string> unchanged_parts(const json& a, const json& b) {
  std::vector<std::string> out;
  auto same = [&](const char* k) {
    return a.is_object() && b.is_object() && a.value(k, json()) == b.value(k, json());
  };
  if (same("command")) out.push_back("command");
  if (a.contains("code") && b.contains("code") && a["code"].is_object() && b["code"].is_object() &&
      a["code"].value("digest", "") == b["code"].value("digest", ""))
    out.push_back("code (" + std::to_string(b["code"].value("files", json::object()).size()) +
                  " files)");
  if (a.contains("environment") && b.contains("environment") &&
      a["environment"].value("packages", "") == b["environment"].value("packages", "") &&
      a["environment"].value("python", "") == b["environment"].value("python", "") &&
      a["environment"].value("variables", json()) == b["environment"].value("variables", json()) &&
      a["environment"].value("image", json()) == b["environment"].value("image", json()) &&
      a["environment"].value("conda_file", json()) == b["environment"].value("conda_file", json()))
    out.push_back("environment (" + b["environment"].value("python", std::string("?")) + " " +
                  b["environment"].value("python_version", std::string()) + ", " +
                  std::to_string(b["environment"].value("package_list", json::array()).size()) +
                  " packages)");
  if (same("env_vars")) out.push_back("environment variables");
  if (same("params")) out.push_back("parameters");
  if (same("outputs")) out.push_back("declared outputs");
  return out;
}

}  // namespace

json why_json(const Workspace& ws, const PipelineRunRecord& run, const StepRunRecord& s) {
  json fp = fingerprint_components_of(ws.store(), s);
  json out = {{"step", s.name},
              {"run_id", s.id},
              {"pipeline_run_id", run.id},
              {"status", to_string(s.status)},
              {"fingerprint", s.fingerprint},
              {"decision", fp.is_object() ? fp.value("decision", "") : ""},
              {"reused_run_id", s.reused_run_id.empty() ? json(nullptr) : json(s.reused_run_id)},
              {"compared_with", nullptr},
              {"changes", json::array()},
              {"unchanged", json::array()}};
  if (fp.is_null()) {
    out["decision"] = s.status == StepStatus::kCanceled || s.status == StepStatus::kNotStarted
                          ? "the step never started (" +
                                (s.error.empty() ? std::string(to_string(s.status)) : s.error) +
                                "), so it has no fingerprint"
                          : "no fingerprint was recorded for this step run";
  } else {
    // The most recent earlier run of this step that has a fingerprint (other than the one reused).
    for (const auto& prev : ws.store().previous_step_runs(s.name, s.created_at, 50)) {
      if (prev.id == s.id || prev.pipeline_run_id == run.id) continue;
      json before = fingerprint_components_of(ws.store(), prev);
      if (!before.is_object()) continue;
      attach_package_lists(ws.store(), &before);
      attach_package_lists(ws.store(), &fp);
      out["compared_with"] = {{"run_id", prev.id},
                              {"pipeline_run_id", prev.pipeline_run_id},
                              {"status", to_string(prev.status)},
                              {"created", format_time_iso(prev.created_at)}};
      for (const auto& line : explain_changes(before, fp)) out["changes"].push_back(line);
      for (const auto& u : unchanged_parts(before, fp)) out["unchanged"].push_back(u);
      break;
    }
  }
  return out;
}

}  // namespace runnel
