// The /api/v1/schedules endpoints (create, list, get, update, enable, disable, delete) and
// what the scheduler thread needs from the server: the SubmitRequest of a firing and the
// local folder of a datastore path.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/ids.h"
#include "runnel/datastore.h"
#include "runnel/error.h"
#include "server/http_util.h"
#include "server/published.h"
#include "server/schedule/recurrence.h"
#include "server/schedule/time_zone.h"
#include "server/schedule_api.h"
#include "server/server_impl.h"
#include "spec/yaml_loader.h"

using nlohmann::json;
namespace fs = std::filesystem;
using namespace runnel::schedule;

namespace runnel::server {

namespace {

constexpr const char* kScheduleId = R"(/api/v1/schedules/([^/]+))";

}  // namespace

void Server::Impl::check_target(const Target& t) { check_schedule_target(ws, t); }

json Server::Impl::fire_submit_request(const FireRequest& f) {
  const ScheduleRecord& s = f.schedule;
  json params = fired_run_parameters(f);
  json data_paths = fired_run_data_paths(f);
  std::map<std::string, std::string> tags = fired_run_tags(f);
  json req;
  switch (s.target.kind) {
    case TargetKind::kPipelineFile:
      req = {{"path", s.target.path}};
      break;
    case TargetKind::kInlineJob:
      req = {{"yaml", s.target.yaml}, {"base_dir", s.target.base_dir}};
      break;
    case TargetKind::kPublishedPipeline:
    case TargetKind::kPipelineEndpoint:
      return resolve_published_target(s.target, params, data_paths, s.experiment_name, tags);
  }
  if (!s.experiment_name.empty()) req["experiment"] = s.experiment_name;
  req["tags"] = tags;
  if (s.continue_on_step_failure) req["continue_on_step_failure"] = true;
  if (!params.empty()) req["parameters"] = params;  // the pipeline's inputs, as `runnel run --set`
  if (!data_paths.empty()) req["data_path_assignments"] = data_paths;
  return req;
}

json Server::Impl::resolve_published_target(const Target& t, const json& params,
                                            const json& data_paths, const std::string& experiment,
                                            const std::map<std::string, std::string>& tags) {
  PublishedTarget target;
  if (t.kind == TargetKind::kPublishedPipeline) {
    target.pipeline_id = t.pipeline_id;
  } else {
    target.endpoint = t.endpoint_id;
    target.version = t.version;
  }
  // Throws ApiError 404 (unknown id) / 409 (disabled, archived), as a REST trigger would.
  return published_submit_request(ws, target, experiment, params, data_paths, json::object(), tags);
}

std::string Server::Impl::datastore_local_path(const std::string& name, const std::string& path) {
  Datastore ds(ws, name);
  if (ds.is_remote())
    throw invalid_argument("datastore '" + name + "' is of type " + ds.type() +
                           ": data-change schedules watch local datastores only; register the "
                           "data on a local datastore or use a time trigger");
  return path.empty() ? ds.root() : ds.path(path);
}

json Server::Impl::schedule_json(const ScheduleRecord& r) { return schedule_api_json(ws, r); }

ScheduleRecord Server::Impl::find_schedule(const std::string& id) {
  auto r = scheduler->get(id);
  if (!r)
    throw ApiError(
        404, "not_found",
        "no schedule '" + id + "' in this workspace; list them with GET /api/v1/schedules",
        {{"field", "schedule_id"}});
  return *r;
}

void Server::Impl::add_schedule_routes() {
  http.Post("/api/v1/schedules", [this](const httplib::Request& req, httplib::Response& res) {
    ScheduleRecord r = schedule_from_create_body(ws, json::parse(req.body));
    send_json(res, 201, schedule_json(scheduler->create(r)));
  });

  http.Get("/api/v1/schedules", [this](const httplib::Request& req, httplib::Response& res) {
    auto pipeline_id = query(req, "pipeline_id");
    auto endpoint_id = query(req, "pipeline_endpoint_id");
    bool active_only = query_bool(req, "active", false);
    json out = json::array();
    for (const auto& r : scheduler->list()) {
      if (active_only && r.status != ScheduleStatus::kActive) continue;
      if (pipeline_id && r.target.pipeline_id != *pipeline_id) continue;
      if (endpoint_id && r.target.endpoint_id != *endpoint_id) continue;
      out.push_back(schedule_json(r));
    }
    send_json(res, 200, {{"schedules", out}});
  });

  http.Get(kScheduleId, [this](const httplib::Request& req, httplib::Response& res) {
    send_json(res, 200, schedule_json(find_schedule(req.matches[1])));
  });

  http.Patch(kScheduleId, [this](const httplib::Request& req, httplib::Response& res) {
    json b = json::parse(req.body);
    if (!b.is_object()) throw bad_field("body", "must be a JSON object (ScheduleUpdate)");
    std::string id = find_schedule(req.matches[1]).id;
    auto out = scheduler->update(id, schedule_update(b, find_schedule(id)));
    send_json(res, 200, schedule_json(out));
  });

  for (const char* verb : {"enable", "disable"}) {
    bool enable = std::string(verb) == "enable";
    http.Post(std::string(kScheduleId) + "/" + verb,
              [this, enable](const httplib::Request& req, httplib::Response& res) {
                std::string id = find_schedule(req.matches[1]).id;
                auto out = scheduler->set_status(
                    id, enable ? ScheduleStatus::kActive : ScheduleStatus::kDisabled);
                send_json(res, 200, schedule_json(out));
              });
  }

  http.Delete(kScheduleId, [this](const httplib::Request& req, httplib::Response& res) {
    std::string id = find_schedule(req.matches[1]).id;
    scheduler->remove(id);
    send_json(res, 200, {{"id", id}, {"deleted", true}});
  });
}

}  // namespace runnel::server
