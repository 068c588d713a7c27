// server/schedule_api.h: the /api/v1/schedules request bodies (ScheduleCreate,
// ScheduleUpdate) as schedule records, and a record as the API answers it. Shared by the
// server's routes (routes_schedules.cc) and the Python module's serverless path
// (src/python/bind_publish.cc: schedules_local), so both validate alike.
// Thread-safety: functions; `ws` is used for reads only.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>

#include "runnel/workspace.h"
#include "server/schedule/schedule.h"

namespace runnel::server {

// A new schedule from a create body (name, description, experiment_name, status,
// pipeline_parameters, tags, continue_on_step_failure, trigger, target); its target is
// checked (a pipeline file loads, a published pipeline or endpoint exists). Throws ApiError
// (400 naming the field, 404/409 for the target).
schedule::ScheduleRecord schedule_from_create_body(const Workspace& ws, const nlohmann::json& body);

// The change an update body makes to `current` (the trigger is parsed now, so a bad one
// throws ApiError 400 before anything changes).
std::function<void(schedule::ScheduleRecord&)> schedule_update(
    const nlohmann::json& body, const schedule::ScheduleRecord& current);

// Throws ApiError for a target that cannot run (see schedule_from_create_body).
void check_schedule_target(const Workspace& ws, const schedule::Target& target);

// The record as GET /api/v1/schedules/{id} answers it (times as ISO text, next_run_time,
// each fired run's current status).
nlohmann::json schedule_api_json(const Workspace& ws, const schedule::ScheduleRecord& r);

}  // namespace runnel::server
