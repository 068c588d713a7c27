// store/metadata_store.h: runs, step runs, metrics, environments and compute targets.
//
// The interface the engine and the CLI use; SqliteStore (store/sqlite_store.h) is the
// embedded implementation (WAL, versioned schema with migrations, busy timeout so that
// several runnel processes can share one workspace). Times are milliseconds since the
// Unix epoch (0 = not set).
// Thread-safety: one instance may be used from several threads; calls are serialized
// internally. Several processes may open the same database.
// Every method throws runnel::Error (kUnavailable when the database stays locked past
// the busy timeout, kCorruption when the file is not a runnel database, kIo otherwise).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runnel/status.h"

namespace runnel {

// Statuses are typed (runnel/status.h); the SQLite rows hold their SDK text.
struct PipelineRunRecord {
  std::string id;
  std::string experiment;
  RunStatus status = RunStatus::kNotStarted;
  std::string display_name;
  std::string source_file;   // the YAML submitted, "" for C++
  std::string spec_json;     // the resolved PipelineSpec as JSON
  std::string options_json;  // submit options (regenerate_outputs, -j, ...)
  std::string git_json;      // repository, branch, commit, dirty (issue: reuse)
  std::string tags_json;     // {"k": "v"}
  std::string error;         // why it failed, "" otherwise
  int64_t created_at = 0;
  int64_t started_at = 0;
  int64_t ended_at = 0;
};

struct StepRunRecord {
  std::string id;
  std::string pipeline_run_id;
  std::string name;
  StepStatus status = StepStatus::kNotStarted;
  std::optional<int> exit_code;
  int signal = 0;
  std::string error;             // reason of a failure/cancel, "" otherwise
  std::string run_dir;           // absolute: .runnel/runs/<id>
  std::string compute;           // compute target name
  std::string backend_job_id;    // pid, Slurm job id, ...
  std::string fingerprint;       // hex digest, "" until computed
  std::string fingerprint_json;  // the fingerprint's components (for `runnel why`)
  std::string reused_run_id;     // for status Reused: the step run whose outputs are taken
  std::map<std::string, std::string> outputs;  // output name -> absolute committed path
  std::string tags_json;                       // {"k": "v"} set by the step (run.tag)
  int attempt = 0;
  int64_t created_at = 0;
  int64_t started_at = 0;
  int64_t ended_at = 0;
};

struct MetricRecord {
  std::string run_id;           // step run id
  std::string pipeline_run_id;  // its parent
  std::string name;
  std::string kind;        // "scalar" | "list" | "row" | "table" | "image"
  std::string value_json;  // the value as JSON
  int64_t step = 0;        // order of logging within (run_id, name)
  int64_t logged_at = 0;
};

struct EnvironmentRecord {
  std::string name;
  int version = 1;
  std::string python;  // absolute interpreter path
  std::map<std::string, std::string> variables;
  std::string description;
  int64_t created_at = 0;
};

struct ComputeRecord {
  std::string name;
  std::string type;         // "local" | "slurm"
  std::string config_json;  // type-specific settings
  int64_t created_at = 0;
};

// One version of a registered dataset. A version means fixed content: `manifest_json`
// lists the files (relative path, size, sha256) at registration.
struct DatasetRecord {
  std::string name;
  int version = 0;
  std::string kind;             // "file" | "tabular"
  std::string definition_json;  // paths/globs, datastore, parse options
  std::string manifest_json;    // [{"path":..., "size":..., "digest":...}]
  std::string digest;           // digest over the manifest (content identity)
  std::string description;
  std::string tags_json;
  int64_t created_at = 0;
};

// The filters of MetadataStore::query_pipeline_runs; a run must pass every one that is set.
struct RunQuery {
  std::string experiment;           // "" = any
  std::vector<RunStatus> statuses;  // empty = any
  int64_t created_from = 0;         // created_at >= this (ms); 0 = no lower bound
  int64_t created_before = 0;       // created_at < this (ms); 0 = no upper bound
  // Tags the run must have: the key, and the value it must have (nullopt = any value).
  std::vector<std::pair<std::string, std::optional<std::string>>> tags;
  int64_t limit = 50;  // <= 0: no limit
  int64_t offset = 0;
};

// One page of runs and how many match in all.
struct RunPage {
  // Newest first (created_at, then the order they were recorded). Summary fields only:
  // spec_json, options_json and git_json are left empty.
  std::vector<PipelineRunRecord> runs;
  int64_t total = 0;  // runs matching the filters, whatever the limit and offset
};

// How many pipeline runs of one experiment have one status.
struct RunCount {
  std::string experiment;
  RunStatus status = RunStatus::kNotStarted;
  int64_t count = 0;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  virtual int schema_version() = 0;

  // A number that differs whenever a pipeline run or step run may have been written since
  // it was last read (for caches of answers built from them); nullopt when the backend
  // cannot tell cheaply, and callers must then read again. SQLite: this connection's run
  // and step writes plus PRAGMA data_version (any commit of other connections/processes).
  virtual std::optional<uint64_t> change_version() = 0;

  // Runs `fn` inside one write transaction (BEGIN IMMEDIATE); commits when it returns,
  // rolls back when it throws (and rethrows). Calls may nest (inner ones join).
  virtual void transaction(const std::function<void()>& fn) = 0;

  // Experiments are created on first use.
  virtual void ensure_experiment(const std::string& name) = 0;
  virtual std::vector<std::string> list_experiments() = 0;

  virtual void create_pipeline_run(const PipelineRunRecord& r) = 0;
  virtual void update_pipeline_run(const PipelineRunRecord& r) = 0;  // by id; all fields
  // By full id or a unique prefix; nullopt if none; Error(kInvalidArgument) if ambiguous.
  virtual std::optional<PipelineRunRecord> get_pipeline_run(const std::string& id_or_prefix) = 0;
  // Newest first; `experiment` "" = all.
  virtual std::vector<PipelineRunRecord> list_pipeline_runs(const std::string& experiment,
                                                            int limit) = 0;
  // The runs passing `q`'s filters, newest first, from q.offset on, at most q.limit, with
  // their total; filtered, ordered, paged and counted by the database, reading only the
  // summary columns (the list of the server and studio).
  virtual RunPage query_pipeline_runs(const RunQuery& q) = 0;
  // Pipeline runs by experiment and status (the groups that have any).
  virtual std::vector<RunCount> count_pipeline_runs() = 0;

  virtual void create_step_run(const StepRunRecord& r) = 0;
  virtual void update_step_run(const StepRunRecord& r) = 0;  // by id; all fields
  virtual std::optional<StepRunRecord> get_step_run(const std::string& id_or_prefix) = 0;
  // In creation order.
  virtual std::vector<StepRunRecord> list_step_runs(const std::string& pipeline_run_id) = 0;
  // For each of `pipeline_run_ids` that has step runs: status text -> how many, in one
  // grouped query.
  virtual std::map<std::string, std::map<std::string, int64_t>> count_step_runs(
      const std::vector<std::string>& pipeline_run_ids) = 0;
  // Finished step runs with this fingerprint, newest first (the reuse index).
  virtual std::vector<StepRunRecord> find_by_fingerprint(const std::string& fingerprint) = 0;
  // Step runs called `name` created before `before` (ms), newest first, at most `limit`;
  // all statuses. For explaining why a step did or did not reuse.
  virtual std::vector<StepRunRecord> previous_step_runs(const std::string& name, int64_t before,
                                                        int limit) = 0;

  virtual void add_metrics(const std::vector<MetricRecord>& metrics) = 0;
  // All metrics of a step run, or of every step of a pipeline run when `step_run_id` is "".
  virtual std::vector<MetricRecord> get_metrics(const std::string& pipeline_run_id,
                                                const std::string& step_run_id) = 0;

  // The next version of e.name, or exactly e.version when `exact_version` (a v2 file's
  // `version:`; throws when that version exists).
  virtual void put_environment(const EnvironmentRecord& e, bool exact_version = false) = 0;
  virtual std::optional<EnvironmentRecord> get_environment(const std::string& name,
                                                           int version /*0 = latest*/) = 0;
  virtual std::vector<EnvironmentRecord> list_environments() = 0;  // latest version of each

  virtual void put_compute(const ComputeRecord& c) = 0;  // Error(kAlreadyExists) if taken
  virtual std::optional<ComputeRecord> get_compute(const std::string& name) = 0;
  virtual std::vector<ComputeRecord> list_computes() = 0;
  virtual void delete_compute(const std::string& name) = 0;  // Error(kNotFound) if absent

  // Adds version `d.version` of dataset `d.name` (Error(kAlreadyExists) if that version
  // exists). Callers pick the version number inside a transaction().
  virtual void put_dataset(const DatasetRecord& d) = 0;
  // `version` 0 = latest; nullopt if absent.
  virtual std::optional<DatasetRecord> get_dataset(const std::string& name, int version) = 0;
  virtual std::vector<DatasetRecord> list_dataset_versions(
      const std::string& name) = 0;                        // oldest first
  virtual std::vector<DatasetRecord> list_datasets() = 0;  // latest version of each

  // A small key/value table for engine state (e.g. the stat cache's location).
  virtual std::optional<std::string> get_value(const std::string& key) = 0;
  virtual void set_value(const std::string& key, const std::string& value) = 0;
};

// Opens (creating and migrating as needed) the SQLite database at `path`.
std::unique_ptr<MetadataStore> open_sqlite_store(const std::string& path);

}  // namespace runnel
