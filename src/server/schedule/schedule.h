// server/schedule/schedule.h: a schedule as stored and served — what fires it (a
// recurrence, a cron expression or new data), what it runs (a pipeline file, an inline
// job, a published pipeline or a pipeline endpoint), its state and the runs it started.
// Text forms of its enums live here, once (JSON, SQL-free: the record is stored as JSON).
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "server/schedule/trigger.h"

namespace runnel::schedule {

enum class ScheduleStatus { kActive, kDisabled };
enum class TriggerKind { kRecurrence, kCron, kDataChange };
enum class TargetKind { kPipelineFile, kInlineJob, kPublishedPipeline, kPipelineEndpoint };
// Why a run was started.
enum class FireReason { kScheduled, kCatchUp, kAtCreation, kDataChange };

const char* to_string(ScheduleStatus s);  // "Active", "Disabled" (the SDK's)
const char* to_string(TriggerKind k);     // "recurrence", "cron", "data_change"
const char* to_string(
    TargetKind k);  // "pipeline_file", "inline_job", "published_pipeline", "pipeline_endpoint"
const char* to_string(FireReason r);  // "scheduled", "catch_up", "at_creation", "data_change"
ScheduleStatus parse_schedule_status(const std::string& s);  // Error(kInvalidArgument)
TriggerKind parse_trigger_kind(const std::string& s);
TargetKind parse_target_kind(const std::string& s);
FireReason parse_fire_reason(const std::string& s);

struct FiredRun {
  std::string run_id;       // "" when the submit failed (then `error` says why)
  int64_t fired_ms = 0;     // when the scheduler started it
  int64_t scheduled_s = 0;  // the firing it stands for (0 for data changes)
  FireReason reason = FireReason::kScheduled;
  int missed = 0;         // catch-up: firings that passed while nothing ran (it stands for all)
  std::string data_path;  // data change: the changed file, relative to the datastore
  std::string error;
};

struct Target {
  TargetKind kind = TargetKind::kPipelineFile;
  std::string path;         // kPipelineFile: a pipeline YAML inside the workspace (relative)
  std::string yaml;         // kInlineJob: the job's YAML text
  std::string base_dir;     // kInlineJob: folder its relative paths resolve against (relative)
  std::string pipeline_id;  // kPublishedPipeline
  std::string endpoint_id;  // kPipelineEndpoint (id or name)
  std::string version;      // kPipelineEndpoint: "" = its default version
};

struct ScheduleRecord {
  std::string id;  // uuid-like, 36 characters
  std::string name;
  std::string display_name;
  std::string description;
  ScheduleStatus status = ScheduleStatus::kActive;
  TriggerKind trigger_kind = TriggerKind::kRecurrence;
  nlohmann::json trigger;  // recurrence: recurrence_json(); cron: {expression, time_zone,
                           // start_time, end_time}; data change: {datastore, path_on_datastore,
                           // polling_interval, data_path_parameter_name}
  Target target;
  std::string experiment_name;
  nlohmann::json pipeline_parameters = nlohmann::json::object();
  bool continue_on_step_failure = false;
  nlohmann::json tags = nlohmann::json::object();
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  // Time triggers: the next firing not yet handled (seconds; nullopt = none left).
  // Data changes: the next poll.
  std::optional<int64_t> next_s;
  std::vector<FiredRun> runs;  // oldest first, the last kMaxRuns
  std::string last_error;      // the last failure to poll or submit, "" when fine
};

constexpr size_t kMaxRuns = 200;

nlohmann::json to_json(const ScheduleRecord& r);
// Error(kCorruption) naming the schedule when stored text is not a record.
ScheduleRecord record_from_json(const nlohmann::json& j);
nlohmann::json target_json(const Target& t);
nlohmann::json fired_run_json(const FiredRun& f);

// The trigger object for a record's time trigger (nullptr for data changes). Throws
// Error(kInvalidArgument) naming the trigger's fields.
std::unique_ptr<Trigger> make_trigger(const ScheduleRecord& r);

// Polling interval of a data-change schedule in seconds: polling_interval minutes
// (default 5, as the SDK), or RUNNEL_SCHEDULE_POLL_SECONDS when set (tests only).
int64_t poll_interval_s(const ScheduleRecord& r);

}  // namespace runnel::schedule
