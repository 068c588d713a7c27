// runnel/run.h: experiments and runs (the SDK's Experiment, PipelineRun, StepRun).
//
// @code
//   auto run = runnel::Experiment(ws, "compare-models").submit(pipeline, {.regenerate_outputs =
//   false}); std::string status = run.wait_for_completion(/*show_output=*/true);   // "Finished"
//   for (auto& step : run.get_steps()) std::cout << step.name() << " " << step.get_status();
// @endcode
//
// PipelineRun is a handle: copies share the run. Methods may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runnel/pipeline.h"
#include "runnel/status.h"
#include "runnel/workspace.h"

namespace runnel {

struct SubmitOptions {
  bool regenerate_outputs = false;  // reuse nothing in this run
  bool continue_on_step_failure = false;
  int max_parallel = 0;         // local slots; 0 = number of cores
  std::string default_compute;  // overrides the pipeline's default compute
  std::map<std::string, std::string> tags;
  // Values for the pipeline's PipelineParameters, as text ("0.5", "True", "name");
  // Experiment::submit throws Error(kInvalidArgument) for an unknown name or a value
  // that does not fit the parameter's type.
  std::map<std::string, std::string> pipeline_parameters;
};

class StepRun {
 public:
  const std::string& id() const { return id_; }
  const std::string& name() const { return name_; }
  // The step run's status (runnel/status.h); get_status() is its SDK text: "NotStarted",
  // "Queued", "Preparing", "Running", "Finished", "Failed", "Canceled", "Reused".
  StepStatus status() const;
  std::string get_status() const;
  std::optional<int> exit_code() const;
  // Last value of every scalar metric (lists/rows as JSON text).
  std::map<std::string, std::string> get_metrics() const;
  // The committed path of output `name`; Error(kNotFound) when it has none.
  std::string get_output_data(const std::string& name) const;
  std::string log_dir() const;

 private:
  friend class PipelineRun;
  StepRun(Workspace ws, std::string id, std::string name)
      : ws_(std::move(ws)), id_(std::move(id)), name_(std::move(name)) {}
  Workspace ws_;
  std::string id_;
  std::string name_;
};

class PipelineRun {
 public:
  // Attaches to an existing run of `ws` by id (or unique prefix). Error(kNotFound).
  PipelineRun(const Workspace& ws, const std::string& run_id);

  const std::string& id() const;
  // The run's status; get_status() is its SDK text: "NotStarted", "Running", "Finished",
  // "Failed", "Canceled".
  RunStatus status() const;
  std::string get_status() const;
  // Blocks until the run ends. With `show_output`, prints step statuses and their
  // output live. `timeout_seconds` > 0 gives up waiting (returns the current status).
  // With `raise_on_error`, a Failed/Canceled run throws Error(kRunFailed/kCancelled)
  // naming the failed step and its log.
  std::string wait_for_completion(bool show_output = true, int timeout_seconds = 0,
                                  bool raise_on_error = false);
  std::vector<StepRun> get_steps() const;
  // The step runs called `name` (one per run; a list, as in the SDK).
  std::vector<StepRun> find_step_run(const std::string& name) const;
  // Asks every running step to stop; does not block.
  void cancel();

  struct Impl;

 private:
  friend class Experiment;
  explicit PipelineRun(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

class Experiment {
 public:
  Experiment(const Workspace& ws, std::string name) : ws_(ws), name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  // Validates and starts `pipeline`; returns at once. Throws Error for a bad pipeline.
  PipelineRun submit(const Pipeline& pipeline, const SubmitOptions& options = {});

 private:
  Workspace ws_;
  std::string name_;
};

}  // namespace runnel
