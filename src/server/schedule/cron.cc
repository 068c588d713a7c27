#include "server/schedule/cron.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <vector>

#include "runnel/error.h"
#include "server/schedule/time_zone.h"

namespace runnel::schedule {

namespace {

constexpr int kHorizonDays = 366 * 10;

struct FieldDef {
  const char* name;
  int lo, hi;
  std::vector<std::string> names;  // names[i] stands for lo + i
};

int parse_value(const std::string& s, const FieldDef& f, const std::string& where) {
  std::string u = s;
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (size_t i = 0; i < f.names.size(); ++i)
    if (u == f.names[i]) return f.lo + static_cast<int>(i);
  if (s.empty() || !std::all_of(s.begin(), s.end(),
                                [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    throw invalid_argument(where + ": '" + s + "' in the " + f.name + " field is not a number" +
                           (f.names.empty() ? "" : " or a name"));
  int v = std::stoi(s);
  int hi = std::string(f.name) == "day-of-week" ? 7 : f.hi;
  if (v < f.lo || v > hi)
    throw invalid_argument(where + ": " + s + " is out of range for the " + f.name + " field (" +
                           std::to_string(f.lo) + "-" + std::to_string(hi) + ")");
  return v;
}

// Sets bits [lo..hi] for one field; returns false when the field was "*".
template <size_t N>
bool parse_field(const std::string& text, const FieldDef& f, std::bitset<N>& bits,
                 const std::string& where) {
  std::stringstream ss(text);
  std::string part;
  bool star = text == "*" || text == "?";
  while (std::getline(ss, part, ',')) {
    int step = 1;
    auto slash = part.find('/');
    std::string range = part;
    if (slash != std::string::npos) {
      std::string st = part.substr(slash + 1);
      if (st.empty() ||
          !std::all_of(st.begin(), st.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) ||
          std::stoi(st) < 1)
        throw invalid_argument(where + ": '" + part +
                               "': the step after / must be a positive number");
      step = std::stoi(st);
      range = part.substr(0, slash);
    }
    int a = f.lo, b = f.hi;
    if (range == "*" || range == "?") {
    } else if (auto dash = range.find('-'); dash != std::string::npos && dash > 0) {
      a = parse_value(range.substr(0, dash), f, where);
      b = parse_value(range.substr(dash + 1), f, where);
      if (a > b) throw invalid_argument(where + ": '" + range + "': a range goes from low to high");
    } else {
      a = parse_value(range, f, where);
      b = slash == std::string::npos ? a : f.hi;
    }
    for (int v = a; v <= b; v += step)
      bits.set(static_cast<size_t>(v == 7 && std::string(f.name) == "day-of-week" ? 0 : v));
  }
  if (text.empty() || text.back() == ',')
    throw invalid_argument(where + ": an empty entry in the " + std::string(f.name) + " field");
  return !star;
}

}  // namespace

Cron::Cron(const std::string& expression, const std::string& time_zone,
           std::optional<cctz::civil_second> start_time, std::optional<cctz::civil_second> end_time,
           const std::string& field)
    : expression_(expression), tz_(load_zone(time_zone)) {
  std::stringstream ss(expression);
  std::vector<std::string> parts;
  std::string p;
  while (ss >> p) parts.push_back(p);
  if (parts.size() != 5)
    throw invalid_argument(field + ": '" + expression +
                           "' is not a cron expression; give five fields: minute hour "
                           "day-of-month month day-of-week (e.g. \"30 2 * * 1-5\")");
  static const FieldDef kMin{"minute", 0, 59, {}};
  static const FieldDef kHour{"hour", 0, 23, {}};
  static const FieldDef kDom{"day-of-month", 1, 31, {}};
  static const FieldDef kMon{
      "month",
      1,
      12,
      {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}};
  static const FieldDef kDow{
      "day-of-week", 0, 6, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}};
  parse_field(parts[0], kMin, minutes_, field);
  parse_field(parts[1], kHour, hours_, field);
  dom_star_ = !parse_field(parts[2], kDom, month_days_, field);
  parse_field(parts[3], kMon, months_, field);
  dow_star_ = !parse_field(parts[4], kDow, week_days_, field);
  if (start_time) start_s_ = civil_to_instant(*start_time, tz_);
  if (end_time) end_s_ = civil_to_instant(*end_time, tz_);
}

bool Cron::day_matches(const cctz::civil_day& d) const {
  if (!months_.test(static_cast<size_t>(d.month()))) return false;
  int wd = 0;
  switch (cctz::get_weekday(d)) {
    case cctz::weekday::sunday:
      wd = 0;
      break;
    case cctz::weekday::monday:
      wd = 1;
      break;
    case cctz::weekday::tuesday:
      wd = 2;
      break;
    case cctz::weekday::wednesday:
      wd = 3;
      break;
    case cctz::weekday::thursday:
      wd = 4;
      break;
    case cctz::weekday::friday:
      wd = 5;
      break;
    case cctz::weekday::saturday:
      wd = 6;
      break;
  }
  bool dom = month_days_.test(static_cast<size_t>(d.day()));
  bool dow = week_days_.test(static_cast<size_t>(wd));
  if (dom_star_ && dow_star_) return true;
  if (dom_star_) return dow;
  if (dow_star_) return dom;
  return dom || dow;
}

std::optional<int64_t> Cron::next_after(int64_t after_s) const {
  int64_t after = after_s;
  if (start_s_) after = std::max(after, *start_s_ - 1);
  // Start a day early: a skipped wall-clock time of the previous day may map after `after`.
  cctz::civil_day d = cctz::civil_day(instant_to_civil(after, tz_)) - 1;
  std::optional<int64_t> best;
  for (int i = 0; i < kHorizonDays; ++i, d += 1) {
    if (!day_matches(d)) continue;
    for (int h = 0; h < 24; ++h) {
      if (!hours_.test(static_cast<size_t>(h))) continue;
      for (int m = 0; m < 60; ++m) {
        if (!minutes_.test(static_cast<size_t>(m))) continue;
        int64_t t =
            civil_to_instant(cctz::civil_second(d.year(), d.month(), d.day(), h, m, 0), tz_);
        if (t > after && (!best || t < *best)) best = t;
      }
    }
    // A later day's firings come after this day's (a DST shift is hours, not a day): stop
    // once the day holding the best firing has been scanned.
    if (best && cctz::civil_day(instant_to_civil(*best, tz_)) <= d) break;
  }
  if (!best) return std::nullopt;
  if (end_s_ && *best > *end_s_) return std::nullopt;
  return best;
}

}  // namespace runnel::schedule
