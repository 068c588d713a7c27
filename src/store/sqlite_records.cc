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

// ---- pipeline runs ----------------------------------------------------------------------

void bind_pipeline_run(SqliteStmt& s, const PipelineRunRecord& r) {
  s.bind(1, r.id).bind(2, r.experiment).bind(3, to_string(r.status)).bind(4, r.display_name);
  s.bind(5, r.source_file).bind(6, r.spec_json).bind(7, r.options_json).bind(8, r.git_json);
  s.bind(9, r.tags_json).bind(10, r.error).bind(11, or_now(r.created_at));
  s.bind(12, r.started_at).bind(13, r.ended_at);
}

PipelineRunRecord read_pipeline_run(const SqliteStmt& s) {
  PipelineRunRecord r;
  r.id = s.text(0);
  r.experiment = s.text(1);
  const std::string status = s.text(2);
  if (auto st = parse_run_status(status)) {
    r.status = *st;
  } else {
    throw corruption("metadata store: pipeline run " + r.id + " has an unknown status '" + status + "'");
  }
  r.display_name = s.text(3);
  r.source_file = s.text(4);
  r.spec_json = s.text(5);
  r.options_json = s.text(6);
  r.git_json = s.text(7);
  r.tags_json = s.text(8);
  r.error = s.text(9);
  r.created_at = s.int64(10);
  r.started_at = s.int64(11);
  r.ended_at = s.int64(12);
  return r;
}

// ---- step runs --------------------------------------------------------------------------

void bind_step_run(SqliteStmt& s, const StepRunRecord& r) {
  s.bind(1, r.id).bind(2, r.pipeline_run_id).bind(3, r.name).bind(4, to_string(r.status));
  if (r.exit_code) {
    s.bind(5, *r.exit_code);
  } else {
    s.bind_null(5);
  }
  s.bind(6, r.signal).bind(7, r.error).bind(8, r.run_dir).bind(9, r.compute);
  s.bind(10, r.backend_job_id).bind(11, r.fingerprint).bind(12, r.fingerprint_json);
  s.bind(13, r.reused_run_id).bind(14, map_to_json(r.outputs)).bind(15, r.tags_json);
  s.bind(16, r.attempt).bind(17, or_now(r.created_at)).bind(18, r.started_at);
  s.bind(19, r.ended_at);
}

StepRunRecord read_step_run(const SqliteStmt& s) {
  StepRunRecord r;
  r.id = s.text(0);
  r.pipeline_run_id = s.text(1);
  r.name = s.text(2);
  const std::string status = s.text(3);
  if (auto st = parse_step_status(status)) {
    r.status = *st;
  } else {
    throw corruption("metadata store: step run " + r.id + " has an unknown status '" + status + "'");
  }
  if (!s.is_null(4)) r.exit_code = static_cast<int>(s.int64(4));
  r.signal = static_cast<int>(s.int64(5));
  r.error = s.text(6);
  r.run_dir = s.text(7);
  r.compute = s.text(8);
  r.backend_job_id = s.text(9);
  r.fingerprint = s.text(10);
  r.fingerprint_json = s.text(11);
  r.reused_run_id = s.text(12);
  r.outputs = map_from_json(s.text(13), "outputs of step run " + r.id);
  r.tags_json = s.text(14);
  r.attempt = static_cast<int>(s.int64(15));
  r.created_at = s.int64(16);
  r.started_at = s.int64(17);
  r.ended_at = s.int64(18);
  return r;
}

// ---- the rest ---------------------------------------------------------------------------

MetricRecord read_metric(const SqliteStmt& s) {
  return MetricRecord{s.text(0), s.text(1),  s.text(2), s.text(3),
                      s.text(4), s.int64(5), s.int64(6)};
}

EnvironmentRecord read_environment(const SqliteStmt& s) {
  EnvironmentRecord e;
  e.name = s.text(0);
  e.version = static_cast<int>(s.int64(1));
  e.python = s.text(2);
  e.variables = map_from_json(s.text(3), "variables of environment " + e.name);
  e.description = s.text(4);
  e.created_at = s.int64(5);
  return e;
}

ComputeRecord read_compute(const SqliteStmt& s) {
  return ComputeRecord{s.text(0), s.text(1), s.text(2), s.int64(3)};
}

DatasetRecord read_dataset(const SqliteStmt& s) {
  DatasetRecord d;
  d.name = s.text(0);
  d.version = static_cast<int>(s.int64(1));
  d.kind = s.text(2);
  d.definition_json = s.text(3);
  d.manifest_json = s.text(4);
  d.digest = s.text(5);
  d.description = s.text(6);
  d.tags_json = s.text(7);
  d.created_at = s.int64(8);
  return d;
}

}  // namespace runnel::internal
