// testing/failing_store.h: a MetadataStore decorator that fails on demand, for tests of
// what the engine does when its store breaks mid-run (a full disk, a locked database).
//
// Every call is forwarded to the wrapped store, except that once armed the store throws
// Error(code, message) from the calls chosen: all writes (the default), every call, or
// only after `after` more calls have succeeded. Thread-safe (an atomic counter and a
// mutex around the arming state; the wrapped store serializes its own calls).
//
// @code
//   auto& failing = FailingStore::install(ws);   // ws's store is now wrapped
//   failing.fail_writes_after(3, ErrorCode::kIo, "database or disk is full");
//   ... run; the run ends Failed with "database or disk is full" recorded if it can be ...
//   failing.heal();
// @endcode
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "runnel/error.h"
#include "runnel/workspace.h"
#include "store/metadata_store.h"

namespace runnel {

class FailingStore : public MetadataStore {
 public:
  explicit FailingStore(std::unique_ptr<MetadataStore> inner) : inner_(std::move(inner)) {}

  // Replaces `ws`'s store by a FailingStore over it (every handle of ws sees it) and
  // returns it; owned by the workspace.
  static FailingStore& install(const Workspace& ws);

  // From now on, after `after` more write calls succeed, every write throws.
  void fail_writes_after(int after, ErrorCode code, std::string message);
  // Every call (reads too) throws after `after` more calls.
  void fail_all_after(int after, ErrorCode code, std::string message);
  void heal();                                       // stops failing
  int failures() const { return failures_.load(); }  // how many calls threw

  int schema_version() override;
  std::optional<uint64_t> change_version() override;
  void transaction(const std::function<void()>& fn) override;
  void ensure_experiment(const std::string& name) override;
  std::vector<std::string> list_experiments() override;
  void create_pipeline_run(const PipelineRunRecord& r) override;
  void update_pipeline_run(const PipelineRunRecord& r) override;
  std::optional<PipelineRunRecord> get_pipeline_run(const std::string& id) override;
  std::vector<PipelineRunRecord> list_pipeline_runs(const std::string& experiment,
                                                    int limit) override;
  RunPage query_pipeline_runs(const RunQuery& q) override;
  std::vector<RunCount> count_pipeline_runs() override;
  void create_step_run(const StepRunRecord& r) override;
  void update_step_run(const StepRunRecord& r) override;
  std::optional<StepRunRecord> get_step_run(const std::string& id) override;
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
  enum class Mode { kOff, kWrites, kAll };
  void check(bool is_write);  // throws when armed and due

  std::unique_ptr<MetadataStore> inner_;
  std::mutex mu_;
  Mode mode_ = Mode::kOff;
  int left_ = 0;
  ErrorCode code_ = ErrorCode::kIo;
  std::string message_;
  std::atomic<int> failures_{0};
};

}  // namespace runnel
