#include "store/sqlite_records.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "runnel/error.h"

namespace runnel::internal {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t or_now(int64_t t) { return t != 0 ? t : now_ms(); }

std::string map_to_json(const std::map<std::string, std::string>& m) {
  return nlohmann::json(m).dump();
}

std::map<std::string, std::string> map_from_json(const std::string& text,
                                                 const std::string& where) {
  if (text.empty()) return {};
  try {
    return nlohmann::json::parse(text).get<std::map<std::string, std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw corruption("metadata store: " + where + " holds invalid JSON (" + e.what() + ")");
  }
}

std::string run_tags_param(const RunQuery& q) {
  if (q.tags.empty()) return "";
  nlohmann::json a = nlohmann::json::array();
  for (const auto& [key, value] : q.tags)
    a.push_back({key, value ? nlohmann::json(*value) : nlohmann::json(nullptr)});
  return a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string pick_id_by_prefix(const std::vector<std::string>& candidates, const std::string& what,
                              const std::string& prefix) {
  std::vector<std::string> ids;
  for (const std::string& id : candidates) {
    if (id.compare(0, prefix.size(), prefix) != 0) break;
    if (id == prefix) return id;
    ids.push_back(id);
  }
  if (ids.size() <= 1) return ids.empty() ? std::string() : ids[0];
  std::string list;
  for (size_t i = 0; i < ids.size() && i < 5; ++i) list += (i ? ", " : "") + ids[i];
  if (ids.size() > 5) list += ", ...";
  throw invalid_argument(what + " id prefix '" + prefix + "' is ambiguous: it matches " + list +
                         "; give more characters of the id");
}

Error compute_exists_error(const std::string& name) {
  return already_exists("compute target '" + name +
                        "' already exists; pick another name or delete it first "
                        "(runnel compute delete " +
                        name + ")");
}

Error compute_missing_error(const std::string& name) {
  return not_found("compute target '" + name +
                   "' is not registered (runnel compute list shows those that are)");
}

Error dataset_version_exists_error(const std::string& name, int version) {
  return already_exists("dataset '" + name + "' version " + std::to_string(version) +
                        " already exists; a version's content is fixed, register a new "
                        "version instead");
}

Error dataset_version_invalid_error(const std::string& name, int version) {
  return invalid_argument("dataset '" + name + "': version must be 1 or more, got " +
                          std::to_string(version));
}

void bind_pipeline_run(SqliteStmt& s, const PipelineRunRecord& r) { bind_pipeline_run_to(s, r); }
void bind_step_run(SqliteStmt& s, const StepRunRecord& r) { bind_step_run_to(s, r); }
PipelineRunRecord read_pipeline_run(const SqliteStmt& s) { return pipeline_run_from(s); }
StepRunRecord read_step_run(const SqliteStmt& s) { return step_run_from(s); }
MetricRecord read_metric(const SqliteStmt& s) { return metric_from(s); }
EnvironmentRecord read_environment(const SqliteStmt& s) { return environment_from(s); }
ComputeRecord read_compute(const SqliteStmt& s) { return compute_from(s); }
DatasetRecord read_dataset(const SqliteStmt& s) { return dataset_from(s); }

}  // namespace runnel::internal
