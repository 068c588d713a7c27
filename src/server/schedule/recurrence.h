// server/schedule/recurrence.h: the Azure ML recurrence (v1 `ScheduleRecurrence`, v2
// `trigger: {type: recurrence}`): every `interval` minutes / hours / days / weeks / months
// from a start time, optionally at given hours and minutes, week days or month days, in a
// time zone from tzdata.
//
// Rules (the v1 SDK's documentation, made exact):
// - The anchor is `start_time` (a wall-clock time in `time_zone`) or, without one, the
//   schedule's creation instant; with no start_time the first run fires at once (the
//   caller fires it: `fires_at_creation()`), then the pattern continues from the anchor.
// - Minute and Hour recurrences step in elapsed time (every 60·interval s or 3600·interval
//   s from the anchor): hourly firings cover every wall-clock hour that exists, so a
//   spring-forward day has 23 and a fall-back day 25. Hour with `minutes` fires at those
//   minutes of every interval-th hour.
// - Day, Week and Month recurrences step in wall-clock time: daily at 09:00 stays at 09:00
//   local across DST. Firings are at `hours` × `minutes` (without hours, the anchor's hour;
//   without minutes, minute 0 when hours are given, else the anchor's minute;
//   `time_of_day: "hh:mm"` is one hour and one minute). Week fires on `week_days`
//   (default the anchor's) of every interval-th week counted from the anchor's day; Month
//   on `month_days` (default the anchor's day) of every interval-th month, skipping months
//   without that day (the 31st).
// - A wall-clock time that does not exist (02:30 on a spring-forward day) fires at the
//   instant it would have with the earlier offset (03:30); one that occurs twice fires once,
//   at its first occurrence (time_zone.h).
// - With a pattern (hours, minutes, week_days, month_days, time_of_day) the first firing is
//   strictly after start_time even when start_time matches it (as the SDK documents);
//   without one, the first firing is start_time itself.
// - A start_time in the past: the first firing is the next one after now.
// - `end_time` (v2): nothing fires after it.
// Thread-safety: immutable after construction.
#pragma once

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "server/schedule/trigger.h"

namespace runnel::schedule {

enum class Frequency { kMinute, kHour, kDay, kWeek, kMonth };

// "Minute" / "minute" ... (case-insensitive); Error(kInvalidArgument) naming `field`.
Frequency parse_frequency(const std::string& text, const std::string& field);
const char* to_string(Frequency f);  // "Minute", "Hour", "Day", "Week", "Month"

struct RecurrenceSpec {
  Frequency frequency = Frequency::kDay;
  int interval = 1;
  std::optional<cctz::civil_second> start_time;  // wall clock in time_zone
  std::string time_zone = "UTC";                 // Windows or IANA name
  std::vector<int> hours;                        // 0..23
  std::vector<int> minutes;                      // 0..59
  std::vector<int> week_days;                    // 0 = Monday .. 6 = Sunday
  std::vector<int> month_days;                   // 1..31 (v2 only)
  std::optional<cctz::civil_second> end_time;    // v2: no firing after it
};

// Reads a v1 ScheduleRecurrence JSON ({frequency, interval, start_time, time_zone, hours,
// minutes, week_days, time_of_day}) or a v2 recurrence trigger ({frequency, interval,
// schedule: {hours, minutes, week_days, month_days}, start_time, time_zone}). Every bad
// value is Error(kInvalidArgument) naming `where`.key and the accepted values; the SDK's
// rules are checked (hours/minutes only with Day or Week — and Hour for minutes —,
// week_days only with Week, time_of_day not with hours or minutes).
RecurrenceSpec parse_recurrence(const nlohmann::json& j, const std::string& where);
nlohmann::json recurrence_json(const RecurrenceSpec& r);  // the v1 field names

class Recurrence : public Trigger {
 public:
  // `created_s`: the schedule's creation instant (the anchor when there is no start_time).
  // Throws Error(kInvalidArgument) for an unknown zone or out-of-range values.
  Recurrence(RecurrenceSpec spec, int64_t created_s);
  std::optional<int64_t> next_after(int64_t after_s) const override;
  // True when the schedule fires once at creation (no start_time).
  bool fires_at_creation() const { return !spec_.start_time.has_value(); }
  // The spec as given (defaults not filled in).
  const RecurrenceSpec& spec() const { return given_; }

 private:
  // The firings of one period (a day, a week, a month) that lie in (after_s, horizon].
  std::optional<int64_t> first_in_days(const std::vector<cctz::civil_day>& days,
                                       int64_t after_s) const;
  RecurrenceSpec given_;
  RecurrenceSpec spec_;         // defaults filled in, lists sorted
  bool pattern_given_ = false;  // hours, minutes, week_days, month_days or time_of_day given
  int second_ = 0;              // the second of the minute firings happen at
  cctz::time_zone tz_;
  cctz::civil_second anchor_;  // wall clock
  int64_t anchor_s_ = 0;       // its instant
};

}  // namespace runnel::schedule
