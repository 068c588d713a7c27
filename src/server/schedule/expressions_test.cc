#include "server/schedule/expressions.h"

#include <gtest/gtest.h>

namespace runnel::schedule {
namespace {

// 2026-12-02T21:30:00Z and 2026-12-02T21:15:00Z
constexpr int64_t kStart = 1796247000;
constexpr int64_t kScheduled = 1796246100;

ExpressionContext ctx() {
  ExpressionContext c;
  c.start_s = kStart;
  c.scheduled_s = kScheduled;
  return c;
}

std::string eval(const std::string& e) {
  auto v = evaluate_expression(e, ctx());
  return v ? (v->is_string() ? v->get<std::string>() : v->dump()) : "<unresolved>";
}

TEST(Expressions, TriggerTimesAndNow) {
  EXPECT_EQ(eval("trigger().scheduledTime"), "2026-12-02T21:15:00.0000000Z");
  EXPECT_EQ(eval("trigger().startTime"), "2026-12-02T21:30:00.0000000Z");
  EXPECT_EQ(eval("utcNow()"), "2026-12-02T21:30:00.0000000Z");
  EXPECT_EQ(eval("utcNow('yyyy-MM-dd HH:mm')"), "2026-12-02 21:30");
  EXPECT_EQ(eval("createdBy()"), "runnel");
}

TEST(Expressions, ArithmeticAndFormats) {
  EXPECT_EQ(eval("formatDateTime(subtractFromTime(utcNow(),1,'Day'),'yyyy-MM-dd')"), "2026-12-01");
  EXPECT_EQ(eval("addMinutes(trigger().scheduledTime, 10)"), "2026-12-02T21:25:00.0000000Z");
  EXPECT_EQ(eval("addToTime('2026-01-31T10:00:00Z', 1, 'Month', 'yyyy-MM-dd')"), "2026-02-28");
  EXPECT_EQ(eval("addDays('2026-12-31', 1, 's')"), "2027-01-01T00:00:00");
  EXPECT_EQ(eval("startOfMonth('2026-12-02T21:30:00Z', 'u')"), "2026-12-01 00:00:00Z");
  // A quote inside an expression string is doubled; a quoted part of a format is literal.
  EXPECT_EQ(eval("formatDateTime('2026-12-02T21:05:09Z', 'hh:mm tt ''on'' d/M/yy')"),
            "09:05 PM on 2/12/26");
}

TEST(Expressions, DaysAndZones) {
  EXPECT_EQ(eval("dayOfMonth('2022-01-01 08:00:00')"), "1");
  EXPECT_EQ(eval("dayOfWeek('2022-01-01 08:00:00')"), "6");  // a Saturday; Sunday is 0
  EXPECT_EQ(eval("dayOfYear('2022-02-01')"), "32");
  EXPECT_EQ(eval("convertFromUtc('2026-07-01T12:00:00Z', 'W. Europe Standard Time', 'HH:mm K')"),
            "14:00 +02:00");
  EXPECT_EQ(eval("convertToUtc('2026-07-01 12:00:00', 'Pacific Standard Time', 'HH:mm')"), "19:00");
}

TEST(Expressions, UnresolvedStayRawAndOthersPassThrough) {
  EXPECT_EQ(eval("runId()"), "<unresolved>");
  EXPECT_EQ(eval("addDays(utcNow(), 'x')"), "<unresolved>");
  nlohmann::json params = {{"a", "@formatDateTime(utcNow(),'yyyy')"},
                           {"b", "@runId()"},
                           {"c", "@@literal"},
                           {"d", 5},
                           {"e", "plain"},
                           {"f", "@dayOfMonth(utcNow())"}};
  auto out = resolve_parameter_expressions(params, ctx());
  EXPECT_EQ(out["a"], "2026");
  EXPECT_EQ(out["b"], "@runId()");
  EXPECT_EQ(out["c"], "@literal");
  EXPECT_EQ(out["d"], 5);
  EXPECT_EQ(out["e"], "plain");
  EXPECT_EQ(out["f"], 2);
}

}  // namespace
}  // namespace runnel::schedule
