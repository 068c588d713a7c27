// engine/executor.h: one submitted pipeline run, from validation to the last commit.
//
// submit() validates the pipeline, records the run and its step runs in the metadata
// store, and hands it to the process's Engine (engine/engine.h), whose one scheduler
// thread drives every run of the process: every step whose
// inputs are ready is prepared (working folder, context file, rendered command) and
// handed to its compute backend, up to each backend's capacity. A step's outputs are
// written to a private staging folder and committed into the datastore by one rename
// when it succeeds; a failed or killed step leaves nothing there.
//
// Thread-safety: all public methods may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runnel/status.h"
#include "runnel/workspace.h"
#include "spec/parameters.h"
#include "spec/pipeline_spec.h"

namespace runnel {

class ComputeBackend;
class Engine;

struct ExecutionOptions {
  std::string experiment;                // overrides the pipeline's experiment_name when set
  int max_parallel = 0;                  // local slots (-j); 0 = number of cores
  bool regenerate_outputs = false;       // run everything; reuse nothing in this run
  std::vector<std::string> rerun_steps;  // these steps and everything downstream run
  std::string default_compute;           // overrides settings.default_compute when set
  std::optional<bool> continue_on_step_failure;  // overrides the pipeline's setting
  std::map<std::string, std::string> tags;
  bool stream_logs = false;          // deliver step output lines to the listener as they come
  bool accept_changed_data = false;  // consume dataset versions whose files changed
  bool dry_run = false;              // plan only: decide what would run, execute nothing
  // Snapshot limits for this run; 0 = the workspace's (snapshot.max_bytes/max_files).
  uint64_t snapshot_max_bytes = 0;
  uint64_t snapshot_max_files = 0;
  // Values for the pipeline's parameters (spec/parameters.h); the others take their
  // defaults. `parameters_field` names the caller's field in errors.
  ParameterValues parameters;
  std::string parameters_field = "parameters";
  // "" = a new run id; else this one (`runnel job create --name`); the caller checks it is unused.
  std::string run_id;
};

// A step's state as the engine sees it; copied out to callers.
struct StepState {
  std::string name;
  std::string step_run_id;
  StepStatus status = StepStatus::kNotStarted;
  std::optional<int> exit_code;
  int signal = 0;
  std::string reason;    // failure/cancel reason; reuse/run decision for others
  std::string decision;  // "will run (...)" / "eligible to reuse run <id>" (at submit)
  std::string reused_run_id;
  std::string backend_job_id;
  std::string compute;
  std::string run_dir;
  std::string stdout_path;
  std::string stderr_path;
  std::map<std::string, std::string> outputs;  // committed output paths
  int64_t started_at = 0;
  int64_t ended_at = 0;
};

// Receives progress from the scheduler thread. Calls are serialized (never concurrent).
class RunListener {
 public:
  virtual ~RunListener() = default;
  virtual void on_submitted(const std::string& /*run_id*/,
                            const std::vector<StepState>& /*steps*/) {}
  virtual void on_step(const StepState& /*step*/) {}
  virtual void on_log(const std::string& /*step*/, bool /*is_stderr*/,
                      const std::string& /*line*/) {}
  virtual void on_finished(RunStatus /*status*/) {}
};

// Makes the backend for a compute target; tests inject a fake.
using BackendFactory = std::function<std::unique_ptr<ComputeBackend>(
    const std::string& compute_name, int max_parallel)>;

class PipelineExecution {
 public:
  // Validates and records the run, then hands it to `engine` (null: Engine::shared()),
  // which starts it at once. Throws Error (kInvalidArgument/kNotFound) for a bad pipeline
  // before anything is recorded. `listener` (may be null) and `engine` must outlive the
  // execution. The listener is called from the engine's thread.
  static std::unique_ptr<PipelineExecution> submit(const Workspace& ws, PipelineSpec spec,
                                                   const ExecutionOptions& options,
                                                   RunListener* listener = nullptr,
                                                   BackendFactory backends = nullptr,
                                                   Engine* engine = nullptr);
  ~PipelineExecution();  // cancels and waits if still running

  const std::string& run_id() const;
  const std::string& experiment() const;
  RunStatus status() const;
  std::vector<StepState> steps() const;
  // Asks every running step to stop; not-started steps end Canceled. Does not block.
  void cancel();
  // Blocks until the run ends; returns the final status.
  RunStatus wait();
  // Blocks until the run ends or `timeout` passes; true when it ended.
  bool wait_for(std::chrono::milliseconds timeout);

  class Impl;

 private:
  explicit PipelineExecution(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with the engine while it drives the run
};

}  // namespace runnel
