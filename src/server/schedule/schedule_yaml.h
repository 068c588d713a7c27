// server/schedule/schedule_yaml.h: the Azure ML v2 schedule YAML (`$schema`, `name`,
// `display_name`, `description`, `tags`, `trigger: {type: recurrence | cron, ...}`,
// `create_job: ./pipeline.yml | {job: ./pipeline.yml, experiment_name, inputs} | <an inline
// pipeline job>`) turned into the body of POST /api/v1/schedules (docs/api/openapi.json).
// runnel extends the trigger with `type: data_change` (datastore, path_on_datastore,
// polling_interval, data_path_parameter_name), the v1 SDK's data-change schedule.
// Thread-safety: pure function.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace runnel::schedule {

// Reads `path` (relative paths in it resolve against its folder) and returns the create
// body; pipeline paths come out relative to `workspace_root` (they must lie inside it).
// `overrides` are --set KEY=VALUE pairs with dotted keys (`trigger.interval=5`,
// `create_job.inputs.alpha=0.1`), applied before the checks. Every problem is
// Error(kInvalidArgument) "<file>:<line>:<col>: <key>: <what>; <what to do>".
nlohmann::json load_schedule_yaml(const std::string& path, const std::string& workspace_root,
                                  const std::map<std::string, std::string>& overrides = {});

}  // namespace runnel::schedule
