// cli/run_json.h: the JSON of a pipeline run, shared by `runs show`, `run --output json`.
//
// Documented in the README ("runs show --output json"). Single-threaded.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "runnel/workspace.h"
#include "store/metadata_store.h"

namespace runnel::cli {

// {run_id, experiment, status, display_name, source_file, created, started, ended,
//  duration_s, error, git, steps: [{name, run_id, status, exit_code, signal, error,
//  started, ended, duration_s, compute, backend_job_id, reused_run_id, log_dir, stdout,
//  stderr, outputs: {name: path}, metrics: {name: last value}, tags}]}
nlohmann::json run_to_json(const Workspace& ws, const PipelineRunRecord& run);

// The pipeline run for a full id or unique prefix; "latest" or "" = the newest run.
// Throws Error(kNotFound) saying how to list runs.
PipelineRunRecord find_run(const Workspace& ws, const std::string& id);

// A step run of `run` by step name, step run id or its prefix. Throws Error(kNotFound)
// listing the steps.
StepRunRecord find_step(const Workspace& ws, const PipelineRunRecord& run, const std::string& step);

}  // namespace runnel::cli
