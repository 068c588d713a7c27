// Experiment, PipelineRun and StepRun: submitting and following runs from C++.
#include "runnel/run.h"

#include <chrono>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/executor.h"
#include "engine/workspace_impl.h"
#include "runnel/error.h"
#include "spec/pipeline_spec.h"
#include "store/metadata_store.h"

using nlohmann::json;

namespace runnel {

namespace {

// Prints step statuses (and streamed output) the way the SDK's wait_for_completion does,
// once someone asks for output.
class PrintingListener : public RunListener {
 public:
  void on_step(const StepState& s) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!printing_) return;
    std::cout << "StepRun(" << s.name << ") Status: " << to_string(s.status);
    if ((s.status == StepStatus::kFailed || s.status == StepStatus::kCanceled) && !s.reason.empty())
      std::cout << " (" << s.reason << ")";
    std::cout << std::endl;
  }
  void on_log(const std::string& step, bool, const std::string& line) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (printing_) std::cout << "[" << step << "] " << line << std::endl;
  }
  void set_printing(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    printing_ = on;
  }

 private:
  std::mutex mu_;
  bool printing_ = false;
};

}  // namespace

struct PipelineRun::Impl {
  Workspace ws;
  std::string id;
  PrintingListener listener;                // outlives exec (declared before it)
  std::unique_ptr<PipelineExecution> exec;  // null when attached to an earlier run
  explicit Impl(Workspace w) : ws(std::move(w)) {}
};

PipelineRun::PipelineRun(const Workspace& ws, const std::string& run_id)
    : impl_(std::make_shared<Impl>(ws)) {
  auto rec = internal::store_of(ws).get_pipeline_run(run_id);
  if (!rec) throw not_found("no pipeline run '" + run_id + "' in workspace " + ws.root());
  impl_->id = rec->id;
}

const std::string& PipelineRun::id() const { return impl_->id; }

RunStatus PipelineRun::status() const {
  if (impl_->exec) return impl_->exec->status();
  auto rec = internal::store_of(impl_->ws).get_pipeline_run(impl_->id);
  return rec ? rec->status : RunStatus::kNotStarted;
}

std::string PipelineRun::get_status() const { return to_string(status()); }

std::string PipelineRun::wait_for_completion(bool show_output, int timeout_seconds,
                                             bool raise_on_error) {
  if (show_output) {
    std::cout << "PipelineRunId: " << impl_->id << "\nPipelineRun Status: " << get_status()
              << std::endl;
    impl_->listener.set_printing(true);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  RunStatus st = status();
  if (impl_->exec) {
    // A run of this process: wait on its end (a condition variable), not on a clock.
    if (timeout_seconds > 0) {
      impl_->exec->wait_for(std::chrono::seconds(timeout_seconds));
      st = impl_->exec->status();
    } else {
      st = impl_->exec->wait();
    }
  } else {
    // A run driven by another process: its progress is in the store only.
    while (!is_final(st = status())) {
      if (timeout_seconds > 0 && std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  impl_->listener.set_printing(false);
  const std::string text = to_string(st);
  if (show_output) {
    std::cout
        << "\nPipelineRun Execution Summary\n==============================\nPipelineRun Status: "
        << text << "\n";
    for (const auto& s : get_steps())
      std::cout << "  " << s.name() << ": " << s.get_status() << "\n";
    std::cout << std::endl;
  }
  if (raise_on_error && (st == RunStatus::kFailed || st == RunStatus::kCanceled)) {
    std::string msg = "pipeline run " + impl_->id + " " + text;
    for (const auto& s : internal::store_of(impl_->ws).list_step_runs(impl_->id))
      if (s.status == StepStatus::kFailed)
        msg += "; step '" + s.name + "' failed (" + s.error + "), log: " + s.run_dir +
               "/logs/stderr.txt";
    // A failed run is data: kFailedPrecondition-like, never kInternal.
    throw Error(st == RunStatus::kCanceled ? ErrorCode::kCancelled : ErrorCode::kRunFailed, msg);
  }
  return text;
}

std::vector<StepRun> PipelineRun::get_steps() const {
  std::vector<StepRun> out;
  for (const auto& s : internal::store_of(impl_->ws).list_step_runs(impl_->id))
    out.push_back(StepRun(impl_->ws, s.id, s.name));
  return out;
}

std::vector<StepRun> PipelineRun::find_step_run(const std::string& name) const {
  std::vector<StepRun> out;
  for (auto& s : get_steps())
    if (s.name() == name) out.push_back(s);
  return out;
}

void PipelineRun::cancel() {
  if (impl_->exec) impl_->exec->cancel();
}

StepStatus StepRun::status() const {
  auto r = internal::store_of(ws_).get_step_run(id_);
  return r ? r->status : StepStatus::kNotStarted;
}

std::string StepRun::get_status() const { return to_string(status()); }

std::optional<int> StepRun::exit_code() const {
  auto r = internal::store_of(ws_).get_step_run(id_);
  return r ? r->exit_code : std::nullopt;
}

std::map<std::string, std::string> StepRun::get_metrics() const {
  auto r = internal::store_of(ws_).get_step_run(id_);
  std::string source = r && !r->reused_run_id.empty() ? r->reused_run_id : id_;
  std::map<std::string, std::string> out;
  for (const auto& m : internal::store_of(ws_).get_metrics("", source)) {
    if (m.run_id != source) continue;
    if (m.kind == "scalar") {
      json v = json::parse(m.value_json, nullptr, false);
      out[m.name] = v.is_string() ? v.get<std::string>() : v.dump();
    } else {
      out[m.name] = m.value_json;
    }
  }
  return out;
}

std::string StepRun::get_output_data(const std::string& name) const {
  auto r = internal::store_of(ws_).get_step_run(id_);
  if (!r || !r->outputs.count(name))
    throw not_found("step run " + id_ + " (" + name_ + ") has no committed output '" + name + "'");
  return r->outputs.at(name);
}

std::string StepRun::log_dir() const {
  auto r = internal::store_of(ws_).get_step_run(id_);
  return r ? r->run_dir + "/logs" : "";
}

PipelineRun Experiment::submit(const Pipeline& pipeline, const SubmitOptions& options) {
  ExecutionOptions eo;
  eo.experiment = name_;
  eo.max_parallel = options.max_parallel;
  eo.regenerate_outputs = options.regenerate_outputs;
  eo.default_compute = options.default_compute;
  if (options.continue_on_step_failure) eo.continue_on_step_failure = true;
  eo.tags = options.tags;
  eo.stream_logs = true;
  for (const auto& [k, v] : options.pipeline_parameters) eo.parameters[k].text = v;
  eo.parameters_field = "pipeline_parameters";
  auto impl = std::make_shared<PipelineRun::Impl>(ws_);
  impl->exec = PipelineExecution::submit(ws_, pipeline.to_spec(), eo, &impl->listener);
  impl->id = impl->exec->run_id();
  return PipelineRun(impl);
}

}  // namespace runnel
