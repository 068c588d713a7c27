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
#include "server/server_impl.h"
#include "spec/yaml_loader.h"

using nlohmann::json;
namespace fs = std::filesystem;
using namespace runnel::schedule;

namespace runnel::server {

namespace {

constexpr const char* kScheduleId = R"(/api/v1/schedules/([^/]+))";

std::string str(const json& b, const char* k) {
  if (!b.contains(k) || b[k].is_null()) return "";
  if (!b[k].is_string()) throw bad_field(k, "must be a string");
  return b[k].get<std::string>();
}

// Parses the trigger of a create or update body into `r` (kind and stored trigger).
void apply_trigger(ScheduleRecord& r, const json& t) {
  if (!t.is_object())
    throw bad_field("trigger", "must be an object with `type`: recurrence, cron or data_change");
  std::string type = t.value("type", "");
  json stored = t;
  stored.erase("type");
  try {
    if (type == "recurrence") {
      r.trigger_kind = TriggerKind::kRecurrence;
      stored = recurrence_json(parse_recurrence(stored, "trigger"));
    } else if (type == "cron") {
      r.trigger_kind = TriggerKind::kCron;
    } else if (type == "data_change") {
      r.trigger_kind = TriggerKind::kDataChange;
      for (const auto& [k, v] : stored.items())
        if (k != "datastore" && k != "path_on_datastore" && k != "polling_interval" &&
            k != "data_path_parameter_name")
          throw invalid_argument("trigger." + k +
                                 ": unknown key; a data_change trigger has datastore, "
                                 "path_on_datastore, polling_interval, data_path_parameter_name");
    } else {
      throw invalid_argument("trigger.type: '" + type +
                             "' is not a trigger type; use recurrence, cron or data_change");
    }
  } catch (const Error& e) {
    std::string m = e.what();
    throw ApiError(400, "invalid_argument", m, {{"field", m.substr(0, m.find(':'))}});
  }
  r.trigger = stored;
}

// "2030-01-15T09:30:00+01:00": the wall-clock time of `seconds` in `iana` and its offset.
std::string local_time_text(int64_t seconds, const std::string& iana) {
  cctz::time_zone tz = load_zone(iana);
  auto tp = std::chrono::time_point_cast<cctz::seconds>(std::chrono::system_clock::from_time_t(0)) +
            cctz::seconds(seconds);
  int offset = tz.lookup(tp).offset;
  char sign = offset < 0 ? '-' : '+';
  offset = std::abs(offset);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, offset / 3600, offset / 60 % 60);
  return format_civil(instant_to_civil(seconds, tz)) + buf;
}

}  // namespace

void Server::Impl::check_target(const Target& t) {
  switch (t.kind) {
    case TargetKind::kPipelineFile: {
      std::string file = confine_request(ws.root(), t.path, "target.path");
      if (fs::is_directory(file))
        throw bad_field("target.path", "'" + t.path + "' is a folder; name the pipeline YAML file");
      load_pipeline_yaml(file);  // bad YAML is refused now, with file:line
      break;
    }
    case TargetKind::kInlineJob: {
      std::string dir = confine_request(ws.root(), t.base_dir, "target.base_dir");
      load_pipeline_yaml_string(t.yaml, dir + "/scheduled-pipeline.yml");
      break;
    }
    case TargetKind::kPublishedPipeline:
    case TargetKind::kPipelineEndpoint:
      resolve_published_target(t, json::object(), json::object(), "",
                               {});  // throws for an unknown id
      break;
  }
}

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

json Server::Impl::schedule_json(const ScheduleRecord& r) {
  json j = to_json(r);
  bool next = r.status == ScheduleStatus::kActive && r.next_s;
  j["next_run_time"] = next ? time_json(*r.next_s * 1000) : json(nullptr);
  // The next firing as the schedule's own wall clock: its zone's IANA name and
  // "2030-01-15T09:30:00+01:00" (data changes and an unknown zone: UTC).
  if (r.trigger_kind != TriggerKind::kDataChange) {
    std::string zone = r.trigger.value("time_zone", json("")).is_string()
                           ? r.trigger.value("time_zone", std::string())
                           : std::string();
    std::string iana = "UTC";
    try {
      if (!zone.empty()) iana = iana_zone_name(zone);
    } catch (const Error&) {
      // stored before the zone vanished from tzdata: UTC, as the trigger would fall back
    }
    j["time_zone"] = iana;
    j["next_run_time_local"] = next ? json(local_time_text(*r.next_s, iana)) : json(nullptr);
  }
  if (r.trigger_kind == TriggerKind::kDataChange) j.erase("next_s");
  j["created"] = time_json(r.created_ms);
  j["updated"] = time_json(r.updated_ms);
  for (auto& run : j["runs"]) {
    run["fired"] = time_json(run.value("fired_ms", int64_t{0}));
    if (run.value("scheduled_s", int64_t{0}))
      run["scheduled_for"] = time_json(run["scheduled_s"].get<int64_t>() * 1000);
    if (run["run_id"].is_string()) {
      auto rec = ws.store().get_pipeline_run(run["run_id"].get<std::string>());
      run["status"] = rec ? json(to_string(rec->status)) : json(nullptr);
    }
  }
  return j;
}

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
    json b = json::parse(req.body);
    if (!b.is_object()) throw bad_field("body", "must be a JSON object (ScheduleCreate)");
    ScheduleRecord r;
    r.name = str(b, "name");
    if (r.name.empty()) throw bad_field("name", "required: a name for the schedule");
    r.display_name = str(b, "display_name");
    r.description = str(b, "description");
    r.experiment_name = str(b, "experiment_name");
    if (b.contains("status") && !b["status"].is_null()) {
      try {
        r.status = parse_schedule_status(str(b, "status"));
      } catch (const Error& e) {
        throw bad_field("status", e.what());
      }
    }
    if (b.contains("pipeline_parameters") && !b["pipeline_parameters"].is_null()) {
      if (!b["pipeline_parameters"].is_object())
        throw bad_field("pipeline_parameters", "must be an object of parameter values");
      r.pipeline_parameters = b["pipeline_parameters"];
    }
    if (b.contains("tags") && b["tags"].is_object()) r.tags = b["tags"];
    if (b.contains("continue_on_step_failure") && b["continue_on_step_failure"].is_boolean())
      r.continue_on_step_failure = b["continue_on_step_failure"];
    if (!b.contains("trigger")) throw bad_field("trigger", "required");
    apply_trigger(r, b["trigger"]);
    if (!b.contains("target") || !b["target"].is_object())
      throw bad_field("target",
                      "required: {type: pipeline_file, path} (or inline_job, "
                      "published_pipeline, pipeline_endpoint)");
    const json& t = b["target"];
    try {
      r.target.kind = parse_target_kind(str(t, "type"));
    } catch (const Error& e) {
      throw bad_field("target.type", e.what());
    }
    r.target.path = str(t, "path");
    r.target.yaml = str(t, "yaml");
    r.target.base_dir = str(t, "base_dir");
    r.target.pipeline_id = str(t, "pipeline_id");
    r.target.endpoint_id = str(t, "endpoint_id");
    r.target.version = str(t, "version");
    check_target(r.target);
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
    ScheduleRecord probe = find_schedule(id);
    if (b.contains("trigger")) apply_trigger(probe, b["trigger"]);
    auto out = scheduler->update(id, [&](ScheduleRecord& r) {
      if (b.contains("name") && b["name"].is_string()) r.name = b["name"];
      if (b.contains("description") && b["description"].is_string())
        r.description = b["description"];
      if (b.contains("display_name") && b["display_name"].is_string())
        r.display_name = b["display_name"];
      if (b.contains("experiment_name") && b["experiment_name"].is_string())
        r.experiment_name = b["experiment_name"];
      if (b.contains("pipeline_parameters") && b["pipeline_parameters"].is_object())
        r.pipeline_parameters = b["pipeline_parameters"];
      if (b.contains("continue_on_step_failure") && b["continue_on_step_failure"].is_boolean())
        r.continue_on_step_failure = b["continue_on_step_failure"];
      if (b.contains("status") && b["status"].is_string())
        r.status = parse_schedule_status(b["status"].get<std::string>());
      if (b.contains("trigger")) {
        r.trigger_kind = probe.trigger_kind;
        r.trigger = probe.trigger;
      }
    });
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
