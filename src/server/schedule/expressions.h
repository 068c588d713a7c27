// server/schedule/expressions.h: Azure ML pipeline parameter expressions, resolved when a
// schedule fires. A parameter value that is a string starting with "@" is an expression:
//
//   "@utcNow()"                                        the firing's start time, ISO 8601 "o"
//   "@trigger().scheduledTime" / "@trigger().startTime"
//   "@formatDateTime(subtractFromTime(utcNow(),1,'Day'),'yyyy-MM-dd')"
//   "@addMinutes(trigger().scheduledTime, 10)", "@dayOfWeek('2022-01-01 08:00:00')"
//
// Functions (case-sensitive, as Azure ML's): trigger().scheduledTime/.startTime,
// utcNow(fmt?), createdBy(), addDays/addHours/addMinutes/addSeconds(ts, n, fmt?),
// addToTime/subtractFromTime(ts, n, unit, fmt?) with units Second..Year,
// formatDateTime(ts, fmt?), startOfDay/startOfHour/startOfMonth(ts, fmt?),
// dayOfMonth/dayOfWeek/dayOfYear(ts) (integers; Sunday is 0), convertFromUtc(ts, zone, fmt?),
// convertToUtc(ts, zone, fmt?), convertTimeZone(ts, from, to, fmt?) (Windows or IANA zone
// names). Formats are .NET's: custom patterns (yyyy, MM, dd, HH, hh, mm, ss, fff..., tt, K,
// 'quoted' text) and the standard "o", "s", "u", "d". Timestamps default to "o"
// (yyyy-MM-ddTHH:mm:ss.fffffffK).
// As in Azure ML, an expression that cannot be resolved (an unknown function such as
// runId(), which needs the run that does not exist yet, or bad arguments) stays the raw
// string; "@@..." is the literal text "@...".
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace runnel::schedule {

struct ExpressionContext {
  int64_t scheduled_s = 0;  // trigger().scheduledTime
  int64_t start_s = 0;      // trigger().startTime and utcNow()
  std::string created_by = "runnel";
};

// The value of `expression` (without its leading "@"): a string or an integer; nullopt when
// it cannot be resolved.
std::optional<nlohmann::json> evaluate_expression(const std::string& expression,
                                                  const ExpressionContext& ctx);

// `parameters` ({name: value}) with every "@..." string resolved as above.
nlohmann::json resolve_parameter_expressions(const nlohmann::json& parameters,
                                             const ExpressionContext& ctx);

}  // namespace runnel::schedule
