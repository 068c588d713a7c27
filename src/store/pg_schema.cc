#include "store/pg_schema.h"

#include "runnel/error.h"

namespace runnel::internal {

namespace {

// Version 1: the first schema (the SQLite schema's version 1 in PostgreSQL's types).
constexpr const char* kPgSchemaV1 = R"sql(
CREATE TABLE experiments (
  name TEXT COLLATE "C" PRIMARY KEY,
  created_at BIGINT NOT NULL
);

CREATE TABLE pipeline_runs (
  id TEXT COLLATE "C" PRIMARY KEY,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  experiment TEXT COLLATE "C" NOT NULL REFERENCES experiments(name),
  status TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  source_file TEXT NOT NULL DEFAULT '',
  spec_json TEXT NOT NULL DEFAULT '',
  options_json TEXT NOT NULL DEFAULT '',
  git_json TEXT NOT NULL DEFAULT '',
  tags_json TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  started_at BIGINT NOT NULL DEFAULT 0,
  ended_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX pipeline_runs_by_created ON pipeline_runs(created_at, seq);
CREATE INDEX pipeline_runs_by_experiment ON pipeline_runs(experiment, created_at, seq);

CREATE TABLE step_runs (
  id TEXT COLLATE "C" PRIMARY KEY,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  pipeline_run_id TEXT COLLATE "C" NOT NULL REFERENCES pipeline_runs(id),
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
  created_at BIGINT NOT NULL,
  started_at BIGINT NOT NULL DEFAULT 0,
  ended_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX step_runs_by_fingerprint ON step_runs(fingerprint, status, created_at);
CREATE INDEX step_runs_by_name ON step_runs(name, created_at);
CREATE INDEX step_runs_by_pipeline_run ON step_runs(pipeline_run_id, created_at, seq);

CREATE TABLE metrics (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT NOT NULL,
  pipeline_run_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  value_json TEXT NOT NULL,
  step BIGINT NOT NULL DEFAULT 0,
  logged_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX metrics_by_run ON metrics(run_id);
CREATE INDEX metrics_by_pipeline_run ON metrics(pipeline_run_id);

CREATE TABLE environments (
  name TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  python TEXT NOT NULL DEFAULT '',
  variables_json TEXT NOT NULL DEFAULT '{}',
  description TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE computes (
  name TEXT COLLATE "C" PRIMARY KEY,
  type TEXT NOT NULL,
  config_json TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);

CREATE TABLE datasets (
  name TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  kind TEXT NOT NULL,
  definition_json TEXT NOT NULL DEFAULT '',
  manifest_json TEXT NOT NULL DEFAULT '',
  digest TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  tags_json TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE kv (
  key TEXT COLLATE "C" PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

// Version 2: every commit that writes runs or step runs notifies channel "runnel_runs"
// (PgStore::change_version: a server caches run lists until one arrives). FOR EACH
// STATEMENT and one payload: PostgreSQL folds a transaction's identical notifications
// into one, delivered after commit.
constexpr const char* kPgSchemaV2 = R"sql(
CREATE OR REPLACE FUNCTION runnel_notify_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('runnel_runs', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER pipeline_runs_notify AFTER INSERT OR UPDATE OR DELETE ON pipeline_runs
  FOR EACH STATEMENT EXECUTE FUNCTION runnel_notify_runs();
CREATE TRIGGER step_runs_notify AFTER INSERT OR UPDATE OR DELETE ON step_runs
  FOR EACH STATEMENT EXECUTE FUNCTION runnel_notify_runs();
)sql";

int read_version(PgDb& db) {
  // A scan of pg_tables (not to_regclass, which reads the catalog cache: after waiting
  // for the migration lock it may not see a table another process just committed).
  PgResult r = db.exec(
      "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND "
      "tablename = 'runnel_meta'");
  if (r.row(0).int64(0) == 0) return -1;  // no runnel_meta: new or foreign
  PgResult v = db.exec("SELECT value FROM runnel_meta WHERE key = 'schema_version'");
  return v.rows() == 0 ? 0 : static_cast<int>(v.row(0).int64(0));
}

void check_not_newer(const PgDb& db, int version, size_t known) {
  if (version > static_cast<int>(known)) {
    throw corruption("metadata store " + db.name() + ": the database has schema version " +
                     std::to_string(version) + " but this runnel knows versions up to " +
                     std::to_string(known) +
                     "; it was written by a newer runnel. Upgrade runnel to open it");
  }
}

}  // namespace

const std::vector<std::string>& pg_schema_migrations() {
  static const std::vector<std::string> migrations = {kPgSchemaV1, kPgSchemaV2};
  return migrations;
}

int pg_migrate(PgDb& db, const std::vector<std::string>& migrations) {
  int version = read_version(db);
  check_not_newer(db, version, migrations.size());
  if (version == static_cast<int>(migrations.size())) return version;

  db.begin_write();
  try {
    // Another process may have migrated while we waited for the lock.
    version = read_version(db);
    if (version < 0) {
      PgResult t = db.exec("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()");
      if (t.row(0).int64(0) > 0) {
        throw corruption("metadata store " + db.name() +
                         ": this database holds another program's tables (it is not a runnel "
                         "metadata database); give runnel an empty database of its own");
      }
      db.exec_script(
          "CREATE TABLE runnel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); "
          "INSERT INTO runnel_meta VALUES ('application', 'runnel'), ('schema_version', '0')",
          "create runnel_meta");
      version = 0;
    }
    check_not_newer(db, version, migrations.size());
    for (size_t i = static_cast<size_t>(version); i < migrations.size(); ++i)
      db.exec_script(migrations[i], "schema migration to version " + std::to_string(i + 1));
    PgParams p;
    p.bind(1, static_cast<int64_t>(migrations.size()));
    db.exec("UPDATE runnel_meta SET value = $1 WHERE key = 'schema_version'", p);
    db.commit();
  } catch (...) {
    db.rollback_quietly();
    throw;
  }
  return static_cast<int>(migrations.size());
}

}  // namespace runnel::internal
