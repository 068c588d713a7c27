// server/api_json.h: the REST API's JSON for runs, steps, metrics and workspace objects
// (the schemas of docs/api/openapi.json). Paths are shown relative to the workspace root
// when inside it. Stateless; thread-safe as the metadata store is.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runnel/workspace.h"
#include "store/metadata_store.h"

namespace runnel {
struct StepSpec;
}

namespace runnel::server {

// RunSummary (without step_counts; the caller adds them).
nlohmann::json run_summary_json(const PipelineRunRecord& r);
// RunDetail: the summary, git, steps (with their spec: command, inputs, outputs) and edges.
nlohmann::json run_detail_json(const Workspace& ws, const PipelineRunRecord& r);
// The step's kind as GET /api/v1/runs/{id} names it: StepSpec::kind (command, python_script,
// and sweep / parallel for YAML `type: sweep` / `type: parallel` jobs), except that a command
// step running `python -m runnel.sweep|runnel.parallel_run|runnel.data_transfer` (the SDK's
// HyperDriveStep, ParallelRunStep, DataTransferStep, and runs recorded before the YAML
// loader set the kind) is named sweep, parallel or data_transfer. The studio picks a step's
// children tab from it.
std::string step_kind(const StepSpec& st);
// Step counts by status.
nlohmann::json step_counts_json(const std::vector<StepRunRecord>& steps);
nlohmann::json metric_json(const MetricRecord& m, const std::string& step_name);
// `path` relative to the workspace root when inside it, else unchanged.
std::string workspace_relative(const Workspace& ws, const std::string& path);
// A compute target's config without secrets (keys naming key/secret/password/token).
nlohmann::json redact_secrets(const nlohmann::json& j);

}  // namespace runnel::server
