// store/sqlite_store.h: the embedded MetadataStore on one SQLite file
// (<workspace>/.runnel/metadata.db).
//
// The file is in WAL mode with synchronous=NORMAL: readers never wait for the writer,
// and a commit appends to the WAL without an fsync (fsyncs happen at checkpoints). Every
// write runs in a BEGIN IMMEDIATE transaction, so a writer takes the lock up front and
// waits (busy timeout 10 s, then retries) instead of failing with "database is locked"
// when other runnel processes share the workspace. The schema is versioned
// (store/sqlite_schema.h) and migrated on open.
//
// What transaction() batching buys: each write method alone is its own transaction,
// which costs a lock round trip (file locks + the WAL index) and one WAL frame per page
// it touches. Inside transaction(), N writes take the lock once and each touched page is
// appended to the WAL once at COMMIT, so recording 1,000 steps x 3 writes costs a few
// commits instead of 3,000; the group also becomes atomic (a crash or a throw leaves
// none of it). Measured on a 2-core dev box (1,000 steps x create + 2 updates): ~130 us
// per write alone, ~5-10 us per write inside one transaction. Keep transactions short:
// while one is open, other processes' writes wait.
//
// Thread-safety: all calls are serialized by one mutex around the connection; a
// transaction() holds it until it ends, so `fn` must not wait for another thread that
// uses this store. Several processes may open the same file. Do not use an instance
// across fork(); open a new one in the child.
//
// Time fields left at 0 in a record passed to create_*/put_* are set to "now" (ms); the
// metric `logged_at` is kept as given.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/metadata_store.h"
#include "store/sqlite_db.h"

namespace runnel {

class SqliteStore final : public MetadataStore {
 public:
  // Opens (creating if needed) the database at `path` and applies missing migrations.
  // Throws Error naming the path: kCorruption if the file is not a SQLite database, belongs
  // to another program or has a newer schema than `migrations` (upgrade runnel); kIo if it
  // cannot be opened; kUnavailable if another process holds it locked too long.
  // `migrations` is for tests; the default is the real schema.
  explicit SqliteStore(const std::string& path);
  SqliteStore(const std::string& path, const std::vector<std::string>& migrations);

  const std::string& path() const { return db_.path(); }

  int schema_version() override;
  // This store's run writes plus PRAGMA data_version of a second connection of its own,
  // which changes when any other connection (this store's included) commits. It never
  // takes the store's mutex, so a cached answer is served while a write is under way.
  std::optional<uint64_t> change_version() override;
  // Nested calls run in a SAVEPOINT: an inner `fn` that throws undoes only its own writes
  // (the exception still propagates to the outer fn).
  void transaction(const std::function<void()>& fn) override;

  void ensure_experiment(const std::string& name) override;
  std::vector<std::string> list_experiments() override;  // by name

  // Creates the run's experiment if needed. kAlreadyExists if the id is taken.
  void create_pipeline_run(const PipelineRunRecord& r) override;
  void update_pipeline_run(const PipelineRunRecord& r) override;  // kNotFound if absent
  std::optional<PipelineRunRecord> get_pipeline_run(const std::string& id_or_prefix) override;
  std::vector<PipelineRunRecord> list_pipeline_runs(const std::string& experiment,
                                                    int limit /*<= 0: all*/) override;
  RunPage query_pipeline_runs(const RunQuery& q) override;
  std::vector<RunCount> count_pipeline_runs() override;  // by experiment, then status

  // kNotFound if the pipeline run is not recorded; kAlreadyExists if the id is taken.
  void create_step_run(const StepRunRecord& r) override;
  void update_step_run(const StepRunRecord& r) override;  // kNotFound if absent
  std::optional<StepRunRecord> get_step_run(const std::string& id_or_prefix) override;
  std::vector<StepRunRecord> list_step_runs(const std::string& pipeline_run_id) override;
  std::map<std::string, std::map<std::string, int64_t>> count_step_runs(
      const std::vector<std::string>& pipeline_run_ids) override;
  std::vector<StepRunRecord> find_by_fingerprint(const std::string& fingerprint) override;
  std::vector<StepRunRecord> previous_step_runs(const std::string& name, int64_t before,
                                                int limit /*<= 0: all*/) override;

  // All in one transaction. get_metrics returns them in logging order: by logged_at, then
  // in the order they were added.
  void add_metrics(const std::vector<MetricRecord>& metrics) override;
  std::vector<MetricRecord> get_metrics(const std::string& pipeline_run_id,
                                        const std::string& step_run_id) override;

  // Ignores e.version: the name's first put is version 1, each later one the next.
  void put_environment(const EnvironmentRecord& e, bool exact_version = false) override;
  std::optional<EnvironmentRecord> get_environment(const std::string& name, int version) override;
  std::vector<EnvironmentRecord> list_environments() override;  // by name

  void put_compute(const ComputeRecord& c) override;
  std::optional<ComputeRecord> get_compute(const std::string& name) override;
  std::vector<ComputeRecord> list_computes() override;  // by name
  void delete_compute(const std::string& name) override;

  // kInvalidArgument if d.version < 1.
  void put_dataset(const DatasetRecord& d) override;
  std::optional<DatasetRecord> get_dataset(const std::string& name, int version) override;
  std::vector<DatasetRecord> list_dataset_versions(const std::string& name) override;
  std::vector<DatasetRecord> list_datasets() override;  // by name

  std::optional<std::string> get_value(const std::string& key) override;
  void set_value(const std::string& key, const std::string& value) override;

 private:
  // Runs `fn` in a write transaction, or inside the one already open. Lock held by caller.
  void write(const std::function<void()>& fn);
  // Runs the read-only `f(SqliteDb&)` on a connection of its own when this thread holds no
  // transaction of this store, so a read never waits for the store's lock while another
  // thread (in a server: a lower-priority one) writes; WAL gives it the last commit. Inside
  // this thread's transaction, and for in-memory databases, on the store's own connection.
  template <class F>
  auto read_only(F f) {
    if (reader_ok_ && tx_owner_.load() != std::this_thread::get_id()) {
      std::lock_guard<std::mutex> lock(reader_mu_);
      if (!reader_) reader_ = std::make_unique<internal::SqliteDb>(db_.path());
      return f(*reader_);
    }
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return f(db_);
  }
  // The full id in `table` equal to or starting with `prefix`; "" if none. Throws
  // Error(kInvalidArgument) listing candidates if several match. Lock held by caller.
  std::string resolve_id(const std::string& table, const std::string& what,
                         const std::string& prefix);

  std::recursive_mutex mu_;
  internal::SqliteDb db_;
  int version_ = 0;
  int depth_ = 0;                            // open transaction() / write() levels; 0 = none
  std::atomic<uint64_t> run_writes_{0};      // pipeline run and step run writes (change_version)
  std::atomic<std::thread::id> tx_owner_{};  // the thread in a transaction, if any
  bool reader_ok_ = false;                   // a second connection sees the same database
  std::mutex reader_mu_;                     // guards reader_
  std::unique_ptr<internal::SqliteDb> reader_;
  std::mutex version_mu_;                           // guards version_db_
  std::unique_ptr<internal::SqliteDb> version_db_;  // opened by the first change_version()
};

}  // namespace runnel
