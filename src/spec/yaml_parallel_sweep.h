// spec/yaml_parallel_sweep.h: `type: parallel` and `type: sweep` jobs of a v2 pipeline.
//
// Both become ordinary steps whose command runs runnel's step-side driver, so that
// inputs, outputs, reuse, compute and logs work as for a command job:
//   parallel -> python -m runnel.parallel_run --entry-script ... --input NAME=${{inputs.NAME}}
//               ... -- <program_arguments>          (python/runnel/parallel_run.py)
//   sweep    -> python -m runnel.sweep --spec-b64 <the sweep's fields as JSON>
//               --input NAME=${{inputs.NAME}} ... --output NAME=${{outputs.NAME}}
//                                                    (python/runnel/sweep.py)
// The drivers' settings are in the command, so they are fingerprinted with it.
// Internal to the spec subsystem; errors are runnel::invalid_argument with file:line.
#pragma once

#include "spec/yaml_jobs.h"

namespace runnel::internal {

// First pass of a `type: parallel` job: task (run_function: code, entry_script,
// program_arguments, environment, append_row_to), input_data, mini_batch_size,
// partition_keys, error_threshold, mini_batch_error_threshold,
// max_concurrency_per_instance, resources.instance_count, retry_settings, logging_level.
// Or `component:` naming a parallel component (parallelComponent schema: a file, a registered
// azureml:NAME:VERSION, or an inline mapping) that holds the task, input_data, declared
// inputs and outputs and the settings, which the job may override (not task or input_data);
// `file` is that component's file when the caller has read it already.
JobDraft parse_parallel_job(const JobContext& ctx, JobDraft d, const ComponentFile* file = nullptr);

// First pass of a `type: sweep` job: trial (a command component file, an inline
// component, or an inline {command, code, environment}), search_space,
// sampling_algorithm, objective, limits, early_termination. Search-space names that are
// inputs of the trial component are set by the sweep, not bound by the job.
JobDraft parse_sweep_job(const JobContext& ctx, JobDraft d);

}  // namespace runnel::internal
