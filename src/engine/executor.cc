// The scheduling loop of one pipeline run. See executor.h.
#include "engine/executor.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/fs.h"
#include "core/ids.h"
#include "engine/engine.h"
#include "engine/execution_impl.h"
#include "exec/compute_backend.h"
#include "runnel/error.h"
#include "spec/spec_json.h"
#include "spec/validate.h"
#include "store/metadata_store.h"

using nlohmann::json;

namespace runnel {

PipelineExecution::PipelineExecution(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

PipelineExecution::~PipelineExecution() {
  if (!impl_) return;
  std::unique_lock<std::mutex> lock(impl_->mu);
  if (impl_->done) return;
  lock.unlock();
  impl_->request_cancel();
  lock.lock();
  impl_->cv.wait(lock, [&] { return impl_->done; });
}

const std::string& PipelineExecution::run_id() const { return impl_->run_id; }
const std::string& PipelineExecution::experiment() const { return impl_->experiment; }

RunStatus PipelineExecution::status() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->status;
}

std::vector<StepState> PipelineExecution::steps() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<StepState> out;
  out.reserve(impl_->steps.size());
  for (const auto& s : impl_->steps) out.push_back(s.state);
  return out;
}

void PipelineExecution::cancel() { impl_->request_cancel(); }

RunStatus PipelineExecution::wait() {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return impl_->done; });
  return impl_->status;
}

bool PipelineExecution::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->done; });
}

std::unique_ptr<PipelineExecution> PipelineExecution::submit(const Workspace& ws, PipelineSpec spec,
                                                             const ExecutionOptions& options,
                                                             RunListener* listener,
                                                             BackendFactory backends,
                                                             Engine* engine) {
  apply_parameters(&spec, options.parameters, options.parameters_field);
  validate_pipeline(spec);
  auto impl = std::make_shared<Impl>(ws, std::move(spec), options, listener, std::move(backends));
  impl->resolve();  // environments, computes, graph: throws on bad input, records nothing
  impl->record_submission();
  if (options.dry_run) {
    impl->done = true;
    return std::unique_ptr<PipelineExecution>(new PipelineExecution(std::move(impl)));
  }
  (engine ? *engine : Engine::shared()).add(impl);
  return std::unique_ptr<PipelineExecution>(new PipelineExecution(std::move(impl)));
}

}  // namespace runnel
