// Recurrence, cron and time zone rules, with DST weeks in America/New_York (2026: spring
// forward Sunday 8 March 02:00 → 03:00, fall back Sunday 1 November 02:00 → 01:00).
#include "server/schedule/recurrence.h"

#include <gtest/gtest.h>

#include <map>

#include "runnel/error.h"
#include "server/schedule/cron.h"
#include "server/schedule/time_zone.h"

using nlohmann::json;

namespace runnel::schedule {
namespace {

const cctz::time_zone& ny() {
  static cctz::time_zone tz = load_zone("America/New_York");
  return tz;
}

int64_t at(int y, int mo, int d, int h, int mi, const cctz::time_zone& tz = ny()) {
  return civil_to_instant(cctz::civil_second(y, mo, d, h, mi, 0), tz);
}

std::string local(int64_t t, const cctz::time_zone& tz = ny()) {
  return format_civil(instant_to_civil(t, tz));
}

// Every firing in (from, to].
std::vector<int64_t> firings(const Trigger& tr, int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (auto t = tr.next_after(from); t && *t <= to; t = tr.next_after(*t)) out.push_back(*t);
  return out;
}

Recurrence rec(const json& j, int64_t created = 0) {
  return Recurrence(parse_recurrence(j, "recurrence"), created);
}

TEST(TimeZoneTest, WindowsAndIanaNames) {
  EXPECT_EQ(iana_zone_name("Pacific Standard Time"), "America/Los_Angeles");
  EXPECT_EQ(iana_zone_name("W. Europe Standard Time"), "Europe/Berlin");
  EXPECT_EQ(iana_zone_name("UTC"), "Etc/UTC");
  EXPECT_EQ(iana_zone_name("Asia/Tokyo"), "Asia/Tokyo");
  try {
    iana_zone_name("Mars Standard Time", "trigger.time_zone");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("trigger.time_zone: unknown time zone 'Mars Standard Time'"),
        std::string::npos);
  }
}

TEST(TimeZoneTest, SkippedAndRepeatedWallClock) {
  // 02:30 does not exist on 8 March: it fires at 03:30 EDT (07:30 UTC).
  EXPECT_EQ(at(2026, 3, 8, 2, 30), at(2026, 3, 8, 3, 30));
  EXPECT_EQ(local(at(2026, 3, 8, 2, 30)), "2026-03-08T03:30:00");
  // 01:30 on 1 November happens twice: the first (EDT, 05:30 UTC).
  EXPECT_EQ(at(2026, 11, 1, 1, 30), at(2026, 11, 1, 5, 30, cctz::utc_time_zone()));
}

TEST(TimeZoneTest, ParsesStartTimes) {
  EXPECT_EQ(format_civil(parse_civil_time("2026-03-08T02:30:00", "s", ny())),
            "2026-03-08T02:30:00");
  EXPECT_EQ(format_civil(parse_civil_time("2026-03-08T02:30", "s", ny())), "2026-03-08T02:30:00");
  EXPECT_EQ(format_civil(parse_civil_time("2026-03-08", "s", ny())), "2026-03-08T00:00:00");
  // An instant with an offset is converted into the schedule's zone.
  EXPECT_EQ(format_civil(parse_civil_time("2026-01-10T12:00:00Z", "s", ny())),
            "2026-01-10T07:00:00");
  EXPECT_EQ(format_civil(parse_civil_time("2026-01-10T12:00:00+01:00", "s", ny())),
            "2026-01-10T06:00:00");
  EXPECT_THROW(parse_civil_time("next tuesday", "s", ny()), Error);
  EXPECT_THROW(parse_civil_time("2026-02-30T10:00:00", "s", ny()), Error);
  EXPECT_THROW(parse_civil_time("2026-01-10T12:00:00Z", "s", ny(), false), Error);
}

// A week of hourly firings across spring forward: every wall-clock hour that exists, on the
// hour, 167 of them; 02:00 on 8 March is missing, nothing fires twice.
TEST(RecurrenceTest, HourlyWeekAcrossSpringForward) {
  auto r = rec({{"frequency", "Hour"},
                {"interval", 1},
                {"start_time", "2026-03-05T00:00:00"},
                {"time_zone", "Eastern Standard Time"}});
  auto f = firings(r, at(2026, 3, 5, 0, 0) - 1, at(2026, 3, 12, 0, 0) - 1);
  ASSERT_EQ(f.size(), 7u * 24 - 1);
  std::map<std::string, int> seen;
  for (size_t i = 0; i < f.size(); ++i) {
    auto cs = instant_to_civil(f[i], ny());
    EXPECT_EQ(cs.minute(), 0) << local(f[i]);
    EXPECT_EQ(cs.second(), 0);
    if (i) {
      EXPECT_EQ(f[i] - f[i - 1], 3600);
    }
    seen[local(f[i])]++;
  }
  EXPECT_EQ(seen.count("2026-03-08T02:00:00"), 0u);
  EXPECT_EQ(seen["2026-03-08T01:00:00"], 1);
  EXPECT_EQ(seen["2026-03-08T03:00:00"], 1);
  for (const auto& [k, n] : seen) EXPECT_EQ(n, 1) << k;
  for (int d = 5; d < 12; ++d)
    for (int h = 0; h < 24; ++h) {
      if (d == 8 && h == 2) continue;
      char buf[32];
      std::snprintf(buf, sizeof buf, "2026-03-%02dT%02d:00:00", d, h);
      EXPECT_EQ(seen.count(buf), 1u) << buf;
    }
}

// Fall back: 169 firings, 01:00 twice (EDT then EST), an hour apart.
TEST(RecurrenceTest, HourlyWeekAcrossFallBack) {
  auto r = rec({{"frequency", "Hour"},
                {"interval", 1},
                {"start_time", "2026-10-29T00:00:00"},
                {"time_zone", "America/New_York"}});
  auto f = firings(r, at(2026, 10, 29, 0, 0) - 1, at(2026, 11, 5, 0, 0) - 1);
  ASSERT_EQ(f.size(), 7u * 24 + 1);
  int ones = 0;
  for (auto t : f) {
    EXPECT_EQ(instant_to_civil(t, ny()).minute(), 0);
    if (local(t) == "2026-11-01T01:00:00") ++ones;
  }
  EXPECT_EQ(ones, 2);
}

// Hour with minutes: every hour at :15 local, through the change.
TEST(RecurrenceTest, HourAtMinutes) {
  auto r = rec({{"frequency", "Hour"},
                {"interval", 2},
                {"minutes", {15, 45}},
                {"start_time", "2026-03-07T22:00:00"},
                {"time_zone", "America/New_York"}});
  auto f = firings(r, at(2026, 3, 7, 0, 0), at(2026, 3, 8, 6, 0));
  std::vector<std::string> got;
  for (auto t : f) got.push_back(local(t));
  EXPECT_EQ(got, (std::vector<std::string>{"2026-03-07T22:15:00", "2026-03-07T22:45:00",
                                           "2026-03-08T00:15:00", "2026-03-08T00:45:00",
                                           "2026-03-08T03:15:00", "2026-03-08T03:45:00",
                                           "2026-03-08T05:15:00", "2026-03-08T05:45:00"}));
}

// Daily at 02:30 on a spring-forward day fires once, at 03:30 EDT; the days around it at 02:30.
TEST(RecurrenceTest, DailyAt0230OnSpringForwardDay) {
  auto r = rec({{"frequency", "Day"},
                {"interval", 1},
                {"time_of_day", "02:30"},
                {"start_time", "2026-03-06T00:00:00"},
                {"time_zone", "America/New_York"}});
  auto f = firings(r, at(2026, 3, 6, 0, 0), at(2026, 3, 10, 0, 0));
  std::vector<std::string> got;
  for (auto t : f) got.push_back(local(t));
  EXPECT_EQ(got, (std::vector<std::string>{"2026-03-06T02:30:00", "2026-03-07T02:30:00",
                                           "2026-03-08T03:30:00", "2026-03-09T02:30:00"}));
  EXPECT_EQ(f[2] - f[1], 24 * 3600);  // 02:30 EST → 03:30 EDT is 24 h of elapsed time
  EXPECT_EQ(f[3] - f[2], 23 * 3600);
}

// Daily stays on the wall clock: 09:00 local is 14:00 UTC in winter, 13:00 UTC in summer.
TEST(RecurrenceTest, DailyKeepsWallClockAcrossDst) {
  auto r = rec({{"frequency", "Day"},
                {"interval", 1},
                {"start_time", "2026-03-06T09:00:00"},
                {"time_zone", "Eastern Standard Time"}});
  auto f = firings(r, at(2026, 3, 6, 0, 0), at(2026, 3, 10, 23, 0));
  ASSERT_EQ(f.size(), 5u);
  for (auto t : f) EXPECT_EQ(instant_to_civil(t, ny()).hour(), 9);
  EXPECT_EQ(instant_to_civil(f[0], cctz::utc_time_zone()).hour(), 14);
  EXPECT_EQ(instant_to_civil(f[4], cctz::utc_time_zone()).hour(), 13);
}

TEST(RecurrenceTest, DayHoursAndMinutesAndInterval) {
  auto r = rec({{"frequency", "Day"},
                {"interval", 2},
                {"hours", {10, 14}},
                {"minutes", {30}},
                {"start_time", "2026-01-01T00:00:00"}});
  auto f = firings(r, at(2026, 1, 1, 0, 0, cctz::utc_time_zone()) - 1,
                   at(2026, 1, 4, 0, 0, cctz::utc_time_zone()));
  std::vector<std::string> got;
  for (auto t : f) got.push_back(local(t, cctz::utc_time_zone()));
  EXPECT_EQ(got, (std::vector<std::string>{"2026-01-01T10:30:00", "2026-01-01T14:30:00",
                                           "2026-01-03T10:30:00", "2026-01-03T14:30:00"}));
}

TEST(RecurrenceTest, WeekDays) {
  // 2026-01-07 is a Wednesday.
  auto r = rec({{"frequency", "Week"},
                {"interval", 1},
                {"week_days", {"Monday", "Friday"}},
                {"time_of_day", "10:00"},
                {"start_time", "2026-01-07T00:00:00"},
                {"time_zone", "UTC"}});
  auto f = firings(r, 0, at(2026, 1, 20, 0, 0, cctz::utc_time_zone()));
  std::vector<std::string> got;
  for (auto t : f) got.push_back(local(t, cctz::utc_time_zone()));
  EXPECT_EQ(got, (std::vector<std::string>{"2026-01-09T10:00:00", "2026-01-12T10:00:00",
                                           "2026-01-16T10:00:00", "2026-01-19T10:00:00"}));
}

TEST(RecurrenceTest, MonthSkipsMonthsWithoutTheDay) {
  auto r = rec({{"frequency", "Month"}, {"interval", 1}, {"start_time", "2026-01-31T08:00:00"}});
  auto f = firings(r, 0, at(2026, 6, 1, 0, 0, cctz::utc_time_zone()));
  std::vector<std::string> got;
  for (auto t : f) got.push_back(local(t, cctz::utc_time_zone()));
  EXPECT_EQ(got, (std::vector<std::string>{"2026-01-31T08:00:00", "2026-03-31T08:00:00",
                                           "2026-05-31T08:00:00"}));
}

TEST(RecurrenceTest, StartTimeRules) {
  const auto utc = cctz::utc_time_zone();
  // Without a pattern the first firing is start_time itself.
  auto plain =
      rec({{"frequency", "Minute"}, {"interval", 5}, {"start_time", "2026-01-01T10:00:00"}});
  EXPECT_EQ(*plain.next_after(0), at(2026, 1, 1, 10, 0, utc));
  // A start in the past: the next firing after now, on the start's grid.
  EXPECT_EQ(*plain.next_after(at(2026, 1, 1, 10, 7, utc)), at(2026, 1, 1, 10, 10, utc));
  // With a pattern that start_time matches, the first firing is the next one (SDK rule).
  auto pat = rec({{"frequency", "Day"},
                  {"interval", 1},
                  {"time_of_day", "10:00"},
                  {"start_time", "2026-01-01T10:00:00"}});
  EXPECT_EQ(*pat.next_after(0), at(2026, 1, 2, 10, 0, utc));
  // No start_time: the anchor is the creation instant, and the schedule fires at creation.
  int64_t created = at(2026, 1, 1, 10, 0, utc) + 17;
  Recurrence none(parse_recurrence({{"frequency", "Minute"}, {"interval", 1}}, "r"), created);
  EXPECT_TRUE(none.fires_at_creation());
  EXPECT_EQ(*none.next_after(created), created + 60);
  // end_time: nothing after it.
  auto ended = rec({{"frequency", "Day"},
                    {"interval", 1},
                    {"start_time", "2026-01-01T10:00:00"},
                    {"end_time", "2026-01-02T12:00:00"}});
  EXPECT_EQ(firings(ended, 0, at(2026, 2, 1, 0, 0, utc)).size(), 2u);
}

TEST(RecurrenceTest, V2ScheduleBlockAndErrors) {
  auto r = parse_recurrence(
      {{"type", "recurrence"},
       {"frequency", "week"},
       {"interval", 1},
       {"schedule", {{"hours", {10}}, {"minutes", {15}}, {"week_days", {"monday", "tuesday"}}}},
       {"start_time", "2026-01-01T00:00:00"},
       {"time_zone", "Pacific Standard Time"}},
      "trigger");
  EXPECT_EQ(r.frequency, Frequency::kWeek);
  EXPECT_EQ(r.week_days, (std::vector<int>{0, 1}));
  auto msg = [](const json& j) {
    try {
      parse_recurrence(j, "recurrence");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(
      msg({{"frequency", "Fortnight"}, {"interval", 1}}).find("recurrence.frequency: 'Fortnight'"),
      std::string::npos);
  EXPECT_NE(msg({{"frequency", "Day"}, {"interval", 0}}).find("recurrence.interval"),
            std::string::npos);
  EXPECT_NE(msg({{"frequency", "Minute"}, {"interval", 1}, {"hours", {3}}})
                .find("only with frequency Day"),
            std::string::npos);
  EXPECT_NE(msg({{"frequency", "Day"}, {"interval", 1}, {"week_days", {"Monday"}}})
                .find("only with frequency Week"),
            std::string::npos);
  EXPECT_NE(msg({{"frequency", "Day"}, {"interval", 1}, {"hours", {3}}, {"time_of_day", "10:00"}})
                .find("either time_of_day or hours"),
            std::string::npos);
  EXPECT_NE(msg({{"frequency", "Day"}, {"interval", 1}, {"hours", {24}}}).find("from 0 to 23"),
            std::string::npos);
  EXPECT_NE(msg({{"frequency", "Week"}, {"interval", 1}, {"week_days", {"Funday"}}})
                .find("not a week day"),
            std::string::npos);
  EXPECT_NE(msg({{"frequency", "Day"}, {"interval", 1}, {"colour", 1}})
                .find("recurrence.colour: unknown key"),
            std::string::npos);
}

TEST(CronTest, HourlyAcrossDstChanges) {
  Cron c("0 * * * *", "America/New_York");
  EXPECT_EQ(firings(c, at(2026, 3, 8, 0, 0) - 1, at(2026, 3, 9, 0, 0) - 1).size(), 23u);
  auto fb = firings(c, at(2026, 11, 1, 0, 0) - 1, at(2026, 11, 2, 0, 0) - 1);
  EXPECT_EQ(fb.size(), 24u);  // 01:00 once: at its first occurrence
  for (auto t : fb) EXPECT_EQ(instant_to_civil(t, ny()).minute(), 0);
}

TEST(CronTest, SkippedTimeFiresOnceAfterTheJump) {
  Cron c("30 2 * * *", "America/New_York");
  auto f = firings(c, at(2026, 3, 7, 0, 0), at(2026, 3, 9, 12, 0));
  std::vector<std::string> got;
  for (auto t : f) got.push_back(local(t));
  EXPECT_EQ(got, (std::vector<std::string>{"2026-03-07T02:30:00", "2026-03-08T03:30:00",
                                           "2026-03-09T02:30:00"}));
}

TEST(CronTest, FieldsRangesStepsNames) {
  const auto utc = cctz::utc_time_zone();
  Cron weekdays("0 9 * * MON-FRI", "UTC");  // 2026-01-09 is a Friday
  EXPECT_EQ(local(*weekdays.next_after(at(2026, 1, 9, 9, 0, utc)), utc), "2026-01-12T09:00:00");
  Cron steps("*/20 8-9 * * *", "UTC");
  auto f = firings(steps, at(2026, 1, 1, 0, 0, utc), at(2026, 1, 1, 23, 0, utc));
  EXPECT_EQ(f.size(), 6u);
  // Day of month and day of week both restricted: either matches (Friday or the 13th).
  Cron either("0 0 13 * 5", "UTC");
  EXPECT_EQ(local(*either.next_after(at(2026, 1, 1, 0, 0, utc)), utc), "2026-01-02T00:00:00");
  EXPECT_EQ(local(*either.next_after(at(2026, 1, 12, 0, 0, utc)), utc), "2026-01-13T00:00:00");
  Cron sunday7("0 0 * * 7", "UTC");  // 2026-01-04 is a Sunday
  EXPECT_EQ(local(*sunday7.next_after(at(2026, 1, 1, 0, 0, utc)), utc), "2026-01-04T00:00:00");
  Cron feb29("0 0 29 2 *", "UTC");
  EXPECT_EQ(local(*feb29.next_after(at(2026, 1, 1, 0, 0, utc)), utc), "2028-02-29T00:00:00");
  // start_time and end_time bound the firings.
  Cron bounded("0 12 * * *", "UTC", cctz::civil_second(2026, 5, 1, 0, 0, 0),
               cctz::civil_second(2026, 5, 3, 12, 0, 0));
  EXPECT_EQ(firings(bounded, 0, at(2027, 1, 1, 0, 0, utc)).size(), 3u);
}

TEST(CronTest, BadExpressions) {
  for (const char* bad : {"* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
                          "* * * * 8", "*/0 * * * *", "5-1 * * * *", "x * * * *", "1,,2 * * * *"}) {
    try {
      Cron c(bad, "UTC");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("trigger.expression"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace runnel::schedule
