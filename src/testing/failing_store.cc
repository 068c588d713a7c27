// testing/failing_store.cc: see failing_store.h.
#include "testing/failing_store.h"

#include "engine/workspace_impl.h"

namespace runnel {

FailingStore& FailingStore::install(const Workspace& ws) {
  auto& slot = internal::store_slot(ws);
  auto wrapped = std::make_unique<FailingStore>(std::move(slot));
  FailingStore& ref = *wrapped;
  slot = std::move(wrapped);
  return ref;
}

void FailingStore::fail_writes_after(int after, ErrorCode code, std::string message) {
  std::lock_guard<std::mutex> lock(mu_);
  mode_ = Mode::kWrites;
  left_ = after;
  code_ = code;
  message_ = std::move(message);
}

void FailingStore::fail_all_after(int after, ErrorCode code, std::string message) {
  std::lock_guard<std::mutex> lock(mu_);
  mode_ = Mode::kAll;
  left_ = after;
  code_ = code;
  message_ = std::move(message);
}

void FailingStore::heal() {
  std::lock_guard<std::mutex> lock(mu_);
  mode_ = Mode::kOff;
}

void FailingStore::check(bool is_write) {
  std::lock_guard<std::mutex> lock(mu_);
  if (mode_ == Mode::kOff || (mode_ == Mode::kWrites && !is_write)) return;
  if (left_ > 0) {
    --left_;
    return;
  }
  ++failures_;
  throw Error(code_, message_);
}

std::optional<uint64_t> FailingStore::change_version() {
  check(false);
  return inner_->change_version();
}
int FailingStore::schema_version() {
  check(false);
  return inner_->schema_version();
}
void FailingStore::transaction(const std::function<void()>& fn) {
  check(true);
  inner_->transaction(fn);
}
void FailingStore::ensure_experiment(const std::string& n) {
  check(true);
  inner_->ensure_experiment(n);
}
std::vector<std::string> FailingStore::list_experiments() {
  check(false);
  return inner_->list_experiments();
}
void FailingStore::create_pipeline_run(const PipelineRunRecord& r) {
  check(true);
  inner_->create_pipeline_run(r);
}
void FailingStore::update_pipeline_run(const PipelineRunRecord& r) {
  check(true);
  inner_->update_pipeline_run(r);
}
std::optional<PipelineRunRecord> FailingStore::get_pipeline_run(const std::string& id) {
  check(false);
  return inner_->get_pipeline_run(id);
}
std::vector<PipelineRunRecord> FailingStore::list_pipeline_runs(const std::string& e, int limit) {
  check(false);
  return inner_->list_pipeline_runs(e, limit);
}
RunPage FailingStore::query_pipeline_runs(const RunQuery& q) {
  check(false);
  return inner_->query_pipeline_runs(q);
}
std::vector<RunCount> FailingStore::count_pipeline_runs() {
  check(false);
  return inner_->count_pipeline_runs();
}
void FailingStore::create_step_run(const StepRunRecord& r) {
  check(true);
  inner_->create_step_run(r);
}
void FailingStore::update_step_run(const StepRunRecord& r) {
  check(true);
  inner_->update_step_run(r);
}
std::optional<StepRunRecord> FailingStore::get_step_run(const std::string& id) {
  check(false);
  return inner_->get_step_run(id);
}
std::vector<StepRunRecord> FailingStore::list_step_runs(const std::string& id) {
  check(false);
  return inner_->list_step_runs(id);
}
std::map<std::string, std::map<std::string, int64_t>> FailingStore::count_step_runs(
    const std::vector<std::string>& ids) {
  check(false);
  return inner_->count_step_runs(ids);
}
std::vector<StepRunRecord> FailingStore::find_by_fingerprint(const std::string& f) {
  check(false);
  return inner_->find_by_fingerprint(f);
}
std::vector<StepRunRecord> FailingStore::previous_step_runs(const std::string& n, int64_t before,
                                                            int limit) {
  check(false);
  return inner_->previous_step_runs(n, before, limit);
}
void FailingStore::add_metrics(const std::vector<MetricRecord>& m) {
  check(true);
  inner_->add_metrics(m);
}
std::vector<MetricRecord> FailingStore::get_metrics(const std::string& p, const std::string& s) {
  check(false);
  return inner_->get_metrics(p, s);
}
void FailingStore::put_environment(const EnvironmentRecord& e, bool exact_version) {
  check(true);
  inner_->put_environment(e, exact_version);
}
std::optional<EnvironmentRecord> FailingStore::get_environment(const std::string& n, int v) {
  check(false);
  return inner_->get_environment(n, v);
}
std::vector<EnvironmentRecord> FailingStore::list_environments() {
  check(false);
  return inner_->list_environments();
}
void FailingStore::put_compute(const ComputeRecord& c) {
  check(true);
  inner_->put_compute(c);
}
std::optional<ComputeRecord> FailingStore::get_compute(const std::string& n) {
  check(false);
  return inner_->get_compute(n);
}
std::vector<ComputeRecord> FailingStore::list_computes() {
  check(false);
  return inner_->list_computes();
}
void FailingStore::delete_compute(const std::string& n) {
  check(true);
  inner_->delete_compute(n);
}
void FailingStore::put_dataset(const DatasetRecord& d) {
  check(true);
  inner_->put_dataset(d);
}
std::optional<DatasetRecord> FailingStore::get_dataset(const std::string& n, int v) {
  check(false);
  return inner_->get_dataset(n, v);
}
std::vector<DatasetRecord> FailingStore::list_dataset_versions(const std::string& n) {
  check(false);
  return inner_->list_dataset_versions(n);
}
std::vector<DatasetRecord> FailingStore::list_datasets() {
  check(false);
  return inner_->list_datasets();
}
std::optional<std::string> FailingStore::get_value(const std::string& k) {
  check(false);
  return inner_->get_value(k);
}
void FailingStore::set_value(const std::string& k, const std::string& v) {
  check(true);
  inner_->set_value(k, v);
}

}  // namespace runnel
