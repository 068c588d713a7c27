// store/pg_store.h: the MetadataStore on a PostgreSQL database (libpq), for a server
// and teammates sharing one store (`runnel serve --db postgresql://...`, RUNNEL_DB, or
// "db" in the workspace's config.json).
//
// The same semantics as SqliteStore: every write runs in a transaction that first takes
// one advisory lock (pg_advisory_xact_lock(kPgWriteLock)), so writers are serialized as
// with SQLite's BEGIN IMMEDIATE and a read-then-write transaction() (a step's claim, the
// next version number) happens exactly once across processes and machines. Readers
// never wait. A commit is durable when PostgreSQL says so (synchronous_commit), so a
// step recorded Finished survives a crash of runnel or of the database server. Nested
// transaction() calls run in a SAVEPOINT. A lost connection is re-established once
// between transactions. The password in the URL is never printed (redact_db_url).
//
// Thread-safety: all calls are serialized by one mutex around the connection; a
// transaction() holds it until it ends. Several processes may open the same database.
// Do not use an instance across fork().
//
// Time fields left at 0 in a record passed to create_*/put_* are set to "now" (ms); the
// metric `logged_at` is kept as given.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/metadata_store.h"
#include "store/pg_db.h"

namespace runnel {

class PgStore final : public MetadataStore {
 public:
  // Connects and applies missing migrations. Throws Error naming the redacted URL:
  // kUnavailable if the server does not answer, kCorruption if the database holds another
  // program's tables or a newer schema. `migrations` is for tests.
  explicit PgStore(const std::string& url);
  PgStore(const std::string& url, const std::vector<std::string>& migrations);

  // The URL without its password.
  const std::string& name() const { return db_.name(); }

  int schema_version() override;
  // This store's own run writes plus the commits of every client that wrote runs, as
  // PostgreSQL notifies them after commit (triggers on pipeline_runs and step_runs, schema
  // version 2, channel "runnel_runs"). The first call opens the listening connection and
  // answers nullopt (so does every call while that connection is down): never cache then.
  std::optional<uint64_t> change_version() override;
  void transaction(const std::function<void()>& fn) override;

  void ensure_experiment(const std::string& name) override;
  std::vector<std::string> list_experiments() override;

  void create_pipeline_run(const PipelineRunRecord& r) override;
  void update_pipeline_run(const PipelineRunRecord& r) override;
  std::optional<PipelineRunRecord> get_pipeline_run(const std::string& id_or_prefix) override;
  std::vector<PipelineRunRecord> list_pipeline_runs(const std::string& experiment,
                                                    int limit) override;
  RunPage query_pipeline_runs(const RunQuery& q) override;
  std::vector<RunCount> count_pipeline_runs() override;

  void create_step_run(const StepRunRecord& r) override;
  void update_step_run(const StepRunRecord& r) override;
  std::optional<StepRunRecord> get_step_run(const std::string& id_or_prefix) override;
  std::vector<StepRunRecord> list_step_runs(const std::string& pipeline_run_id) override;
  std::map<std::string, std::map<std::string, int64_t>> count_step_runs(
      const std::vector<std::string>& pipeline_run_ids) override;
  std::vector<StepRunRecord> find_by_fingerprint(const std::string& fingerprint) override;
  std::vector<StepRunRecord> previous_step_runs(const std::string& name, int64_t before,
                                                int limit) override;

  void add_metrics(const std::vector<MetricRecord>& metrics) override;
  std::vector<MetricRecord> get_metrics(const std::string& pipeline_run_id,
                                        const std::string& step_run_id) override;

  void put_environment(const EnvironmentRecord& e, bool exact_version = false) override;
  std::optional<EnvironmentRecord> get_environment(const std::string& name, int version) override;
  std::vector<EnvironmentRecord> list_environments() override;

  void put_compute(const ComputeRecord& c) override;
  std::optional<ComputeRecord> get_compute(const std::string& name) override;
  std::vector<ComputeRecord> list_computes() override;
  void delete_compute(const std::string& name) override;

  void put_dataset(const DatasetRecord& d) override;
  std::optional<DatasetRecord> get_dataset(const std::string& name, int version) override;
  std::vector<DatasetRecord> list_dataset_versions(const std::string& name) override;
  std::vector<DatasetRecord> list_datasets() override;

  std::optional<std::string> get_value(const std::string& key) override;
  void set_value(const std::string& key, const std::string& value) override;

 private:
  void write(const std::function<void()>& fn);  // lock held by caller
  std::string resolve_id(const std::string& table, const std::string& what,
                         const std::string& prefix);

  std::recursive_mutex mu_;
  std::string url_;
  internal::PgDb db_;
  std::once_flag listener_once_;
  std::unique_ptr<internal::PgChangeListener> listener_;
  std::atomic<uint64_t> run_writes_{0};
  int version_ = 0;
  int depth_ = 0;
};

}  // namespace runnel
