#include "engine/children.h"

#include <filesystem>

#include "core/fs.h"
#include "runnel/error.h"

using nlohmann::json;

namespace runnel {

namespace {

json read_json_file(const std::string& path) {
  if (!path_exists(path)) return nullptr;
  try {
    return json::parse(read_file(path), nullptr, false);
  } catch (const Error&) {
    return nullptr;  // being replaced right now: the next look sees it
  }
}

}  // namespace

json step_children_json(const Workspace& ws, const StepRunRecord& step) {
  std::string dir = step.run_dir;
  std::string from = step.id;
  if (step.status == StepStatus::kReused && !step.reused_run_id.empty()) {
    // Step run folders are <workspace>/.runnel/runs/<id>: the reused run's is beside this
    // one's (no record read for each reused step of a no-op run).
    std::filesystem::path own(step.run_dir);
    if (!step.run_dir.empty() && own.filename() == step.id) {
      dir = (own.parent_path() / step.reused_run_id).string();
    } else {
      auto r = ws.store().get_step_run(step.reused_run_id);
      if (!r) return nullptr;
      dir = r->run_dir;
    }
    from = step.reused_run_id;
  }
  if (dir.empty()) return nullptr;
  json sweep = read_json_file(dir + "/trials/children.json");
  if (sweep.is_object()) {
    sweep["kind"] = "sweep";
    sweep["from_run_id"] = from;
    return sweep;
  }
  json progress = read_json_file(dir + "/logs/parallel/progress.json");
  json summary = read_json_file(dir + "/logs/parallel/summary.json");
  if (!progress.is_object() && !summary.is_object()) return nullptr;
  json out = progress.is_object() ? progress : json::object();
  if (summary.is_object()) {
    for (const auto& [k, v] : summary.items()) out[k] = v;
    out["failed"] = summary.contains("failed_mini_batches") ? summary["failed_mini_batches"].size()
                                                            : out.value("failed", 0);
    out["final"] = true;
  }
  out["kind"] = "parallel";
  out["from_run_id"] = from;
  return out;
}

}  // namespace runnel
