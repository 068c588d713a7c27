// server/schedule/cron.h: the v2 `trigger: {type: cron, expression, start_time, end_time,
// time_zone}`: a standard five-field crontab expression (minute hour day-of-month month
// day-of-week) evaluated in wall-clock time of a tzdata zone.
//
// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`, and names
// (JAN..DEC, SUN..SAT); day-of-week 0 and 7 are Sunday. When both day-of-month and
// day-of-week are restricted, a day matching either fires (as in Vixie cron). DST: a
// wall-clock time that does not exist fires at the instant it would have with the earlier
// offset, a repeated one fires once, at its first occurrence (time_zone.h); so an hourly
// `0 * * * *` fires 23 times on a spring-forward day and 24 on a fall-back day.
// Thread-safety: immutable after construction.
#pragma once

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <bitset>
#include <optional>
#include <string>

#include "server/schedule/trigger.h"

namespace runnel::schedule {

class Cron : public Trigger {
 public:
  // Throws Error(kInvalidArgument) naming `field`, the bad part and the accepted forms.
  Cron(const std::string& expression, const std::string& time_zone,
       std::optional<cctz::civil_second> start_time = std::nullopt,
       std::optional<cctz::civil_second> end_time = std::nullopt,
       const std::string& field = "trigger.expression");
  std::optional<int64_t> next_after(int64_t after_s) const override;
  const std::string& expression() const { return expression_; }

 private:
  bool day_matches(const cctz::civil_day& d) const;
  std::string expression_;
  cctz::time_zone tz_;
  std::optional<int64_t> start_s_, end_s_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> month_days_;  // 1..31
  std::bitset<13> months_;      // 1..12
  std::bitset<7> week_days_;    // 0 = Sunday
  bool dom_star_ = true, dow_star_ = true;
};

}  // namespace runnel::schedule
