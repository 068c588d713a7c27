// server/published.h: what a published pipeline or a pipeline endpoint runs, as the
// SubmitRequest that RunManager::submit takes (docs/api/openapi.json, docs/design.md §10).
//
// @code
//   // A schedule firing, a REST trigger or `runnel pipeline submit`:
//   json req = published_submit_request(ws, {.endpoint = "nightly"}, "exp",
//                                       {{"learning_rate", 0.1}});
//   json answer = run_manager.submit(req);   // {run_id, experiment, status, url}
// @endcode
//
// The request names the published pipeline by its full id (published pipelines are
// immutable, so a request stored for resuming after a restart means the same thing
// later); RunManager::start loads it with resolve_published_request().
// Thread-safety: functions may be called from any thread.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/executor.h"
#include "runnel/workspace.h"
#include "spec/pipeline_spec.h"

namespace runnel::server {

// Either a published pipeline, or an endpoint (id or name) and one of its versions.
struct PublishedTarget {
  std::string pipeline_id;  // a published pipeline id (or a unique prefix of one)
  std::string endpoint;     // a pipeline endpoint id or name (used when pipeline_id is "")
  std::string version;      // the endpoint's version ("0", "1", ...); "" = its default
};

// The SubmitRequest that runs `target`:
//   {"published_pipeline_id": ID, "experiment": E, "parameter_assignments": {...},
//    "data_path_assignments": {...}, "dataset_assignments": {...}, "tags": {...}}
// `parameter_assignments` is {name: scalar} (the REST body's ParameterAssignments);
// `data_path_assignments` {name: {DataStoreName, RelativePath}}; `dataset_assignments`
// {name: {SavedDataSetReference: {Id: "name:version"}}}. The run is tagged
// azureml.pipelineid (and azureml.pipelineEndpointId / azureml.pipelineVersion for an
// endpoint) plus `tags`. `experiment_name` "" = the published pipeline's name.
// Throws ApiError 404 for an unknown pipeline/endpoint/version, 409 when the pipeline
// or endpoint is disabled, 400 naming the field for assignments of the wrong shape;
// unknown parameter names and wrong types are found when the run starts (400).
nlohmann::json published_submit_request(
    const Workspace& ws, const PublishedTarget& target, const std::string& experiment_name,
    const nlohmann::json& parameter_assignments = nlohmann::json::object(),
    const nlohmann::json& data_path_assignments = nlohmann::json::object(),
    const nlohmann::json& dataset_assignments = nlohmann::json::object(),
    const std::map<std::string, std::string>& tags = {});

// For a SubmitRequest holding "published_pipeline_id": the stored definition, with the
// assignments put into `opts->parameters`. Throws ApiError 404/409/400 as above.
PipelineSpec resolve_published_request(const Workspace& ws, const nlohmann::json& request,
                                       ExecutionOptions* opts);

}  // namespace runnel::server
