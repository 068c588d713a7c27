#include "server/schedule/schedule.h"

#include <cstdlib>

#include "runnel/error.h"
#include "server/schedule/cron.h"
#include "server/schedule/recurrence.h"
#include "server/schedule/time_zone.h"

using nlohmann::json;

namespace runnel::schedule {

namespace {

template <typename E, size_t N>
E parse_enum(const std::string& s, const char* const (&names)[N], const char* what) {
  for (size_t i = 0; i < N; ++i)
    if (s == names[i]) return static_cast<E>(i);
  std::string all;
  for (size_t i = 0; i < N; ++i) all += (i ? ", " : "") + std::string(names[i]);
  throw invalid_argument(std::string(what) + " '" + s + "' is not one of " + all);
}

const char* const kStatus[] = {"Active", "Disabled"};
const char* const kTrigger[] = {"recurrence", "cron", "data_change"};
const char* const kTarget[] = {"pipeline_file", "inline_job", "published_pipeline",
                               "pipeline_endpoint"};
const char* const kReason[] = {"scheduled", "catch_up", "at_creation", "data_change"};

}  // namespace

const char* to_string(ScheduleStatus s) { return kStatus[static_cast<int>(s)]; }
const char* to_string(TriggerKind k) { return kTrigger[static_cast<int>(k)]; }
const char* to_string(TargetKind k) { return kTarget[static_cast<int>(k)]; }
const char* to_string(FireReason r) { return kReason[static_cast<int>(r)]; }
ScheduleStatus parse_schedule_status(const std::string& s) {
  return parse_enum<ScheduleStatus>(s, kStatus, "status");
}
TriggerKind parse_trigger_kind(const std::string& s) {
  return parse_enum<TriggerKind>(s, kTrigger, "trigger type");
}
TargetKind parse_target_kind(const std::string& s) {
  return parse_enum<TargetKind>(s, kTarget, "target type");
}
FireReason parse_fire_reason(const std::string& s) {
  return parse_enum<FireReason>(s, kReason, "reason");
}

json target_json(const Target& t) {
  json j = {{"type", to_string(t.kind)}};
  switch (t.kind) {
    case TargetKind::kPipelineFile:
      j["path"] = t.path;
      break;
    case TargetKind::kInlineJob:
      j["yaml"] = t.yaml;
      j["base_dir"] = t.base_dir;
      break;
    case TargetKind::kPublishedPipeline:
      j["pipeline_id"] = t.pipeline_id;
      break;
    case TargetKind::kPipelineEndpoint:
      j["endpoint_id"] = t.endpoint_id;
      j["version"] = t.version.empty() ? json(nullptr) : json(t.version);
      break;
  }
  return j;
}

json fired_run_json(const FiredRun& f) {
  json j = {{"run_id", f.run_id.empty() ? json(nullptr) : json(f.run_id)},
            {"fired_ms", f.fired_ms},
            {"scheduled_s", f.scheduled_s},
            {"reason", to_string(f.reason)}};
  if (f.missed) j["missed"] = f.missed;
  if (!f.data_path.empty()) j["data_path"] = f.data_path;
  if (!f.error.empty()) j["error"] = f.error;
  return j;
}

json to_json(const ScheduleRecord& r) {
  json runs = json::array();
  for (const auto& f : r.runs) runs.push_back(fired_run_json(f));
  return {{"id", r.id},
          {"name", r.name},
          {"display_name", r.display_name},
          {"description", r.description},
          {"status", to_string(r.status)},
          {"trigger_type", to_string(r.trigger_kind)},
          {"trigger", r.trigger},
          {"target", target_json(r.target)},
          {"experiment_name", r.experiment_name},
          {"pipeline_parameters", r.pipeline_parameters},
          {"continue_on_step_failure", r.continue_on_step_failure},
          {"tags", r.tags},
          {"created_ms", r.created_ms},
          {"updated_ms", r.updated_ms},
          {"next_s", r.next_s ? json(*r.next_s) : json(nullptr)},
          {"runs", runs},
          {"last_error", r.last_error}};
}

ScheduleRecord record_from_json(const json& j) {
  try {
    ScheduleRecord r;
    r.id = j.at("id").get<std::string>();
    r.name = j.value("name", "");
    r.display_name = j.value("display_name", "");
    r.description = j.value("description", "");
    r.status = parse_schedule_status(j.value("status", "Active"));
    r.trigger_kind = parse_trigger_kind(j.at("trigger_type").get<std::string>());
    r.trigger = j.at("trigger");
    const json& t = j.at("target");
    r.target.kind = parse_target_kind(t.at("type").get<std::string>());
    r.target.path = t.value("path", "");
    r.target.yaml = t.value("yaml", "");
    r.target.base_dir = t.value("base_dir", "");
    r.target.pipeline_id = t.value("pipeline_id", "");
    r.target.endpoint_id = t.value("endpoint_id", "");
    if (t.contains("version") && t["version"].is_string()) r.target.version = t["version"];
    r.experiment_name = j.value("experiment_name", "");
    r.pipeline_parameters = j.value("pipeline_parameters", json::object());
    r.continue_on_step_failure = j.value("continue_on_step_failure", false);
    r.tags = j.value("tags", json::object());
    r.created_ms = j.value("created_ms", int64_t{0});
    r.updated_ms = j.value("updated_ms", int64_t{0});
    if (j.contains("next_s") && j["next_s"].is_number_integer())
      r.next_s = j["next_s"].get<int64_t>();
    for (const auto& f : j.value("runs", json::array())) {
      FiredRun fr;
      if (f.contains("run_id") && f["run_id"].is_string()) fr.run_id = f["run_id"];
      fr.fired_ms = f.value("fired_ms", int64_t{0});
      fr.scheduled_s = f.value("scheduled_s", int64_t{0});
      fr.reason = parse_fire_reason(f.value("reason", "scheduled"));
      fr.missed = f.value("missed", 0);
      fr.data_path = f.value("data_path", "");
      fr.error = f.value("error", "");
      r.runs.push_back(fr);
    }
    r.last_error = j.value("last_error", "");
    return r;
  } catch (const std::exception& e) {
    throw corruption("stored schedule " + j.value("id", std::string("?")) + " is not readable (" +
                     e.what() + "); delete it and create it again");
  }
}

std::unique_ptr<Trigger> make_trigger(const ScheduleRecord& r) {
  switch (r.trigger_kind) {
    case TriggerKind::kRecurrence:
      return std::make_unique<Recurrence>(parse_recurrence(r.trigger, "trigger"),
                                          r.created_ms / 1000);
    case TriggerKind::kCron: {
      std::string tzname = r.trigger.value("time_zone", "UTC");
      cctz::time_zone tz = load_zone(tzname, "trigger.time_zone");
      std::optional<cctz::civil_second> start, end;
      if (r.trigger.contains("start_time") && r.trigger["start_time"].is_string())
        start = parse_civil_time(r.trigger["start_time"], "trigger.start_time", tz);
      if (r.trigger.contains("end_time") && r.trigger["end_time"].is_string())
        end = parse_civil_time(r.trigger["end_time"], "trigger.end_time", tz);
      if (!r.trigger.contains("expression") || !r.trigger["expression"].is_string())
        throw invalid_argument(
            "trigger.expression: required for a cron trigger (e.g. \"0 * * * *\")");
      return std::make_unique<Cron>(r.trigger["expression"].get<std::string>(), tzname, start, end);
    }
    case TriggerKind::kDataChange:
      return nullptr;
  }
  return nullptr;
}

int64_t poll_interval_s(const ScheduleRecord& r) {
  if (const char* s = std::getenv("RUNNEL_SCHEDULE_POLL_SECONDS"); s && *s) {
    int64_t v = std::atoll(s);
    if (v > 0) return v;
  }
  int64_t minutes = r.trigger.value("polling_interval", int64_t{5});
  return std::max<int64_t>(1, minutes) * 60;
}

}  // namespace runnel::schedule
