// server/why_json.h: why a step ran or was reused, as JSON; the one builder that both
// `runnel why --output json` and GET /api/v1/runs/{id}/steps/{step}/why answer with.
// Thread-safe as the metadata store is.
#pragma once

#include <nlohmann/json.hpp>

#include "runnel/workspace.h"
#include "store/metadata_store.h"

namespace runnel {

// {step, run_id, pipeline_run_id, status, fingerprint, decision, reused_run_id,
//  compared_with: {run_id, pipeline_run_id, status, created} | null, changes: [text],
//  unchanged: [text]}: what differs from the most recent earlier run of the step.
nlohmann::json why_json(const Workspace& ws, const PipelineRunRecord& run,
                        const StepRunRecord& step);

}  // namespace runnel
