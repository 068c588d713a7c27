// The /api/v1/pipelines and /api/v1/pipeline-endpoints endpoints: publish, list, show,
// enable/disable, versions, and the REST trigger that takes the Azure ML SDK's body
// ({ExperimentName, RunSource, ParameterAssignments, DataPathAssignments,
// DataSetDefinitionValueAssignments[, PipelineVersion]}).
#include "core/ids.h"
#include "publish/published_store.h"
#include "runnel/error.h"
#include "server/http_util.h"
#include "server/published.h"
#include "server/server_impl.h"
#include "spec/parameters.h"
#include "spec/spec_json.h"

using nlohmann::json;

namespace runnel::server {

namespace {

constexpr const char* kPipeline = R"(/api/v1/pipelines/([^/]+))";
constexpr const char* kEndpoint = R"(/api/v1/pipeline-endpoints/([^/]+))";

json body_of(const httplib::Request& req) {
  json body = json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    throw ApiError(400, "invalid_argument", "the body is not a JSON object", {{"field", "body"}});
  return body;
}

std::string str(const json& b, const char* k, const std::string& fallback = "") {
  if (!b.contains(k) || b[k].is_null()) return fallback;
  if (!b[k].is_string()) throw bad_field(k, "must be a string");
  return b[k].get<std::string>();
}

// The SDK's body keys, also accepted in snake_case.
json sdk_key(const json& b, const char* pascal, const char* snake) {
  if (b.contains(pascal)) return b[pascal];
  if (b.contains(snake)) return b[snake];
  return json();
}

}  // namespace

void Server::Impl::add_published_routes() {
  auto pipeline_json = [this](const PublishedPipelineRecord& r, bool detail) {
    json j = to_json(r, false);
    j["endpoint"] = url_base() + "/api/v1/pipelines/" + r.id + "/runs";
    if (detail) {
      PipelineSpec s = spec_from_json(r.spec);
      j["parameters"] = parameters_json(s);
      json steps = json::array();
      for (const auto& st : s.steps) steps.push_back(st.name);
      j["steps"] = steps;
      j["experiment_name"] = s.experiment_name;
    }
    return j;
  };
  auto endpoint_json = [this](const PipelineEndpointRecord& e) {
    json j = to_json(e);
    j["endpoint"] = url_base() + "/api/v1/pipeline-endpoints/" + e.id + "/runs";
    return j;
  };
  // Starts the run and answers as Azure ML's PipelineSubmit does (Id, Status, ...).
  auto trigger = [this](const json& b, const PublishedTarget& target, httplib::Response& res) {
    json exp = sdk_key(b, "ExperimentName", "experiment_name");
    if (!exp.is_string() || exp.get<std::string>().empty())
      throw bad_field("ExperimentName", "the experiment to run in is required (a string)");
    std::map<std::string, std::string> tags;
    json source = sdk_key(b, "RunSource", "run_source");
    if (source.is_string()) tags["azureml.runsource"] = source.get<std::string>();
    json extra = sdk_key(b, "Tags", "tags");
    if (extra.is_object())
      for (const auto& [k, v] : extra.items())
        if (v.is_string()) tags[k] = v.get<std::string>();
    json req = published_submit_request(
        ws, target, exp.get<std::string>(),
        sdk_key(b, "ParameterAssignments", "parameter_assignments"),
        sdk_key(b, "DataPathAssignments", "data_path_assignments"),
        sdk_key(b, "DataSetDefinitionValueAssignments", "dataset_assignments"), tags);
    json started = runs.submit(req);
    std::string id = started["run_id"];
    send_json(res, 201,
              {{"Id", id},
               {"RunId", id},
               {"Status", "Running"},
               {"ExperimentName", started["experiment"]},
               {"PipelineId", req["published_pipeline_id"]},
               {"RunType", "azureml.PipelineRun"},
               {"StartTimeUtc", format_time_iso(now_ms())},
               {"run_id", id},
               {"experiment", started["experiment"]},
               {"url", started["url"]}});
  };

  http.Get("/api/v1/pipelines",
           [this, pipeline_json](const httplib::Request& req, httplib::Response& res) {
             bool active_only = query(req, "status").value_or("") == "active" ||
                                query_bool(req, "active_only", false);
             json list = json::array();
             for (const auto& r : PublishedStore(ws).list_pipelines(active_only))
               list.push_back(pipeline_json(r, false));
             send_json(res, 200, {{"pipelines", list}});
           });

  http.Post("/api/v1/pipelines", [this, pipeline_json](const httplib::Request& req,
                                                       httplib::Response& res) {
    json b = body_of(req);
    std::string stem;
    PipelineSpec spec = load_submitted_pipeline(ws, b, &stem);
    if (spec.experiment_name.empty()) spec.experiment_name = stem;
    PublishOptions o;
    o.name = str(b, "name");
    if (o.name.empty()) throw bad_field("name", "a published pipeline needs a name");
    o.description = str(b, "description");
    o.version = str(b, "version");
    o.continue_on_step_failure = b.value("continue_on_step_failure", false);
    o.source = b.contains("path") ? "yaml:" + str(b, "path") : "yaml";
    send_json(res, 201, pipeline_json(PublishedStore(ws).publish(std::move(spec), o), true));
  });

  http.Get(kPipeline, [this, pipeline_json](const httplib::Request& req, httplib::Response& res) {
    PublishedPipelineRecord r =
        PublishedStore(ws).get_pipeline(req.matches[1]).value_or(PublishedPipelineRecord{});
    if (r.id.empty())
      throw ApiError(404, "not_found",
                     "no published pipeline '" + std::string(req.matches[1]) + "'",
                     {{"field", "pipeline_id"}});
    send_json(res, 200, pipeline_json(r, true));
  });

  for (const char* verb : {"enable", "disable"}) {
    http.Post(std::string(kPipeline) + "/" + verb,
              [this, verb, pipeline_json](const httplib::Request& req, httplib::Response& res) {
                PublishedStatus s = std::string(verb) == "enable" ? PublishedStatus::kActive
                                                                  : PublishedStatus::kDisabled;
                send_json(res, 200,
                          pipeline_json(PublishedStore(ws).set_pipeline_status(req.matches[1], s),
                                        false));
              });
  }

  http.Post(std::string(kPipeline) + "/runs",
            [trigger](const httplib::Request& req, httplib::Response& res) {
              trigger(body_of(req), PublishedTarget{.pipeline_id = req.matches[1]}, res);
            });

  http.Get("/api/v1/pipeline-endpoints",
           [this, endpoint_json](const httplib::Request& req, httplib::Response& res) {
             bool active_only = query(req, "status").value_or("") == "active";
             json list = json::array();
             for (const auto& e : PublishedStore(ws).list_endpoints(active_only))
               list.push_back(endpoint_json(e));
             send_json(res, 200, {{"endpoints", list}});
           });

  http.Post("/api/v1/pipeline-endpoints",
            [this, endpoint_json](const httplib::Request& req, httplib::Response& res) {
              json b = body_of(req);
              send_json(res, 201,
                        endpoint_json(PublishedStore(ws).create_endpoint(
                            str(b, "name"), str(b, "description"), str(b, "pipeline_id"))));
            });

  http.Get(kEndpoint, [this, endpoint_json](const httplib::Request& req, httplib::Response& res) {
    send_json(res, 200, endpoint_json(PublishedStore(ws).require_endpoint(req.matches[1])));
  });

  // {default_version?, name?, status?: Active|Disabled}
  http.Post(std::string(kEndpoint) + "/update",
            [this, endpoint_json](const httplib::Request& req, httplib::Response& res) {
              json b = body_of(req);
              PublishedStore ps(ws);
              PipelineEndpointRecord e = ps.require_endpoint(req.matches[1]);
              if (b.contains("default_version"))
                e = ps.set_default_version(e.id, str(b, "default_version"));
              if (b.contains("name")) e = ps.rename_endpoint(e.id, str(b, "name"));
              if (b.contains("status")) {
                auto s = parse_published_status(str(b, "status"));
                if (!s) throw bad_field("status", "must be Active or Disabled");
                e = ps.set_endpoint_status(e.id, *s);
              }
              send_json(res, 200, endpoint_json(e));
            });

  http.Post(std::string(kEndpoint) + "/versions",
            [this, endpoint_json](const httplib::Request& req, httplib::Response& res) {
              json b = body_of(req);
              send_json(res, 201,
                        endpoint_json(PublishedStore(ws).add_version(
                            req.matches[1], str(b, "pipeline_id"), b.value("set_default", false))));
            });

  auto endpoint_trigger = [trigger](const httplib::Request& req, httplib::Response& res,
                                    std::string endpoint, std::string version) {
    json b = body_of(req);
    if (version.empty()) version = query(req, "pipelineVersion").value_or("");
    json v = sdk_key(b, "PipelineVersion", "pipeline_version");
    if (v.is_string()) version = v.get<std::string>();
    trigger(b, PublishedTarget{.endpoint = std::move(endpoint), .version = version}, res);
  };
  http.Post(std::string(kEndpoint) + "/runs",
            [endpoint_trigger](const httplib::Request& req, httplib::Response& res) {
              endpoint_trigger(req, res, req.matches[1], "");
            });
  // The URL shapes of Azure ML's PipelineEndpoint.endpoint, which scripts edit: .../Id/<id>,
  // .../Id/<id>/<version>, and .../Name?name=<name>&pipelineVersion=<version>.
  const std::string submit = "/api/v1/PipelineRuns/PipelineEndpointSubmit";
  http.Post(submit + R"(/Id/([^/]+))",
            [endpoint_trigger](const httplib::Request& req, httplib::Response& res) {
              endpoint_trigger(req, res, req.matches[1], "");
            });
  http.Post(submit + R"(/Id/([^/]+)/([^/]+))",
            [endpoint_trigger](const httplib::Request& req, httplib::Response& res) {
              endpoint_trigger(req, res, req.matches[1], req.matches[2]);
            });
  http.Post(submit + "/Name",
            [endpoint_trigger](const httplib::Request& req, httplib::Response& res) {
              auto name = query(req, "name");
              if (!name || name->empty())
                throw bad_field("name", "the query must name the endpoint: ?name=NAME");
              endpoint_trigger(req, res, *name, "");
            });
}

}  // namespace runnel::server
