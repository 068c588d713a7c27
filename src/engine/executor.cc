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
#include "engine/execution_impl.h"
#include "exec/compute_backend.h"
#include "runnel/error.h"
#include "spec/spec_json.h"
#include "spec/validate.h"
#include "store/metadata_store.h"

using nlohmann::json;

namespace runnel {

PipelineExecution::PipelineExecution(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PipelineExecution::~PipelineExecution() {
  if (impl_ && impl_->thread.joinable()) {
    impl_->request_cancel();
    impl_->thread.join();
  }
}

const std::string& PipelineExecution::run_id() const { return impl_->run_id; }
const std::string& PipelineExecution::experiment() const { return impl_->experiment; }

std::string PipelineExecution::status() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->status;
}

std::vector<StepState> PipelineExecution::steps() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<StepState> out;
  for (const auto& s : impl_->steps) out.push_back(s.state);
  return out;
}

void PipelineExecution::cancel() { impl_->request_cancel(); }

std::string PipelineExecution::wait() {
  {
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->cv.wait(lock, [&] { return impl_->done; });
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  return status();
}

bool PipelineExecution::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->done; });
}

std::unique_ptr<PipelineExecution> PipelineExecution::submit(const Workspace& ws, PipelineSpec spec,
                                                             const ExecutionOptions& options,
                                                             RunListener* listener,
                                                             BackendFactory backends) {
  validate_pipeline(spec);
  auto impl = std::make_unique<Impl>(ws, std::move(spec), options, listener, std::move(backends));
  impl->resolve();  // environments, computes, graph: throws on bad input, records nothing
  impl->record_submission();
  if (options.dry_run) {
    impl->done = true;
    return std::unique_ptr<PipelineExecution>(new PipelineExecution(std::move(impl)));
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<PipelineExecution>(new PipelineExecution(std::move(impl)));
}

}  // namespace runnel
