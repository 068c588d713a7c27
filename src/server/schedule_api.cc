// The /api/v1/schedules bodies and answers (server/schedule_api.h).
#include "server/schedule_api.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>

#include "runnel/error.h"
#include "server/http_util.h"
#include "server/published.h"
#include "server/schedule/recurrence.h"
#include "server/schedule/time_zone.h"
#include "spec/yaml_loader.h"
#include "store/metadata_store.h"

using nlohmann::json;
namespace fs = std::filesystem;
using namespace runnel::schedule;

namespace runnel::server {

namespace {

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

PublishedTarget published_target(const Target& t) {
  return PublishedTarget{
      .pipeline_id = t.kind == TargetKind::kPublishedPipeline ? t.pipeline_id : "",
      .endpoint = t.endpoint_id,
      .version = t.version};
}

}  // namespace

void check_schedule_target(const Workspace& ws, const Target& t) {
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
      // Throws ApiError 404 (unknown id) / 409 (disabled), as a REST trigger would.
      published_submit_request(ws, published_target(t), "");
      break;
  }
}

namespace {

// A data_change trigger's data_path_parameter_name must name a data parameter of the target
// pipeline: checked at create, where a typo would otherwise surface only as a failed firing
// in the schedule's history.
void check_data_path_parameter(const Workspace& ws, const ScheduleRecord& r) {
  std::string name = r.trigger.value("data_path_parameter_name", json("")).is_string()
                         ? r.trigger.value("data_path_parameter_name", std::string())
                         : std::string();
  if (r.trigger_kind != TriggerKind::kDataChange || name.empty()) return;
  const Target& t = r.target;
  PipelineSpec spec;
  switch (t.kind) {
    case TargetKind::kPipelineFile:
      spec = load_pipeline_yaml(confine_request(ws.root(), t.path, "target.path"));
      break;
    case TargetKind::kInlineJob:
      spec = load_pipeline_yaml_string(
          t.yaml,
          confine_request(ws.root(), t.base_dir, "target.base_dir") + "/scheduled-pipeline.yml");
      break;
    case TargetKind::kPublishedPipeline:
    case TargetKind::kPipelineEndpoint: {
      json req = published_submit_request(ws, published_target(t), "");
      ExecutionOptions opts;
      spec = resolve_published_request(ws, req, &opts);
      break;
    }
  }
  std::string names;
  for (const auto& p : spec.parameters) {
    if (p.name == name) {
      if (is_data_type(p.type)) return;
      throw bad_field("trigger.data_path_parameter_name",
                      "parameter '" + name + "' of the target pipeline is a " +
                          data_type_name(p.type) +
                          ", not a DataPath; name the DataPath PipelineParameter that the "
                          "changed file's path should be given to");
    }
    names += (names.empty() ? "" : ", ") + p.name;
  }
  throw bad_field("trigger.data_path_parameter_name",
                  "'" + name + "' is not a parameter of the target pipeline (parameters: " +
                      (names.empty() ? "none" : names) +
                      "); name the DataPath PipelineParameter that the changed file's path "
                      "should be given to");
}

}  // namespace

ScheduleRecord schedule_from_create_body(const Workspace& ws, const json& b) {
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
  check_schedule_target(ws, r.target);
  check_data_path_parameter(ws, r);
  return r;
}

std::function<void(ScheduleRecord&)> schedule_update(const json& b, const ScheduleRecord& current) {
  ScheduleRecord probe = current;
  if (b.contains("trigger")) apply_trigger(probe, b["trigger"]);
  return [b, probe](ScheduleRecord& r) {
    if (b.contains("name") && b["name"].is_string()) r.name = b["name"];
    if (b.contains("description") && b["description"].is_string()) r.description = b["description"];
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
  };
}

namespace {

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

json schedule_api_json(const Workspace& ws, const ScheduleRecord& r) {
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

}  // namespace runnel::server
