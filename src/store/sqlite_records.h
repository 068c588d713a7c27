// store/sqlite_records.h: the records of store/records.h bound to and read from SQLite
// statements.
//
// Thread-safety: stateless functions; the statements they touch belong to the caller.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/metadata_store.h"
#include "store/records.h"
#include "store/sqlite_db.h"

namespace runnel::internal {

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
