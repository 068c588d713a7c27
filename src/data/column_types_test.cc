#include "data/column_types.h"

#include <gtest/gtest.h>

namespace runnel::internal {
namespace {

ColumnInfo infer(std::vector<std::optional<std::string>> v) { return infer_column("c", v); }

TEST(ColumnTypes, IntegersFloatsAndMixes) {
  EXPECT_EQ(infer({"1", "-2", "+3", std::nullopt}).type, ColumnType::kInteger);
  EXPECT_EQ(infer({"1", "2.5", "1e-3"}).type, ColumnType::kFloat);
  EXPECT_EQ(infer({".5", "-inf", "nan"}).type, ColumnType::kFloat);
  EXPECT_EQ(infer({"007", "12"}).type, ColumnType::kString);  // leading zeros keep codes
  EXPECT_EQ(infer({"1", "x"}).type, ColumnType::kString);
  EXPECT_EQ(infer({"0x1F"}).type, ColumnType::kString);
  EXPECT_EQ(infer({"99999999999999999999"}).type, ColumnType::kFloat);
}

TEST(ColumnTypes, BooleansAndNulls) {
  EXPECT_EQ(infer({"true", "False", "TRUE", ""}).type, ColumnType::kBoolean);
  EXPECT_EQ(infer({"1", "0"}).type, ColumnType::kInteger);
  EXPECT_EQ(infer({"yes", "no"}).type, ColumnType::kString);
  EXPECT_EQ(infer({std::nullopt, ""}).type, ColumnType::kString);
}

TEST(ColumnTypes, IsoDatetimes) {
  auto c = infer({"2024-03-07", "2024-03-07T13:45:07.250Z", "2024-12-31 23:59+02:00"});
  EXPECT_EQ(c.type, ColumnType::kDatetime);
  EXPECT_EQ(c.date_order, "ymd");
  EXPECT_EQ(infer({"2024-02-30"}).type, ColumnType::kString);
  EXPECT_EQ(*normalize_datetime("2024-12-31 23:59+0200", "ymd"), "2024-12-31T23:59:00+02:00");
}

TEST(ColumnTypes, DayMonthAmbiguityRule) {
  EXPECT_EQ(infer({"03/07/2024", "25/12/2024"}).date_order, "dmy");  // 25 decides
  EXPECT_EQ(infer({"03/07/2024", "12/25/2024"}).date_order, "mdy");  // 25 decides
  EXPECT_EQ(infer({"03/07/2024", "04/08/2024"}).date_order, "mdy");  // undecided: month first
  EXPECT_EQ(infer({"25/12/2024", "12/25/2024"}).type, ColumnType::kString);  // contradicts
  EXPECT_EQ(infer({"07.03.2024"}).date_order, "dmy");                        // dotted: day first
  EXPECT_EQ(*normalize_datetime("25/12/2024 08:30", "dmy"), "2024-12-25T08:30:00");
}

TEST(ColumnTypes, ConvertHonoursTypesAndEmptyAsString) {
  ColumnInfo s{"s", ColumnType::kString, ""};
  EXPECT_TRUE(convert_value(s, std::string(""), false)->is_null());
  EXPECT_EQ(*convert_value(s, std::string(""), true), "");
  ColumnInfo i{"i", ColumnType::kInteger, ""};
  EXPECT_EQ(*convert_value(i, std::string("42"), false), 42);
  EXPECT_FALSE(convert_value(i, std::string("4.2"), false).has_value());
  ColumnInfo d{"d", ColumnType::kDatetime, ""};  // set by the user, no order known
  EXPECT_EQ(*convert_value(d, std::string("2024-01-02"), false), "2024-01-02");
}

}  // namespace
}  // namespace runnel::internal
