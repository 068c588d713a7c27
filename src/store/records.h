// store/records.h: how each record of metadata_store.h maps to a table row, for any SQL
// backend. `Stmt` binds parameters by number (bind(i, std::string), bind(i, int64_t),
// bind_null(i)); `Row` reads columns by number (text(c), int64(c), is_null(c)). SQLite
// (store/sqlite_records.h) and PostgreSQL (store/pg_db.h) both provide these, so the
// order of columns and the text of statuses live here once.
//
// Thread-safety: stateless functions; the statements they touch belong to the caller.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "runnel/error.h"
#include "store/metadata_store.h"

namespace runnel::internal {

int64_t now_ms();
// `t`, or now when `t` is 0 (not set).
int64_t or_now(int64_t t);

std::string map_to_json(const std::map<std::string, std::string>& m);
// Throws Error(kCorruption) naming `where` when `text` is not a JSON object of strings.
std::map<std::string, std::string> map_from_json(const std::string& text, const std::string& where);

// Column lists, in the order the bind_* functions number their parameters (1, 2, ...)
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

// pipeline_run_from's columns with spec_json, options_json and git_json read as '': the
// summary that query_pipeline_runs returns (those columns can be large).
inline const std::string kPipelineRunSummaryColumns =
    "id, experiment, status, display_name, source_file, '', '', '', tags_json, error, "
    "created_at, started_at, ended_at";

// The parameters of one statement, numbered in the order they are added; the placeholder
// text is "?N" (SQLite) or "$N" (PostgreSQL). Values are text or integers.
class SqlParams {
 public:
  explicit SqlParams(char mark) : mark_(mark) {}
  // Adds a value; returns its placeholder.
  std::string add(std::string value) {
    values_.emplace_back(std::move(value));
    return mark_ + std::to_string(values_.size());
  }
  std::string add(int64_t value) {
    values_.emplace_back(value);
    return mark_ + std::to_string(values_.size());
  }
  // Binds every value to `s` (SqliteStmt or PgParams: bind(i, string), bind(i, int64_t)).
  template <typename Stmt>
  void bind_to(Stmt& s) const {
    for (size_t i = 0; i < values_.size(); ++i)
      std::visit([&](const auto& v) { s.bind(static_cast<int>(i + 1), v); }, values_[i]);
  }

 private:
  char mark_;
  std::vector<std::variant<std::string, int64_t>> values_;
};

// RunQuery's tags as one JSON parameter: [["key", "value"], ["key", null], ...].
std::string run_tags_param(const RunQuery& q);

// " WHERE ..." for the filters `q` sets ("" for none), their values added to `p`. Only the
// filters set appear, so that the database can use its indexes (and a filter-free count
// reads an index only). `tags_match(placeholder)` is the backend's test that tags_json
// holds every pair of the run_tags_param() parameter.
template <typename TagsMatch>
std::string run_query_where(const RunQuery& q, SqlParams& p, TagsMatch&& tags_match) {
  std::vector<std::string> conds;
  if (!q.experiment.empty()) conds.push_back("experiment = " + p.add(q.experiment));
  if (!q.statuses.empty()) {
    std::vector<RunStatus> distinct;
    for (RunStatus st : q.statuses)
      if (std::find(distinct.begin(), distinct.end(), st) == distinct.end()) distinct.push_back(st);
    std::string in;
    for (RunStatus st : distinct)
      in += (in.empty() ? "" : ", ") + p.add(std::string(to_string(st)));
    conds.push_back("status IN (" + in + ")");
  }
  if (q.created_from != 0) conds.push_back("created_at >= " + p.add(q.created_from));
  if (q.created_before != 0) conds.push_back("created_at < " + p.add(q.created_before));
  if (!q.tags.empty()) conds.push_back(tags_match(p.add(run_tags_param(q))));
  std::string where;
  for (const std::string& c : conds) where += (where.empty() ? " WHERE " : " AND ") + c;
  return where;
}

// Runs `fn` (reads only) in one snapshot of the database, so that a page of runs and its
// total agree: inside the transaction already open, else between `begin` and COMMIT.
template <typename Db, typename Fn>
auto in_read_snapshot(Db& db, const std::string& begin, Fn&& fn) {
  if (db.in_transaction()) return fn();
  db.exec_script(begin, "BEGIN (read)");
  try {
    auto out = fn();
    db.commit();
    return out;
  } catch (...) {
    db.rollback_quietly();
    throw;
  }
}

// Binds every field to parameters 1..13; time fields left at 0 become now.
template <typename Stmt>
void bind_pipeline_run_to(Stmt& s, const PipelineRunRecord& r) {
  s.bind(1, r.id).bind(2, r.experiment).bind(3, std::string(to_string(r.status)));
  s.bind(4, r.display_name).bind(5, r.source_file).bind(6, r.spec_json);
  s.bind(7, r.options_json).bind(8, r.git_json).bind(9, r.tags_json).bind(10, r.error);
  s.bind(11, or_now(r.created_at)).bind(12, r.started_at).bind(13, r.ended_at);
}

// Binds every field to parameters 1..19.
template <typename Stmt>
void bind_step_run_to(Stmt& s, const StepRunRecord& r) {
  s.bind(1, r.id).bind(2, r.pipeline_run_id).bind(3, r.name);
  s.bind(4, std::string(to_string(r.status)));
  if (r.exit_code) {
    s.bind(5, static_cast<int64_t>(*r.exit_code));
  } else {
    s.bind_null(5);
  }
  s.bind(6, static_cast<int64_t>(r.signal)).bind(7, r.error).bind(8, r.run_dir);
  s.bind(9, r.compute).bind(10, r.backend_job_id).bind(11, r.fingerprint);
  s.bind(12, r.fingerprint_json).bind(13, r.reused_run_id).bind(14, map_to_json(r.outputs));
  s.bind(15, r.tags_json).bind(16, static_cast<int64_t>(r.attempt));
  s.bind(17, or_now(r.created_at)).bind(18, r.started_at).bind(19, r.ended_at);
}

template <typename Row>
PipelineRunRecord pipeline_run_from(const Row& s) {
  PipelineRunRecord r;
  r.id = s.text(0);
  r.experiment = s.text(1);
  const std::string status = s.text(2);
  if (auto st = parse_run_status(status)) {
    r.status = *st;
  } else {
    throw corruption("metadata store: pipeline run " + r.id + " has an unknown status '" + status +
                     "'");
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

template <typename Row>
StepRunRecord step_run_from(const Row& s) {
  StepRunRecord r;
  r.id = s.text(0);
  r.pipeline_run_id = s.text(1);
  r.name = s.text(2);
  const std::string status = s.text(3);
  if (auto st = parse_step_status(status)) {
    r.status = *st;
  } else {
    throw corruption("metadata store: step run " + r.id + " has an unknown status '" + status +
                     "'");
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

template <typename Row>
MetricRecord metric_from(const Row& s) {
  return MetricRecord{s.text(0), s.text(1),  s.text(2), s.text(3),
                      s.text(4), s.int64(5), s.int64(6)};
}

template <typename Row>
EnvironmentRecord environment_from(const Row& s) {
  EnvironmentRecord e;
  e.name = s.text(0);
  e.version = static_cast<int>(s.int64(1));
  e.python = s.text(2);
  e.variables = map_from_json(s.text(3), "variables of environment " + e.name);
  e.description = s.text(4);
  e.created_at = s.int64(5);
  return e;
}

template <typename Row>
ComputeRecord compute_from(const Row& s) {
  return ComputeRecord{s.text(0), s.text(1), s.text(2), s.int64(3)};
}

template <typename Row>
DatasetRecord dataset_from(const Row& s) {
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

namespace runnel::internal {

// Of `candidates` (ids >= `prefix`, in id order, as a range query on the primary key
// returns them), the one equal to `prefix` or the only one starting with it; "" if none.
// Throws Error(kInvalidArgument) naming up to five if several start with it.
std::string pick_id_by_prefix(const std::vector<std::string>& candidates, const std::string& what,
                              const std::string& prefix);

// The write transaction of both SQL stores. `Db` has begin_write() (takes the write lock:
// BEGIN IMMEDIATE, or BEGIN + the advisory lock), commit(), rollback_quietly(),
// in_transaction() and exec_script(sql, what); `depth` counts the open levels.
// write_transaction: at depth 0 begin, run `fn`, commit (roll back and rethrow on a
// throw); inside a transaction `fn` joins it.
template <typename Db>
void write_transaction(Db& db, int& depth, const std::function<void()>& fn) {
  if (depth > 0) {
    fn();
    return;
  }
  db.begin_write();
  depth = 1;
  try {
    fn();
    db.commit();
  } catch (...) {
    depth = 0;
    db.rollback_quietly();
    throw;
  }
  depth = 0;
}

// transaction(): the outermost level as write_transaction; a nested one in a SAVEPOINT,
// so that an inner `fn` that throws undoes only its own writes (and still throws).
template <typename Db>
void nested_transaction(Db& db, int& depth, const std::function<void()>& fn) {
  if (depth == 0) {
    write_transaction(db, depth, fn);
    return;
  }
  const std::string savepoint = "runnel_" + std::to_string(depth);
  db.exec_script("SAVEPOINT " + savepoint, "SAVEPOINT");
  ++depth;
  try {
    fn();
  } catch (...) {
    --depth;
    // Fails only if the database already rolled the whole transaction back; the outer
    // level then finds no transaction to roll back.
    if (db.in_transaction()) {
      try {
        db.exec_script("ROLLBACK TO SAVEPOINT " + savepoint + "; RELEASE SAVEPOINT " + savepoint,
                       "ROLLBACK TO");
      } catch (const Error&) {
      }
    }
    throw;
  }
  --depth;
  db.exec_script("RELEASE SAVEPOINT " + savepoint, "RELEASE");
}

// The errors both stores give for a taken name, with what to do.
Error compute_exists_error(const std::string& name);
Error compute_missing_error(const std::string& name);
Error dataset_version_exists_error(const std::string& name, int version);
Error dataset_version_invalid_error(const std::string& name, int version);

}  // namespace runnel::internal
