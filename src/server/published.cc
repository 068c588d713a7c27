#include "server/published.h"

#include "publish/published_store.h"
#include "runnel/error.h"
#include "server/http_util.h"
#include "spec/parameters.h"

using nlohmann::json;

namespace runnel::server {

namespace {

json object_field(const json& v, const std::string& field) {
  if (v.is_null()) return json::object();
  if (!v.is_object()) throw bad_field(field, "must be an object of {name: value}");
  return v;
}

PublishedPipelineRecord find_pipeline(PublishedStore& ps, const std::string& id) {
  std::optional<PublishedPipelineRecord> r;
  try {
    r = ps.get_pipeline(id);
  } catch (const Error& e) {
    throw ApiError(400, "invalid_argument", e.what(), {{"field", "pipeline_id"}});
  }
  if (!r)
    throw ApiError(404, "not_found",
                   "no published pipeline '" + id + "'; list them with GET /api/v1/pipelines",
                   {{"field", "pipeline_id"}});
  return *r;
}

}  // namespace

json published_submit_request(const Workspace& ws, const PublishedTarget& target,
                              const std::string& experiment_name, const json& parameter_assignments,
                              const json& data_path_assignments, const json& dataset_assignments,
                              const std::map<std::string, std::string>& tags) {
  PublishedStore ps(ws);
  json out_tags = json::object();
  std::string pipeline_id = target.pipeline_id;
  if (pipeline_id.empty()) {
    auto e = ps.get_endpoint(target.endpoint);
    if (!e)
      throw ApiError(404, "not_found",
                     "no pipeline endpoint '" + target.endpoint +
                         "' (by id or name); list them with GET /api/v1/pipeline-endpoints",
                     {{"field", "endpoint"}});
    if (e->status != PublishedStatus::kActive)
      throw ApiError(
          409, "conflict",
          "pipeline endpoint '" + e->name + "' is disabled (archived); reactivate it first",
          {{"status", to_string(e->status)}});
    try {
      pipeline_id = ps.endpoint_pipeline_id(*e, target.version);
    } catch (const Error& err) {
      throw ApiError(404, "not_found", err.what(), {{"field", "pipelineVersion"}});
    }
    out_tags["azureml.pipelineEndpointId"] = e->id;
    out_tags["azureml.pipelineVersion"] =
        target.version.empty() ? e->default_version : target.version;
  }
  PublishedPipelineRecord p = find_pipeline(ps, pipeline_id);
  if (p.status != PublishedStatus::kActive)
    throw ApiError(409, "conflict",
                   "published pipeline " + p.id + " ('" + p.name +
                       "') is disabled; enable it (`runnel pipeline enable`) to submit it",
                   {{"status", to_string(p.status)}});
  out_tags["azureml.pipelineid"] = p.id;
  for (const auto& [k, v] : tags) out_tags[k] = v;
  return {{"published_pipeline_id", p.id},
          {"experiment", experiment_name.empty() ? p.name : experiment_name},
          {"parameter_assignments", object_field(parameter_assignments, "ParameterAssignments")},
          {"data_path_assignments", object_field(data_path_assignments, "DataPathAssignments")},
          {"dataset_assignments",
           object_field(dataset_assignments, "DataSetDefinitionValueAssignments")},
          {"continue_on_step_failure", p.continue_on_step_failure},
          {"tags", out_tags}};
}

PipelineSpec resolve_published_request(const Workspace& ws, const json& req,
                                       ExecutionOptions* opts) {
  const json& idj = req.at("published_pipeline_id");
  if (!idj.is_string()) throw bad_field("published_pipeline_id", "must be a string");
  PublishedStore ps(ws);
  PublishedPipelineRecord p = find_pipeline(ps, idj.get<std::string>());
  if (p.status != PublishedStatus::kActive)
    throw ApiError(409, "conflict", "published pipeline " + p.id + " is disabled",
                   {{"status", to_string(p.status)}});
  PipelineSpec spec = ps.pipeline_spec(p);
  std::map<std::string, std::string> like;  // how each default spells booleans
  for (const auto& pp : spec.parameters) like[pp.name] = pp.default_value.value;
  json params = object_field(req.value("parameter_assignments", json()), "ParameterAssignments");
  // As Azure ML's service does, a REST trigger may name parameters the pipeline does not
  // have (the versioned-endpoint sample sends some to a pipeline without any): they are
  // ignored, and listed in the run's tag runnel.ignored_parameters.
  std::string ignored;
  for (const auto& [k, v] : params.items()) {
    if (!like.count(k)) ignored += (ignored.empty() ? "" : ",") + k;
  }
  if (!ignored.empty()) opts->tags["runnel.ignored_parameters"] = ignored;
  for (const auto& [k, v] : params.items()) {
    if (!like.count(k)) continue;
    try {
      opts->parameters[k].text = parameter_text(v, "ParameterAssignments." + k, like[k]);
    } catch (const Error& e) {
      throw bad_field("ParameterAssignments." + k, e.what());
    }
  }
  json paths = object_field(req.value("data_path_assignments", json()), "DataPathAssignments");
  for (const auto& [k, v] : paths.items()) {
    std::string f = "DataPathAssignments." + k;
    if (!v.is_object() || !v.value("DataStoreName", json()).is_string() ||
        !v.value("RelativePath", json()).is_string())
      throw bad_field(f, "must be {\"DataStoreName\": \"...\", \"RelativePath\": \"...\"}");
    InputSource s;
    s.kind = InputSource::Kind::kDatastorePath;
    s.datastore = v["DataStoreName"].get<std::string>();
    s.path = v["RelativePath"].get<std::string>();
    opts->parameters[k].data = s;
  }
  json sets =
      object_field(req.value("dataset_assignments", json()), "DataSetDefinitionValueAssignments");
  for (const auto& [k, v] : sets.items()) {
    std::string f = "DataSetDefinitionValueAssignments." + k;
    json ref = v.is_object() ? v.value("SavedDataSetReference", json()) : json();
    if (!ref.is_object() || !ref.value("Id", json()).is_string())
      throw bad_field(f, "must be {\"SavedDataSetReference\": {\"Id\": \"name:version\"}}");
    std::string id = ref["Id"].get<std::string>();
    InputSource s;
    s.kind = InputSource::Kind::kDataset;
    auto colon = id.rfind(':');
    s.dataset = colon == std::string::npos ? id : id.substr(0, colon);
    s.version = colon == std::string::npos ? "" : id.substr(colon + 1);
    opts->parameters[k].data = s;
  }
  opts->parameters_field = "ParameterAssignments";
  return spec;
}

}  // namespace runnel::server
