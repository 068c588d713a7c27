// server/api_json.h: the REST API's JSON for runs, steps, metrics and workspace objects
// (the schemas of docs/api/openapi.json). Paths are shown relative to the workspace root
// when inside it. Stateless; thread-safe as the metadata store is.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runnel/workspace.h"
#include "store/metadata_store.h"

namespace runnel::server {

// RunSummary (without step_counts; the caller adds them).
nlohmann::json run_summary_json(const PipelineRunRecord& r);
// RunDetail: the summary, git, steps (with their spec: command, inputs, outputs) and edges.
nlohmann::json run_detail_json(const Workspace& ws, const PipelineRunRecord& r);
// Step counts by status.
nlohmann::json step_counts_json(const std::vector<StepRunRecord>& steps);
nlohmann::json metric_json(const MetricRecord& m, const std::string& step_name);
// `path` relative to the workspace root when inside it, else unchanged.
std::string workspace_relative(const Workspace& ws, const std::string& path);
// A compute target's config without secrets (keys naming key/secret/password/token).
nlohmann::json redact_secrets(const nlohmann::json& j);

}  // namespace runnel::server
