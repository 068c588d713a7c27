#include "store/pg_store.h"

#include <nlohmann/json.hpp>

#include "runnel/error.h"
#include "store/open_store.h"
#include "store/pg_schema.h"
#include "store/records.h"

namespace runnel {

using internal::kComputeColumns;
using internal::kDatasetColumns;
using internal::kEnvironmentColumns;
using internal::kMetricColumns;
using internal::kPipelineRunColumns;
using internal::kStepRunColumns;
using internal::PgParams;
using internal::PgResult;
using Lock = std::lock_guard<std::recursive_mutex>;

namespace {

template <typename Record>
std::vector<Record> all_of(const PgResult& r, Record (*read)(const PgResult::Row&)) {
  std::vector<Record> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(r.row(i)));
  return out;
}

template <typename Record>
std::optional<Record> one_of(const PgResult& r, Record (*read)(const PgResult::Row&)) {
  if (r.rows() == 0) return std::nullopt;
  return read(r.row(0));
}

using Row = PgResult::Row;
constexpr auto kRun = internal::pipeline_run_from<Row>;
constexpr auto kStep = internal::step_run_from<Row>;
constexpr auto kMetric = internal::metric_from<Row>;
constexpr auto kEnv = internal::environment_from<Row>;
constexpr auto kCompute = internal::compute_from<Row>;
constexpr auto kDataset = internal::dataset_from<Row>;

// $1, $2, ... $n
std::string placeholders(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i) s += (i > 1 ? ", $" : "$") + std::to_string(i);
  return s;
}

PgParams limit_param(PgParams p, int index, int limit) {
  if (limit > 0) {
    p.bind(index, limit);
  } else {
    p.bind_null(index);  // LIMIT NULL = no limit
  }
  return p;
}

}  // namespace

std::unique_ptr<MetadataStore> open_pg_store(const std::string& url) {
  return std::make_unique<PgStore>(url);
}

PgStore::PgStore(const std::string& url) : PgStore(url, internal::pg_schema_migrations()) {}

PgStore::PgStore(const std::string& url, const std::vector<std::string>& migrations)
    : url_(url), db_(url) {
  version_ = internal::pg_migrate(db_, migrations);
}

std::optional<uint64_t> PgStore::change_version() {
  std::call_once(listener_once_, [this] {
    listener_ = std::make_unique<internal::PgChangeListener>(url_, "runnel_runs");
  });
  std::optional<uint64_t> notified = listener_->version();
  if (!notified) return std::nullopt;
  return *notified + run_writes_.load();  // both only grow
}

int PgStore::schema_version() {
  Lock lock(mu_);
  return version_;
}

void PgStore::write(const std::function<void()>& fn) {
  internal::write_transaction(db_, depth_, fn);
}

void PgStore::transaction(const std::function<void()>& fn) {
  Lock lock(mu_);
  internal::nested_transaction(db_, depth_, fn);
}

std::string PgStore::resolve_id(const std::string& table, const std::string& what,
                                const std::string& prefix) {
  if (prefix.empty()) return {};
  PgParams p;
  p.bind(1, prefix);
  PgResult r = db_.exec("SELECT id FROM " + table + " WHERE id >= $1 ORDER BY id LIMIT 6", p);
  std::vector<std::string> ids;
  for (int i = 0; i < r.rows(); ++i) ids.push_back(r.row(i).text(0));
  return internal::pick_id_by_prefix(ids, what, prefix);
}

void PgStore::ensure_experiment(const std::string& name) {
  Lock lock(mu_);
  write([&] {
    PgParams p;
    p.bind(1, name).bind(2, internal::now_ms());
    db_.exec("INSERT INTO experiments(name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", p);
  });
}

std::vector<std::string> PgStore::list_experiments() {
  Lock lock(mu_);
  PgResult r = db_.exec("SELECT name FROM experiments ORDER BY name");
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.row(i).text(0));
  return out;
}

void PgStore::create_pipeline_run(const PipelineRunRecord& r) {
  Lock lock(mu_);
  ++run_writes_;  // also when it throws: an extra count only costs a cache miss
  write([&] {
    ensure_experiment(r.experiment);
    PgParams p;
    internal::bind_pipeline_run_to(p, r);
    db_.exec(
        "INSERT INTO pipeline_runs(" + kPipelineRunColumns + ") VALUES (" + placeholders(13) + ")",
        p);
  });
}

void PgStore::update_pipeline_run(const PipelineRunRecord& r) {
  Lock lock(mu_);
  ++run_writes_;  // also when it throws: an extra count only costs a cache miss
  write([&] {
    ensure_experiment(r.experiment);
    PgParams p;
    internal::bind_pipeline_run_to(p, r);
    PgResult res = db_.exec(
        "UPDATE pipeline_runs SET experiment = $2, status = $3, display_name = $4, "
        "source_file = $5, spec_json = $6, options_json = $7, git_json = $8, tags_json = $9, "
        "error = $10, created_at = $11, started_at = $12, ended_at = $13 WHERE id = $1",
        p);
    if (res.affected() == 0)
      throw not_found("metadata store " + db_.name() + ": no pipeline run with id '" + r.id +
                      "' to update");
  });
}

std::optional<PipelineRunRecord> PgStore::get_pipeline_run(const std::string& id_or_prefix) {
  Lock lock(mu_);
  std::string id = resolve_id("pipeline_runs", "pipeline run", id_or_prefix);
  if (id.empty()) return std::nullopt;
  PgParams p;
  p.bind(1, id);
  return one_of(db_.exec("SELECT " + kPipelineRunColumns + " FROM pipeline_runs WHERE id = $1", p),
                kRun);
}

std::vector<PipelineRunRecord> PgStore::list_pipeline_runs(const std::string& experiment,
                                                           int limit) {
  Lock lock(mu_);
  PgParams p;
  p.bind(1, experiment);
  return all_of(db_.exec("SELECT " + kPipelineRunColumns +
                             " FROM pipeline_runs WHERE ($1 = '' OR experiment = $1) "
                             "ORDER BY created_at DESC, seq DESC LIMIT $2",
                         limit_param(p, 2, limit)),
                kRun);
}

namespace {

// The test that tags_json holds every [key, value or null] pair of the JSON array `param`
// (a value must be an equal string; null: any value). tags_json "" holds none.
std::string pg_tags_match(const std::string& param) {
  const std::string tags =
      "(CASE WHEN tags_json LIKE '{%' THEN tags_json::jsonb ELSE '{}'::jsonb END)";
  return "NOT EXISTS (SELECT 1 FROM jsonb_array_elements(" + param +
         "::jsonb) AS want(t) WHERE NOT (" + tags +
         " ? (want.t ->> 0)) OR "
         "(jsonb_typeof(want.t -> 1) = 'string' AND " +
         tags + " -> (want.t ->> 0) <> (want.t -> 1)))";
}

}  // namespace

RunPage PgStore::query_pipeline_runs(const RunQuery& q) {
  Lock lock(mu_);
  internal::SqlParams p('$');
  const std::string where = internal::run_query_where(q, p, pg_tags_match);
  // One snapshot for the count and the page (each statement alone would take its own).
  return internal::in_read_snapshot(db_, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", [&] {
    RunPage page;
    PgParams cp;
    p.bind_to(cp);
    page.total = db_.exec("SELECT count(*) FROM pipeline_runs" + where, cp).row(0).int64(0);
    internal::SqlParams pp = p;
    std::string limit = q.limit > 0 ? " LIMIT " + pp.add(q.limit) : std::string();  // else all
    std::string offset = " OFFSET " + pp.add(q.offset > 0 ? q.offset : int64_t{0});
    PgParams sp;
    pp.bind_to(sp);
    page.runs =
        all_of(db_.exec("SELECT " + internal::kPipelineRunSummaryColumns + " FROM pipeline_runs" +
                            where + " ORDER BY created_at DESC, seq DESC" + limit + offset,
                        sp),
               kRun);
    return page;
  });
}

std::vector<RunCount> PgStore::count_pipeline_runs() {
  Lock lock(mu_);
  PgResult r = db_.exec(
      "SELECT experiment, status, count(*) FROM pipeline_runs GROUP BY experiment, status "
      "ORDER BY experiment, status");
  std::vector<RunCount> out;
  for (int i = 0; i < r.rows(); ++i) {
    auto st = parse_run_status(r.row(i).text(1));
    if (!st)
      throw corruption("metadata store " + db_.name() + ": pipeline runs with an unknown status '" +
                       r.row(i).text(1) + "'");
    out.push_back({r.row(i).text(0), *st, r.row(i).int64(2)});
  }
  return out;
}

void PgStore::create_step_run(const StepRunRecord& r) {
  Lock lock(mu_);
  ++run_writes_;  // also when it throws: an extra count only costs a cache miss
  write([&] {
    PgParams p;
    internal::bind_step_run_to(p, r);
    db_.exec("INSERT INTO step_runs(" + kStepRunColumns + ") VALUES (" + placeholders(19) + ")", p);
  });
}

void PgStore::update_step_run(const StepRunRecord& r) {
  Lock lock(mu_);
  ++run_writes_;  // also when it throws: an extra count only costs a cache miss
  write([&] {
    PgParams p;
    internal::bind_step_run_to(p, r);
    PgResult res = db_.exec(
        "UPDATE step_runs SET pipeline_run_id = $2, name = $3, status = $4, exit_code = $5, "
        "signal = $6, error = $7, run_dir = $8, compute = $9, backend_job_id = $10, "
        "fingerprint = $11, fingerprint_json = $12, reused_run_id = $13, outputs_json = $14, "
        "tags_json = $15, attempt = $16, created_at = $17, started_at = $18, ended_at = $19 "
        "WHERE id = $1",
        p);
    if (res.affected() == 0)
      throw not_found("metadata store " + db_.name() + ": no step run with id '" + r.id +
                      "' to update");
  });
}

std::optional<StepRunRecord> PgStore::get_step_run(const std::string& id_or_prefix) {
  Lock lock(mu_);
  std::string id = resolve_id("step_runs", "step run", id_or_prefix);
  if (id.empty()) return std::nullopt;
  PgParams p;
  p.bind(1, id);
  return one_of(db_.exec("SELECT " + kStepRunColumns + " FROM step_runs WHERE id = $1", p), kStep);
}

std::vector<StepRunRecord> PgStore::list_step_runs(const std::string& pipeline_run_id) {
  Lock lock(mu_);
  PgParams p;
  p.bind(1, pipeline_run_id);
  return all_of(db_.exec("SELECT " + kStepRunColumns +
                             " FROM step_runs WHERE pipeline_run_id = $1 ORDER BY created_at, seq",
                         p),
                kStep);
}

std::map<std::string, std::map<std::string, int64_t>> PgStore::count_step_runs(
    const std::vector<std::string>& pipeline_run_ids) {
  Lock lock(mu_);
  std::map<std::string, std::map<std::string, int64_t>> out;
  if (pipeline_run_ids.empty()) return out;
  PgParams p;
  p.bind(1, nlohmann::json(pipeline_run_ids)
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  PgResult r = db_.exec(
      "SELECT pipeline_run_id, status, count(*) FROM step_runs "
      "WHERE pipeline_run_id IN (SELECT jsonb_array_elements_text($1::jsonb)) "
      "GROUP BY pipeline_run_id, status",
      p);
  for (int i = 0; i < r.rows(); ++i) out[r.row(i).text(0)][r.row(i).text(1)] = r.row(i).int64(2);
  return out;
}

std::vector<StepRunRecord> PgStore::find_by_fingerprint(const std::string& fingerprint) {
  Lock lock(mu_);
  if (fingerprint.empty()) return {};
  PgParams p;
  p.bind(1, fingerprint);
  return all_of(db_.exec("SELECT " + kStepRunColumns +
                             " FROM step_runs WHERE fingerprint = $1 AND status = 'Finished' "
                             "ORDER BY created_at DESC, seq DESC",
                         p),
                kStep);
}

std::vector<StepRunRecord> PgStore::previous_step_runs(const std::string& name, int64_t before,
                                                       int limit) {
  Lock lock(mu_);
  PgParams p;
  p.bind(1, name).bind(2, before);
  return all_of(db_.exec("SELECT " + kStepRunColumns +
                             " FROM step_runs WHERE name = $1 AND created_at < $2 "
                             "ORDER BY created_at DESC, seq DESC LIMIT $3",
                         limit_param(p, 3, limit)),
                kStep);
}

void PgStore::add_metrics(const std::vector<MetricRecord>& metrics) {
  Lock lock(mu_);
  if (metrics.empty()) return;
  write([&] {
    for (const MetricRecord& m : metrics) {
      PgParams p;
      p.bind(1, m.run_id).bind(2, m.pipeline_run_id).bind(3, m.name).bind(4, m.kind);
      p.bind(5, m.value_json).bind(6, m.step).bind(7, m.logged_at);
      db_.exec("INSERT INTO metrics(" + kMetricColumns + ") VALUES (" + placeholders(7) + ")", p);
    }
  });
}

std::vector<MetricRecord> PgStore::get_metrics(const std::string& pipeline_run_id,
                                               const std::string& step_run_id) {
  Lock lock(mu_);
  PgParams p;
  if (!step_run_id.empty()) {
    p.bind(1, step_run_id);
    return all_of(db_.exec("SELECT " + kMetricColumns +
                               " FROM metrics WHERE run_id = $1 ORDER BY logged_at, id",
                           p),
                  kMetric);
  }
  p.bind(1, pipeline_run_id);
  return all_of(db_.exec("SELECT " + kMetricColumns +
                             " FROM metrics WHERE pipeline_run_id = $1 ORDER BY logged_at, id",
                         p),
                kMetric);
}

void PgStore::put_environment(const EnvironmentRecord& e, bool exact_version) {
  Lock lock(mu_);
  write([&] {
    PgParams p;
    p.bind(1, e.name).bind(2, e.python).bind(3, internal::map_to_json(e.variables));
    p.bind(4, e.description).bind(5, internal::or_now(e.created_at));
    p.bind(6, exact_version ? e.version : 0);
    db_.exec("INSERT INTO environments(" + kEnvironmentColumns +
                 ") SELECT $1, CASE WHEN $6 > 0 THEN $6 ELSE coalesce(max(version), 0) + 1 END, "
                 "$2, $3, $4, $5 FROM environments WHERE name = $1",
             p);
  });
}

std::optional<EnvironmentRecord> PgStore::get_environment(const std::string& name, int version) {
  Lock lock(mu_);
  PgParams p;
  p.bind(1, name).bind(2, version);
  return one_of(db_.exec("SELECT " + kEnvironmentColumns +
                             " FROM environments WHERE name = $1 AND ($2 = 0 OR version = $2) "
                             "ORDER BY version DESC LIMIT 1",
                         p),
                kEnv);
}

std::vector<EnvironmentRecord> PgStore::list_environments() {
  Lock lock(mu_);
  return all_of(db_.exec("SELECT DISTINCT ON (name) " + kEnvironmentColumns +
                         " FROM environments ORDER BY name, version DESC"),
                kEnv);
}

void PgStore::put_compute(const ComputeRecord& c) {
  Lock lock(mu_);
  try {
    write([&] {
      PgParams p;
      p.bind(1, c.name)
          .bind(2, c.type)
          .bind(3, c.config_json)
          .bind(4, internal::or_now(c.created_at));
      db_.exec("INSERT INTO computes(" + kComputeColumns + ") VALUES ($1, $2, $3, $4)", p);
    });
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kAlreadyExists) throw;
    throw internal::compute_exists_error(c.name);
  }
}

std::optional<ComputeRecord> PgStore::get_compute(const std::string& name) {
  Lock lock(mu_);
  PgParams p;
  p.bind(1, name);
  return one_of(db_.exec("SELECT " + kComputeColumns + " FROM computes WHERE name = $1", p),
                kCompute);
}

std::vector<ComputeRecord> PgStore::list_computes() {
  Lock lock(mu_);
  return all_of(db_.exec("SELECT " + kComputeColumns + " FROM computes ORDER BY name"), kCompute);
}

void PgStore::delete_compute(const std::string& name) {
  Lock lock(mu_);
  write([&] {
    PgParams p;
    p.bind(1, name);
    if (db_.exec("DELETE FROM computes WHERE name = $1", p).affected() == 0)
      throw internal::compute_missing_error(name);
  });
}

void PgStore::put_dataset(const DatasetRecord& d) {
  Lock lock(mu_);
  if (d.version < 1) throw internal::dataset_version_invalid_error(d.name, d.version);
  try {
    write([&] {
      PgParams p;
      p.bind(1, d.name).bind(2, d.version).bind(3, d.kind).bind(4, d.definition_json);
      p.bind(5, d.manifest_json).bind(6, d.digest).bind(7, d.description).bind(8, d.tags_json);
      p.bind(9, internal::or_now(d.created_at));
      db_.exec("INSERT INTO datasets(" + kDatasetColumns + ") VALUES (" + placeholders(9) + ")", p);
    });
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kAlreadyExists) throw;
    throw internal::dataset_version_exists_error(d.name, d.version);
  }
}

std::optional<DatasetRecord> PgStore::get_dataset(const std::string& name, int version) {
  Lock lock(mu_);
  PgParams p;
  p.bind(1, name).bind(2, version);
  return one_of(db_.exec("SELECT " + kDatasetColumns +
                             " FROM datasets WHERE name = $1 AND ($2 = 0 OR version = $2) "
                             "ORDER BY version DESC LIMIT 1",
                         p),
                kDataset);
}

std::vector<DatasetRecord> PgStore::list_dataset_versions(const std::string& name) {
  Lock lock(mu_);
  PgParams p;
  p.bind(1, name);
  return all_of(
      db_.exec("SELECT " + kDatasetColumns + " FROM datasets WHERE name = $1 ORDER BY version", p),
      kDataset);
}

std::vector<DatasetRecord> PgStore::list_datasets() {
  Lock lock(mu_);
  return all_of(db_.exec("SELECT DISTINCT ON (name) " + kDatasetColumns +
                         " FROM datasets ORDER BY name, version DESC"),
                kDataset);
}

std::optional<std::string> PgStore::get_value(const std::string& key) {
  Lock lock(mu_);
  PgParams p;
  p.bind(1, key);
  PgResult r = db_.exec("SELECT value FROM kv WHERE key = $1", p);
  if (r.rows() == 0) return std::nullopt;
  return r.row(0).text(0);
}

void PgStore::set_value(const std::string& key, const std::string& value) {
  Lock lock(mu_);
  write([&] {
    PgParams p;
    p.bind(1, key).bind(2, value);
    db_.exec(
        "INSERT INTO kv(key, value) VALUES ($1, $2) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        p);
  });
}

}  // namespace runnel
