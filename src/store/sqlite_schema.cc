#include "store/sqlite_schema.h"

#include "runnel/error.h"

namespace runnel::internal {

namespace {

// Version 1: the first schema.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE experiments (
  name TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);

CREATE TABLE pipeline_runs (
  id TEXT PRIMARY KEY,
  experiment TEXT NOT NULL REFERENCES experiments(name),
  status TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  source_file TEXT NOT NULL DEFAULT '',
  spec_json TEXT NOT NULL DEFAULT '',
  options_json TEXT NOT NULL DEFAULT '',
  git_json TEXT NOT NULL DEFAULT '',
  tags_json TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL DEFAULT 0,
  ended_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pipeline_runs_by_created ON pipeline_runs(created_at);
CREATE INDEX pipeline_runs_by_experiment ON pipeline_runs(experiment, created_at);

-- outputs_json: {"output name": "absolute committed path"}; kept in the row so that
-- update_step_run is one UPDATE by primary key.
CREATE TABLE step_runs (
  id TEXT PRIMARY KEY,
  pipeline_run_id TEXT NOT NULL REFERENCES pipeline_runs(id),
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  exit_code INTEGER,
  signal INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  run_dir TEXT NOT NULL DEFAULT '',
  compute TEXT NOT NULL DEFAULT '',
  backend_job_id TEXT NOT NULL DEFAULT '',
  fingerprint TEXT NOT NULL DEFAULT '',
  fingerprint_json TEXT NOT NULL DEFAULT '',
  reused_run_id TEXT NOT NULL DEFAULT '',
  outputs_json TEXT NOT NULL DEFAULT '{}',
  tags_json TEXT NOT NULL DEFAULT '',
  attempt INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL DEFAULT 0,
  ended_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX step_runs_by_fingerprint ON step_runs(fingerprint, status, created_at);
CREATE INDEX step_runs_by_name ON step_runs(name, created_at);
CREATE INDEX step_runs_by_pipeline_run ON step_runs(pipeline_run_id, created_at);

CREATE TABLE metrics (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  pipeline_run_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  value_json TEXT NOT NULL,
  step INTEGER NOT NULL DEFAULT 0,
  logged_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX metrics_by_run ON metrics(run_id);
CREATE INDEX metrics_by_pipeline_run ON metrics(pipeline_run_id);

CREATE TABLE environments (
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  python TEXT NOT NULL DEFAULT '',
  variables_json TEXT NOT NULL DEFAULT '{}',
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE computes (
  name TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  config_json TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);

CREATE TABLE datasets (
  name TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  kind TEXT NOT NULL,
  definition_json TEXT NOT NULL DEFAULT '',
  manifest_json TEXT NOT NULL DEFAULT '',
  digest TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  tags_json TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

// Version 2: indexes that cover the run list (MetadataStore::query_pipeline_runs) and the
// step counts of its page, so that a count or a filter by status reads an index instead of
// the rows (which hold the large spec_json).
constexpr const char* kSchemaV2 = R"sql(
DROP INDEX pipeline_runs_by_created;
CREATE INDEX pipeline_runs_by_created ON pipeline_runs(created_at, status, experiment);
DROP INDEX pipeline_runs_by_experiment;
CREATE INDEX pipeline_runs_by_experiment ON pipeline_runs(experiment, created_at, status);
DROP INDEX step_runs_by_pipeline_run;
CREATE INDEX step_runs_by_pipeline_run ON step_runs(pipeline_run_id, created_at, status);
)sql";

}  // namespace

const std::vector<std::string>& schema_migrations() {
  static const std::vector<std::string> migrations = {kSchemaV1, kSchemaV2};
  return migrations;
}

namespace {

// Refuses files that hold some other program's data, before anything is written to them.
// The reads are separate statements, so another process's first migration can commit
// between them (the test: four first opens at once). It sets the application id in the
// same transaction as the tables and the version, so once any of those is seen, reading the
// application id again shows whether the file is runnel's.
void check_owner(SqliteDb& db) {
  int64_t app_id = db.pragma_int("application_id");
  if (app_id == kRunnelApplicationId) return;
  bool foreign = app_id != 0 || db.pragma_int("user_version") != 0;
  if (!foreign) {
    SqliteStmt stmt = db.prepare("SELECT count(*) FROM sqlite_master");
    foreign = stmt.step() && stmt.int64(0) > 0;
  }
  if (foreign && db.pragma_int("application_id") == kRunnelApplicationId) return;
  if (foreign) {
    throw corruption("metadata store " + db.path() +
                     ": this SQLite file belongs to another program (it is not a runnel "
                     "metadata database); point runnel at a different workspace or move the "
                     "file away");
  }
}

void check_not_newer(const SqliteDb& db, int64_t version, size_t known) {
  if (version > static_cast<int64_t>(known)) {
    throw corruption("metadata store " + db.path() + ": the database has schema version " +
                     std::to_string(version) + " but this runnel knows versions up to " +
                     std::to_string(known) +
                     "; it was written by a newer runnel. Upgrade runnel to open it");
  }
}

}  // namespace

int migrate(SqliteDb& db, const std::vector<std::string>& migrations) {
  check_owner(db);
  int64_t version = db.pragma_int("user_version");
  check_not_newer(db, version, migrations.size());
  if (version == static_cast<int64_t>(migrations.size())) return static_cast<int>(version);

  db.begin_immediate();
  try {
    // Another process may have migrated while we waited for the write lock.
    version = db.pragma_int("user_version");
    check_not_newer(db, version, migrations.size());
    for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i) {
      db.exec_script(migrations[i], "schema migration to version " + std::to_string(i + 1));
    }
    // PRAGMA values cannot be bound parameters; both are integers built here.
    db.exec_script("PRAGMA application_id=" + std::to_string(kRunnelApplicationId) +
                       "; PRAGMA user_version=" + std::to_string(migrations.size()),
                   "set schema version");
    db.commit();
  } catch (...) {
    db.rollback_quietly();
    throw;
  }
  return static_cast<int>(migrations.size());
}

}  // namespace runnel::internal
