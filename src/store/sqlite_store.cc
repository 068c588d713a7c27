#include "store/sqlite_store.h"

#include <nlohmann/json.hpp>

#include "runnel/error.h"
#include "store/sqlite_records.h"
#include "store/sqlite_schema.h"

namespace runnel {

using internal::bind_pipeline_run;
using internal::bind_step_run;
using internal::kComputeColumns;
using internal::kDatasetColumns;
using internal::kEnvironmentColumns;
using internal::kMetricColumns;
using internal::kPipelineRunColumns;
using internal::kStepRunColumns;
using internal::map_to_json;
using internal::now_ms;
using internal::or_now;
using internal::read_all;
using internal::read_compute;
using internal::read_dataset;
using internal::read_environment;
using internal::read_metric;
using internal::read_one;
using internal::read_pipeline_run;
using internal::read_step_run;
using internal::SqliteStmt;
using Lock = std::lock_guard<std::recursive_mutex>;

std::unique_ptr<MetadataStore> open_sqlite_store(const std::string& path) {
  return std::make_unique<SqliteStore>(path);
}

SqliteStore::SqliteStore(const std::string& path)
    : SqliteStore(path, internal::schema_migrations()) {}

SqliteStore::SqliteStore(const std::string& path, const std::vector<std::string>& migrations)
    : db_(path) {
  version_ = internal::migrate(db_, migrations);
  reader_ok_ = !path.empty() && path != ":memory:" && path.find("mode=memory") == std::string::npos;
}

int SqliteStore::schema_version() {
  Lock lock(mu_);
  return version_;
}

std::optional<uint64_t> SqliteStore::change_version() {
  std::lock_guard<std::mutex> lock(version_mu_);
  try {
    if (!version_db_) version_db_ = std::make_unique<internal::SqliteDb>(db_.path());
    // Both only grow, so their sum changes when either does.
    return run_writes_.load() + static_cast<uint64_t>(version_db_->pragma_int("data_version"));
  } catch (const Error&) {
    version_db_.reset();  // cannot tell: the caller does not cache
    return std::nullopt;
  }
}

namespace {

// Marks this thread as the one in the store's transaction while the outermost level runs.
class TxOwner {
 public:
  TxOwner(std::atomic<std::thread::id>& owner, int depth) : owner_(depth == 0 ? &owner : nullptr) {
    if (owner_) *owner_ = std::this_thread::get_id();
  }
  ~TxOwner() {
    if (owner_) *owner_ = std::thread::id();
  }
  TxOwner(const TxOwner&) = delete;
  TxOwner& operator=(const TxOwner&) = delete;

 private:
  std::atomic<std::thread::id>* owner_;
};

}  // namespace

void SqliteStore::write(const std::function<void()>& fn) {
  TxOwner owner(tx_owner_, depth_);
  internal::write_transaction(db_, depth_, fn);
}

void SqliteStore::transaction(const std::function<void()>& fn) {
  Lock lock(mu_);
  TxOwner owner(tx_owner_, depth_);
  internal::nested_transaction(db_, depth_, fn);
}

std::string SqliteStore::resolve_id(const std::string& table, const std::string& what,
                                    const std::string& prefix) {
  if (prefix.empty()) return {};
  // Ids starting with `prefix` are a contiguous range of the primary key starting at it.
  SqliteStmt s = db_.prepare("SELECT id FROM " + table + " WHERE id >= ?1 ORDER BY id LIMIT 6");
  s.bind(1, prefix);
  std::vector<std::string> ids;
  while (s.step()) ids.push_back(s.text(0));
  return internal::pick_id_by_prefix(ids, what, prefix);
}

void SqliteStore::ensure_experiment(const std::string& name) {
  Lock lock(mu_);
  write([&] {
    db_.prepare("INSERT OR IGNORE INTO experiments(name, created_at) VALUES (?1, ?2)")
        .bind(1, name)
        .bind(2, now_ms())
        .exec();
  });
}

std::vector<std::string> SqliteStore::list_experiments() {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare("SELECT name FROM experiments ORDER BY name");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void SqliteStore::create_pipeline_run(const PipelineRunRecord& r) {
  Lock lock(mu_);
  ++run_writes_;  // also when it throws: an extra count only costs a cache miss
  write([&] {
    ensure_experiment(r.experiment);
    SqliteStmt s = db_.prepare("INSERT INTO pipeline_runs(" + kPipelineRunColumns +
                               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    bind_pipeline_run(s, r);
    s.exec();
  });
}

void SqliteStore::update_pipeline_run(const PipelineRunRecord& r) {
  Lock lock(mu_);
  ++run_writes_;  // also when it throws: an extra count only costs a cache miss
  write([&] {
    ensure_experiment(r.experiment);
    SqliteStmt s = db_.prepare(
        "UPDATE pipeline_runs SET experiment = ?2, status = ?3, display_name = ?4, "
        "source_file = ?5, spec_json = ?6, options_json = ?7, git_json = ?8, tags_json = ?9, "
        "error = ?10, created_at = ?11, started_at = ?12, ended_at = ?13 WHERE id = ?1");
    bind_pipeline_run(s, r);
    if (s.exec() == 0) {
      throw not_found("metadata store " + db_.path() + ": no pipeline run with id '" + r.id +
                      "' to update");
    }
  });
}

std::optional<PipelineRunRecord> SqliteStore::get_pipeline_run(const std::string& id_or_prefix) {
  Lock lock(mu_);
  std::string id = resolve_id("pipeline_runs", "pipeline run", id_or_prefix);
  if (id.empty()) return std::nullopt;
  SqliteStmt s = db_.prepare("SELECT " + kPipelineRunColumns + " FROM pipeline_runs WHERE id = ?1");
  s.bind(1, id);
  return read_one(s, read_pipeline_run);
}

std::vector<PipelineRunRecord> SqliteStore::list_pipeline_runs(const std::string& experiment,
                                                               int limit) {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare("SELECT " + kPipelineRunColumns +
                             " FROM pipeline_runs WHERE (?1 = '' OR experiment = ?1) "
                             "ORDER BY created_at DESC, rowid DESC LIMIT ?2");
  s.bind(1, experiment).bind(2, limit > 0 ? limit : -1);
  return read_all(s, read_pipeline_run);
}

namespace {

// The test that tags_json holds every [key, value or null] pair of the JSON array `param`
// (a value must be equal text; null: any value). tags_json "" holds none.
std::string sqlite_tags_match(const std::string& param) {
  return "NOT EXISTS (SELECT 1 FROM json_each(" + param +
         ") AS want WHERE NOT EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(tags_json) "
         "THEN tags_json ELSE '{}' END) AS have WHERE have.key = json_extract(want.value, '$[0]') "
         "AND (json_extract(want.value, '$[1]') IS NULL OR (have.type = 'text' AND "
         "have.value = json_extract(want.value, '$[1]')))))";
}

}  // namespace

RunPage SqliteStore::query_pipeline_runs(const RunQuery& q) {
  internal::SqlParams p('?');
  const std::string where = internal::run_query_where(q, p, sqlite_tags_match);
  return read_only([&](internal::SqliteDb& db) {
    return internal::in_read_snapshot(db, "BEGIN", [&] {
      RunPage page;
      {
        SqliteStmt c = db.prepare("SELECT count(*) FROM pipeline_runs" + where);
        p.bind_to(c);
        if (c.step()) page.total = c.int64(0);
      }
      // Newest first along the index on created_at (rowid breaks ties: insertion order).
      internal::SqlParams pp = p;
      std::string limit = pp.add(q.limit > 0 ? q.limit : int64_t{-1});
      std::string offset = pp.add(q.offset > 0 ? q.offset : int64_t{0});
      SqliteStmt s = db.prepare(
          "SELECT " + internal::kPipelineRunSummaryColumns + " FROM pipeline_runs" + where +
          " ORDER BY created_at DESC, rowid DESC LIMIT " + limit + " OFFSET " + offset);
      pp.bind_to(s);
      page.runs = read_all(s, read_pipeline_run);
      return page;
    });
  });
}

std::vector<RunCount> SqliteStore::count_pipeline_runs() {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare(
      "SELECT experiment, status, count(*) FROM pipeline_runs GROUP BY experiment, status "
      "ORDER BY experiment, status");
  std::vector<RunCount> out;
  while (s.step()) {
    auto st = parse_run_status(s.text(1));
    if (!st)
      throw corruption("metadata store " + db_.path() + ": pipeline runs with an unknown status '" +
                       s.text(1) + "'");
    out.push_back({s.text(0), *st, s.int64(2)});
  }
  return out;
}

void SqliteStore::create_step_run(const StepRunRecord& r) {
  Lock lock(mu_);
  ++run_writes_;  // also when it throws: an extra count only costs a cache miss
  write([&] {
    SqliteStmt s = db_.prepare("INSERT INTO step_runs(" + kStepRunColumns +
                               ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                               "?13, ?14, ?15, ?16, ?17, ?18, ?19)");
    bind_step_run(s, r);
    s.exec();
  });
}

void SqliteStore::update_step_run(const StepRunRecord& r) {
  Lock lock(mu_);
  ++run_writes_;  // also when it throws: an extra count only costs a cache miss
  write([&] {
    SqliteStmt s = db_.prepare(
        "UPDATE step_runs SET pipeline_run_id = ?2, name = ?3, status = ?4, exit_code = ?5, "
        "signal = ?6, error = ?7, run_dir = ?8, compute = ?9, backend_job_id = ?10, "
        "fingerprint = ?11, fingerprint_json = ?12, reused_run_id = ?13, outputs_json = ?14, "
        "tags_json = ?15, attempt = ?16, created_at = ?17, started_at = ?18, ended_at = ?19 "
        "WHERE id = ?1");
    bind_step_run(s, r);
    if (s.exec() == 0) {
      throw not_found("metadata store " + db_.path() + ": no step run with id '" + r.id +
                      "' to update");
    }
  });
}

std::optional<StepRunRecord> SqliteStore::get_step_run(const std::string& id_or_prefix) {
  Lock lock(mu_);
  if (id_or_prefix.empty()) return std::nullopt;
  // A full id (what the engine and the CLI's run rows pass) is one lookup; an exact match
  // wins over longer ids it prefixes, as in resolve_id.
  {
    SqliteStmt s = db_.prepare("SELECT " + kStepRunColumns + " FROM step_runs WHERE id = ?1");
    s.bind(1, id_or_prefix);
    if (auto r = read_one(s, read_step_run)) return r;
  }
  std::string id = resolve_id("step_runs", "step run", id_or_prefix);
  if (id.empty() || id == id_or_prefix) return std::nullopt;
  SqliteStmt t = db_.prepare("SELECT " + kStepRunColumns + " FROM step_runs WHERE id = ?1");
  t.bind(1, id);
  return read_one(t, read_step_run);
}

std::vector<StepRunRecord> SqliteStore::list_step_runs(const std::string& pipeline_run_id) {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare("SELECT " + kStepRunColumns +
                             " FROM step_runs WHERE pipeline_run_id = ?1 "
                             "ORDER BY created_at, rowid");
  s.bind(1, pipeline_run_id);
  return read_all(s, read_step_run);
}

std::map<std::string, std::map<std::string, int64_t>> SqliteStore::count_step_runs(
    const std::vector<std::string>& pipeline_run_ids) {
  std::map<std::string, std::map<std::string, int64_t>> out;
  if (pipeline_run_ids.empty()) return out;
  return read_only([&](internal::SqliteDb& db) {
    // The ids as one JSON array parameter: one statement text whatever their number.
    SqliteStmt s = db.prepare(
        "SELECT pipeline_run_id, status, count(*) FROM step_runs "
        "WHERE pipeline_run_id IN (SELECT value FROM json_each(?1)) "
        "GROUP BY pipeline_run_id, status");
    s.bind(1, nlohmann::json(pipeline_run_ids)
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    while (s.step()) out[s.text(0)][s.text(1)] = s.int64(2);
    return out;
  });
}

std::vector<StepRunRecord> SqliteStore::find_by_fingerprint(const std::string& fingerprint) {
  Lock lock(mu_);
  if (fingerprint.empty()) return {};
  SqliteStmt s = db_.prepare("SELECT " + kStepRunColumns +
                             " FROM step_runs WHERE fingerprint = ?1 AND status = 'Finished' "
                             "ORDER BY created_at DESC, rowid DESC");
  s.bind(1, fingerprint);
  return read_all(s, read_step_run);
}

std::vector<StepRunRecord> SqliteStore::previous_step_runs(const std::string& name, int64_t before,
                                                           int limit) {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare("SELECT " + kStepRunColumns +
                             " FROM step_runs WHERE name = ?1 AND created_at < ?2 "
                             "ORDER BY created_at DESC, rowid DESC LIMIT ?3");
  s.bind(1, name).bind(2, before).bind(3, limit > 0 ? limit : -1);
  return read_all(s, read_step_run);
}

void SqliteStore::add_metrics(const std::vector<MetricRecord>& metrics) {
  Lock lock(mu_);
  if (metrics.empty()) return;
  write([&] {
    for (const MetricRecord& m : metrics) {
      db_.prepare("INSERT INTO metrics(" + kMetricColumns + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
          .bind(1, m.run_id)
          .bind(2, m.pipeline_run_id)
          .bind(3, m.name)
          .bind(4, m.kind)
          .bind(5, m.value_json)
          .bind(6, m.step)
          .bind(7, m.logged_at)
          .exec();
    }
  });
}

std::vector<MetricRecord> SqliteStore::get_metrics(const std::string& pipeline_run_id,
                                                   const std::string& step_run_id) {
  Lock lock(mu_);
  if (!step_run_id.empty()) {
    SqliteStmt s = db_.prepare("SELECT " + kMetricColumns +
                               " FROM metrics WHERE run_id = ?1 ORDER BY logged_at, id");
    s.bind(1, step_run_id);
    return read_all(s, read_metric);
  }
  SqliteStmt s = db_.prepare("SELECT " + kMetricColumns +
                             " FROM metrics WHERE pipeline_run_id = ?1 "
                             "ORDER BY logged_at, id");
  s.bind(1, pipeline_run_id);
  return read_all(s, read_metric);
}

void SqliteStore::put_environment(const EnvironmentRecord& e, bool exact_version) {
  Lock lock(mu_);
  write([&] {
    SqliteStmt s = db_.prepare(
        "INSERT INTO environments(" + kEnvironmentColumns +
        ") SELECT ?1, CASE WHEN ?6 > 0 THEN ?6 ELSE coalesce(max(version), 0) + 1 END, ?2, ?3, "
        "?4, ?5 FROM environments WHERE name = ?1");
    s.bind(1, e.name).bind(2, e.python).bind(3, map_to_json(e.variables));
    s.bind(4, e.description).bind(5, or_now(e.created_at)).bind(6, exact_version ? e.version : 0);
    s.exec();
  });
}

std::optional<EnvironmentRecord> SqliteStore::get_environment(const std::string& name,
                                                              int version) {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare("SELECT " + kEnvironmentColumns +
                             " FROM environments WHERE name = ?1 AND (?2 = 0 OR version = ?2) "
                             "ORDER BY version DESC LIMIT 1");
  s.bind(1, name).bind(2, version);
  return read_one(s, read_environment);
}

std::vector<EnvironmentRecord> SqliteStore::list_environments() {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare("SELECT " + kEnvironmentColumns +
                             " FROM environments e WHERE version = (SELECT max(version) FROM "
                             "environments WHERE name = e.name) ORDER BY name");
  return read_all(s, read_environment);
}

void SqliteStore::put_compute(const ComputeRecord& c) {
  Lock lock(mu_);
  try {
    write([&] {
      db_.prepare("INSERT INTO computes(" + kComputeColumns + ") VALUES (?1, ?2, ?3, ?4)")
          .bind(1, c.name)
          .bind(2, c.type)
          .bind(3, c.config_json)
          .bind(4, or_now(c.created_at))
          .exec();
    });
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kAlreadyExists) throw;
    throw internal::compute_exists_error(c.name);
  }
}

std::optional<ComputeRecord> SqliteStore::get_compute(const std::string& name) {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare("SELECT " + kComputeColumns + " FROM computes WHERE name = ?1");
  s.bind(1, name);
  return read_one(s, read_compute);
}

std::vector<ComputeRecord> SqliteStore::list_computes() {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare("SELECT " + kComputeColumns + " FROM computes ORDER BY name");
  return read_all(s, read_compute);
}

void SqliteStore::delete_compute(const std::string& name) {
  Lock lock(mu_);
  write([&] {
    if (db_.prepare("DELETE FROM computes WHERE name = ?1").bind(1, name).exec() == 0) {
      throw internal::compute_missing_error(name);
    }
  });
}

void SqliteStore::put_dataset(const DatasetRecord& d) {
  Lock lock(mu_);
  if (d.version < 1) {
    throw internal::dataset_version_invalid_error(d.name, d.version);
  }
  try {
    write([&] {
      SqliteStmt s = db_.prepare("INSERT INTO datasets(" + kDatasetColumns +
                                 ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
      s.bind(1, d.name).bind(2, d.version).bind(3, d.kind).bind(4, d.definition_json);
      s.bind(5, d.manifest_json).bind(6, d.digest).bind(7, d.description).bind(8, d.tags_json);
      s.bind(9, or_now(d.created_at)).exec();
    });
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kAlreadyExists) throw;
    throw internal::dataset_version_exists_error(d.name, d.version);
  }
}

std::optional<DatasetRecord> SqliteStore::get_dataset(const std::string& name, int version) {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare("SELECT " + kDatasetColumns +
                             " FROM datasets WHERE name = ?1 AND (?2 = 0 OR version = ?2) "
                             "ORDER BY version DESC LIMIT 1");
  s.bind(1, name).bind(2, version);
  return read_one(s, read_dataset);
}

std::vector<DatasetRecord> SqliteStore::list_dataset_versions(const std::string& name) {
  Lock lock(mu_);
  SqliteStmt s =
      db_.prepare("SELECT " + kDatasetColumns + " FROM datasets WHERE name = ?1 ORDER BY version");
  s.bind(1, name);
  return read_all(s, read_dataset);
}

std::vector<DatasetRecord> SqliteStore::list_datasets() {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare("SELECT " + kDatasetColumns +
                             " FROM datasets d WHERE version = (SELECT max(version) FROM "
                             "datasets WHERE name = d.name) ORDER BY name");
  return read_all(s, read_dataset);
}

std::optional<std::string> SqliteStore::get_value(const std::string& key) {
  Lock lock(mu_);
  SqliteStmt s = db_.prepare("SELECT value FROM kv WHERE key = ?1");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void SqliteStore::set_value(const std::string& key, const std::string& value) {
  Lock lock(mu_);
  write([&] {
    db_.prepare(
           "INSERT INTO kv(key, value) VALUES (?1, ?2) "
           "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(1, key)
        .bind(2, value)
        .exec();
  });
}

}  // namespace runnel
