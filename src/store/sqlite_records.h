// store/sqlite_records.h: how each record of metadata_store.h maps to a table row: the
// column lists, binding a record to a statement's parameters and reading one back.
//
// Thread-safety: stateless functions; the statements they touch belong to the caller.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/metadata_store.h"
#include "store/sqlite_db.h"

namespace runnel::internal {

int64_t now_ms();
// `t`, or now when `t` is 0 (not set).
int64_t or_now(int64_t t);

std::string map_to_json(const std::map<std::string, std::string>& m);
// Throws Error(kCorruption) naming `where` when `text` is not a JSON object of strings.
std::map<std::string, std::string> map_from_json(const std::string& text, const std::string& where);

// Column lists, in the order the bind_* functions number their parameters (?1, ?2, ...)
// and the read_* functions read columns.
inline const std::string kPipelineRunColumns =
    "id, experiment, status, display_name, source_file, spec_json, options_json, git_json, "
    "tags_json, error, created_at, started_at, ended_at";
inline const std::string kStepRunColumns =
    "id, pipeline_run_id, name, status, exit_code, signal, error, run_dir, compute, "
    "backend_job_id, fingerprint, fingerprint_json, reused_run_id, outputs_json, tags_json, "
    "attempt, created_at, started_at, ended_at";
inline const std::string kMetricColumns =
    "run_id, pipeline_run_id, name, kind, value_json, step, logged_at";
inline const std::string kEnvironmentColumns =
    "name, version, python, variables_json, description, created_at";
inline const std::string kComputeColumns = "name, type, config_json, created_at";
inline const std::string kDatasetColumns =
    "name, version, kind, definition_json, manifest_json, digest, description, tags_json, "
    "created_at";

// Bind every field to ?1..?13 (pipeline run) / ?1..?19 (step run); time fields left at 0
// become now.
void bind_pipeline_run(SqliteStmt& s, const PipelineRunRecord& r);
void bind_step_run(SqliteStmt& s, const StepRunRecord& r);

PipelineRunRecord read_pipeline_run(const SqliteStmt& s);
StepRunRecord read_step_run(const SqliteStmt& s);
MetricRecord read_metric(const SqliteStmt& s);
EnvironmentRecord read_environment(const SqliteStmt& s);
ComputeRecord read_compute(const SqliteStmt& s);
DatasetRecord read_dataset(const SqliteStmt& s);

template <typename Record>
std::vector<Record> read_all(SqliteStmt& s, Record (*read)(const SqliteStmt&)) {
  std::vector<Record> out;
  while (s.step()) out.push_back(read(s));
  return out;
}

template <typename Record>
std::optional<Record> read_one(SqliteStmt& s, Record (*read)(const SqliteStmt&)) {
  if (!s.step()) return std::nullopt;
  return read(s);
}

}  // namespace runnel::internal
