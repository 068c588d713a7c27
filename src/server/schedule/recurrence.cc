#include "server/schedule/recurrence.h"

#include <algorithm>
#include <cctype>

#include "runnel/error.h"
#include "server/schedule/time_zone.h"

using nlohmann::json;

namespace runnel::schedule {

namespace {

constexpr int64_t kHorizonS = int64_t{10} * 366 * 24 * 3600;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const char* const kWeekDays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                 "Friday", "Saturday", "Sunday"};

int weekday_index(cctz::weekday w) {
  switch (w) {
    case cctz::weekday::monday:
      return 0;
    case cctz::weekday::tuesday:
      return 1;
    case cctz::weekday::wednesday:
      return 2;
    case cctz::weekday::thursday:
      return 3;
    case cctz::weekday::friday:
      return 4;
    case cctz::weekday::saturday:
      return 5;
    case cctz::weekday::sunday:
      return 6;
  }
  return 0;
}

// A value or a list of values (the SDK takes both forms), each mapped by `one`.
template <typename F>
std::vector<int> one_or_list(const json& v, F one) {
  std::vector<int> out;
  if (v.is_null()) return out;
  if (v.is_array())
    for (const auto& x : v) out.push_back(one(x));
  else
    out.push_back(one(v));
  return out;
}

// Ints within [lo, hi].
std::vector<int> int_list(const json& v, const std::string& field, int lo, int hi) {
  return one_or_list(v, [&](const json& x) {
    if (!x.is_number_integer() || x.get<int64_t>() < lo || x.get<int64_t>() > hi)
      throw invalid_argument(field + ": " + x.dump() + " is not allowed; give whole numbers from " +
                             std::to_string(lo) + " to " + std::to_string(hi));
    return x.get<int>();
  });
}

std::vector<int> week_day_list(const json& v, const std::string& field) {
  return one_or_list(v, [&](const json& x) {
    if (x.is_string()) {
      std::string l = lower(x.get<std::string>());
      for (int i = 0; i < 7; ++i)
        if (l == lower(kWeekDays[i])) return i;
    }
    throw invalid_argument(field + ": " + x.dump() +
                           " is not a week day; use Monday, Tuesday, Wednesday, Thursday, "
                           "Friday, Saturday or Sunday");
  });
}

void normalize(std::vector<int>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

Frequency parse_frequency(const std::string& text, const std::string& field) {
  std::string l = lower(text);
  if (l == "minute") return Frequency::kMinute;
  if (l == "hour") return Frequency::kHour;
  if (l == "day") return Frequency::kDay;
  if (l == "week") return Frequency::kWeek;
  if (l == "month") return Frequency::kMonth;
  throw invalid_argument(field + ": '" + text +
                         "' is not a frequency; use Minute, Hour, Day, Week or Month");
}

const char* to_string(Frequency f) {
  switch (f) {
    case Frequency::kMinute:
      return "Minute";
    case Frequency::kHour:
      return "Hour";
    case Frequency::kDay:
      return "Day";
    case Frequency::kWeek:
      return "Week";
    case Frequency::kMonth:
      return "Month";
  }
  return "Day";
}

RecurrenceSpec parse_recurrence(const json& j, const std::string& where) {
  if (!j.is_object())
    throw invalid_argument(where + ": must be a mapping (frequency, interval, ...)");
  static const char* const kKeys[] = {"type",      "frequency",   "interval", "start_time",
                                      "end_time",  "time_zone",   "hours",    "minutes",
                                      "week_days", "time_of_day", "schedule", "month_days"};
  for (const auto& [k, v] : j.items()) {
    if (std::find(std::begin(kKeys), std::end(kKeys), k) == std::end(kKeys))
      throw invalid_argument(where + "." + k +
                             ": unknown key; a recurrence has frequency, interval, start_time, "
                             "end_time, time_zone, schedule (hours, minutes, week_days, "
                             "month_days), hours, minutes, week_days, time_of_day");
  }
  RecurrenceSpec r;
  if (!j.contains("frequency") || !j["frequency"].is_string())
    throw invalid_argument(where + ".frequency: required; use Minute, Hour, Day, Week or Month");
  r.frequency = parse_frequency(j["frequency"].get<std::string>(), where + ".frequency");
  if (j.contains("interval")) {
    const json& iv = j["interval"];
    if (!iv.is_number_integer() || iv.get<int64_t>() < 1 || iv.get<int64_t>() > 1000000)
      throw invalid_argument(where + ".interval: " + iv.dump() +
                             " is not allowed; give a whole number of at least 1");
    r.interval = iv.get<int>();
  } else {
    throw invalid_argument(where +
                           ".interval: required (how many frequency units between firings)");
  }
  if (j.contains("time_zone") && !j["time_zone"].is_null()) {
    if (!j["time_zone"].is_string()) throw invalid_argument(where + ".time_zone: must be a string");
    r.time_zone = j["time_zone"].get<std::string>();
  }
  cctz::time_zone tz = load_zone(r.time_zone, where + ".time_zone");
  for (const char* key : {"start_time", "end_time"}) {
    if (!j.contains(key) || j[key].is_null()) continue;
    if (!j[key].is_string())
      throw invalid_argument(where + "." + key + ": must be a string YYYY-MM-DDThh:mm:ss");
    auto cs = parse_civil_time(j[key].get<std::string>(), where + "." + key, tz);
    (std::string(key) == "start_time" ? r.start_time : r.end_time) = cs;
  }
  json pattern =
      j.contains("schedule") && !j["schedule"].is_null() ? j["schedule"] : json::object();
  if (!pattern.is_object())
    throw invalid_argument(where +
                           ".schedule: must be a mapping of hours, minutes, week_days, month_days");
  std::string pw = j.contains("schedule") ? where + ".schedule" : where;
  for (const char* key : {"hours", "minutes", "week_days", "month_days"})
    if (j.contains(key) && !j[key].is_null()) {
      if (pattern.contains(key))
        throw invalid_argument(where + "." + key + ": given twice (also under schedule)");
      pattern[key] = j[key];
    }
  r.hours = int_list(pattern.value("hours", json()), pw + ".hours", 0, 23);
  r.minutes = int_list(pattern.value("minutes", json()), pw + ".minutes", 0, 59);
  r.week_days = week_day_list(pattern.value("week_days", json()), pw + ".week_days");
  r.month_days = int_list(pattern.value("month_days", json()), pw + ".month_days", 1, 31);
  if (j.contains("time_of_day") && !j["time_of_day"].is_null()) {
    if (!r.hours.empty() || !r.minutes.empty())
      throw invalid_argument(where +
                             ".time_of_day: give either time_of_day or hours and minutes, "
                             "not both");
    int h = -1, m = -1;
    std::string t = j["time_of_day"].is_string() ? j["time_of_day"].get<std::string>() : "";
    if (t.size() == 5 && t[2] == ':' && std::isdigit(static_cast<unsigned char>(t[0])) &&
        std::isdigit(static_cast<unsigned char>(t[1])) &&
        std::isdigit(static_cast<unsigned char>(t[3])) &&
        std::isdigit(static_cast<unsigned char>(t[4]))) {
      h = std::stoi(t.substr(0, 2));
      m = std::stoi(t.substr(3, 2));
    }
    if (h < 0 || h > 23 || m < 0 || m > 59)
      throw invalid_argument(where + ".time_of_day: " + j["time_of_day"].dump() +
                             " is not a time of day; write \"hh:mm\" (e.g. \"15:30\")");
    r.hours = {h};
    r.minutes = {m};
  }
  bool day_week = r.frequency == Frequency::kDay || r.frequency == Frequency::kWeek ||
                  r.frequency == Frequency::kMonth;
  if (!r.hours.empty() && !day_week)
    throw invalid_argument(pw + ".hours: only with frequency Day, Week or Month (it is " +
                           to_string(r.frequency) + ")");
  if (!r.minutes.empty() && !day_week && r.frequency != Frequency::kHour)
    throw invalid_argument(pw + ".minutes: only with frequency Hour, Day, Week or Month (it is " +
                           std::string(to_string(r.frequency)) + ")");
  if (!r.week_days.empty() && r.frequency != Frequency::kWeek)
    throw invalid_argument(pw + ".week_days: only with frequency Week (it is " +
                           std::string(to_string(r.frequency)) + ")");
  if (!r.month_days.empty() && r.frequency != Frequency::kMonth)
    throw invalid_argument(pw + ".month_days: only with frequency Month (it is " +
                           std::string(to_string(r.frequency)) + ")");
  return r;
}

json recurrence_json(const RecurrenceSpec& r) {
  json j = {{"frequency", to_string(r.frequency)},
            {"interval", r.interval},
            {"time_zone", r.time_zone},
            {"start_time", r.start_time ? json(format_civil(*r.start_time)) : json(nullptr)}};
  if (r.end_time) j["end_time"] = format_civil(*r.end_time);
  if (!r.hours.empty()) j["hours"] = r.hours;
  if (!r.minutes.empty()) j["minutes"] = r.minutes;
  if (!r.week_days.empty()) {
    j["week_days"] = json::array();
    for (int d : r.week_days) j["week_days"].push_back(kWeekDays[d]);
  }
  if (!r.month_days.empty()) j["month_days"] = r.month_days;
  return j;
}

Recurrence::Recurrence(RecurrenceSpec spec, int64_t created_s)
    : given_(spec), spec_(std::move(spec)), tz_(load_zone(spec_.time_zone)) {
  pattern_given_ = !spec_.hours.empty() || !spec_.minutes.empty() || !spec_.week_days.empty() ||
                   !spec_.month_days.empty();
  if (spec_.interval < 1) throw invalid_argument("interval: must be at least 1");
  if (spec_.start_time) {
    anchor_ = *spec_.start_time;
    anchor_s_ = civil_to_instant(anchor_, tz_);
  } else {
    anchor_s_ = created_s;
    anchor_ = instant_to_civil(created_s, tz_);
  }
  if (spec_.minutes.empty()) spec_.minutes = {spec_.hours.empty() ? anchor_.minute() : 0};
  if (spec_.hours.empty()) spec_.hours = {anchor_.hour()};
  normalize(spec_.hours);
  normalize(spec_.minutes);
  normalize(spec_.week_days);
  normalize(spec_.month_days);
  second_ = pattern_given_ ? 0 : anchor_.second();
  if (spec_.week_days.empty())
    spec_.week_days = {weekday_index(cctz::get_weekday(cctz::civil_day(anchor_)))};
  if (spec_.month_days.empty()) spec_.month_days = {anchor_.day()};
}

std::optional<int64_t> Recurrence::first_in_days(const std::vector<cctz::civil_day>& days,
                                                 int64_t after_s) const {
  std::optional<int64_t> best;
  for (const auto& d : days)
    for (int h : spec_.hours)
      for (int m : spec_.minutes) {
        int64_t t =
            civil_to_instant(cctz::civil_second(d.year(), d.month(), d.day(), h, m, second_), tz_);
        if (t > after_s && (!best || t < *best)) best = t;
      }
  return best;
}

std::optional<int64_t> Recurrence::next_after(int64_t after_s) const {
  // The first allowed firing: start_time itself, or strictly after it with a pattern.
  int64_t after = std::max(after_s, pattern_given_ ? anchor_s_ : anchor_s_ - 1);
  std::optional<int64_t> out;
  const int64_t iv = spec_.interval;
  switch (spec_.frequency) {
    case Frequency::kMinute:
    case Frequency::kHour: {
      int64_t period = (spec_.frequency == Frequency::kMinute ? 60 : 3600) * iv;
      if (spec_.frequency == Frequency::kMinute || !pattern_given_) {
        int64_t k = after < anchor_s_ ? 0 : (after - anchor_s_) / period + 1;
        out = anchor_s_ + k * period;
        break;
      }
      // Hour with minutes: those minutes of every interval-th hour from the anchor's hour.
      int64_t base = civil_to_instant(cctz::civil_second(cctz::civil_hour(anchor_)), tz_);
      int64_t k0 = std::max<int64_t>(0, (after - base) / period - 1);
      for (int64_t k = k0; k < k0 + 4 && !out; ++k)
        for (int m : spec_.minutes) {
          int64_t t = base + k * period + int64_t{m} * 60;
          if (t > after && (!out || t < *out)) out = t;
        }
      break;
    }
    case Frequency::kDay:
    case Frequency::kWeek: {
      int64_t days_per = spec_.frequency == Frequency::kDay ? iv : 7 * iv;
      cctz::civil_day day0(anchor_);
      cctz::civil_day day_after(instant_to_civil(after, tz_));
      int64_t k0 = std::max<int64_t>(0, (day_after - day0) / days_per - 1);
      for (int64_t k = k0; k < k0 + 4 && !out; ++k) {
        std::vector<cctz::civil_day> days;
        cctz::civil_day first = day0 + k * days_per;
        if (spec_.frequency == Frequency::kDay) {
          days.push_back(first);
        } else {
          for (int i = 0; i < 7; ++i) {
            cctz::civil_day d = first + i;
            int wd = weekday_index(cctz::get_weekday(d));
            if (std::binary_search(spec_.week_days.begin(), spec_.week_days.end(), wd))
              days.push_back(d);
          }
        }
        out = first_in_days(days, after);
      }
      break;
    }
    case Frequency::kMonth: {
      cctz::civil_month m0(anchor_);
      cctz::civil_month m_after(instant_to_civil(after, tz_));
      int64_t k0 = std::max<int64_t>(0, (m_after - m0) / iv - 1);
      for (int64_t k = k0; k < k0 + 12 * 10 / iv + 4 && !out; ++k) {
        cctz::civil_month m = m0 + k * iv;
        std::vector<cctz::civil_day> days;
        for (int md : spec_.month_days) {
          cctz::civil_day d(m.year(), m.month(), md);
          if (d.month() == m.month()) days.push_back(d);  // no 31 February
        }
        out = first_in_days(days, after);
      }
      break;
    }
  }
  if (!out || *out - after > kHorizonS) return std::nullopt;
  if (spec_.end_time && *out > civil_to_instant(*spec_.end_time, tz_)) return std::nullopt;
  return out;
}

}  // namespace runnel::schedule
