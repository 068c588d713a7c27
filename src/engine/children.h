// engine/children.h: the child runs of a step, as `runnel runs show`, the REST API and the
// SDK's StepRun.get_children() list them.
//
// A parallel step (python -m runnel.parallel_run) leaves its mini-batch progress in
// <step run dir>/logs/parallel/progress.json (rewritten at most once a second) and its
// summary in summary.json; a sweep (python -m runnel.sweep) lists its trials, best first,
// in <step run dir>/trials/children.json. A Reused step shows the children of the run it
// reused. Reads files only; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "runnel/workspace.h"
#include "store/metadata_store.h"

namespace runnel {

// null when the step has no children; else
//   {"kind": "parallel", "mini_batches", "reused", "done", "failed", "to_run", "rate_per_s",
//    "eta_s", "final", "items", "failed_items", "failed_mini_batches": [{index, error, log}]}
//   {"kind": "sweep", "primary_metric", "goal", "final", "max_total_trials",
//    "children": [{id, number, parameters, status, primary_metric: {name, final, values},
//                  reused_from, reason, exit_code, duration_s, log_dir}]}
// `from_run_id` names the step run whose files were read (the reused one for Reused steps).
nlohmann::json step_children_json(const Workspace& ws, const StepRunRecord& step);

}  // namespace runnel
