#include "core/units.h"

#include <gtest/gtest.h>

#include "runnel/error.h"

namespace runnel {
namespace {

constexpr int64_t kKi = 1024, kMi = kKi * 1024, kGi = kMi * 1024;

TEST(Units, SizesWithBinaryUnits) {
  EXPECT_EQ(try_parse_size("4Gi"), 4 * kGi);
  EXPECT_EQ(try_parse_size("4G"), 4 * kGi);
  EXPECT_EQ(try_parse_size("4GB"), 4 * kGi);
  EXPECT_EQ(try_parse_size("4GiB"), 4 * kGi);
  EXPECT_EQ(try_parse_size("4g"), 4 * kGi);
  EXPECT_EQ(try_parse_size("512M"), 512 * kMi);
  EXPECT_EQ(try_parse_size("10MB"), 10 * kMi);
  EXPECT_EQ(try_parse_size("1.5K"), 1536);
  EXPECT_EQ(try_parse_size("2T"), 2 * kGi * 1024);
  EXPECT_EQ(try_parse_size("1P"), kGi * kMi);
  EXPECT_EQ(try_parse_size("1048576"), kMi);
  EXPECT_EQ(try_parse_size("300B"), 300);
  EXPECT_EQ(try_parse_size(" 8 G "), 8 * kGi);
  EXPECT_EQ(try_parse_size("0"), 0);
}

TEST(Units, SizesRefused) {
  for (const char* bad : {"", "lots", "-1", "4X", "G", "4GG", "4 Gi B x", "1.", ".5G", "1e9",
                          "4Gib2", "99999999999P", "+4G"}) {
    EXPECT_FALSE(try_parse_size(bad).has_value()) << bad;
  }
}

TEST(Units, DurationsAllForms) {
  EXPECT_EQ(try_parse_duration("90"), 90);
  EXPECT_EQ(try_parse_duration("90s"), 90);
  EXPECT_EQ(try_parse_duration("30m"), 1800);
  EXPECT_EQ(try_parse_duration("30:00"), 1800);  // MM:SS, as sbatch --time
  EXPECT_EQ(try_parse_duration("2h"), 7200);
  EXPECT_EQ(try_parse_duration("1h30m"), 5400);
  EXPECT_EQ(try_parse_duration("01:30:00"), 5400);
  EXPECT_EQ(try_parse_duration("1.5h"), 5400);
  EXPECT_EQ(try_parse_duration("1d"), 86400);
  EXPECT_EQ(try_parse_duration("1-00:00:00"), 86400);
  EXPECT_EQ(try_parse_duration("2-12"), 2 * 86400 + 12 * 3600);
  EXPECT_EQ(try_parse_duration("2-12:30"), 2 * 86400 + 12 * 3600 + 30 * 60);
  EXPECT_EQ(try_parse_duration("1d2h3m4s"), 86400 + 7200 + 180 + 4);
  EXPECT_EQ(try_parse_duration("2H"), 7200);
  EXPECT_EQ(try_parse_duration("100:00:00"), 360000);  // leading field unbounded
}

TEST(Units, DurationsRefused) {
  for (const char* bad : {"", "soon", "-5", "1:60", "1:2:3:4", "1-24:00", "1-", "-1:00", "30m2h",
                          "2hh", "h", "1:", ":30", "1.5:00", "1e3", "10:99:00", "9999999999999"}) {
    EXPECT_FALSE(try_parse_duration(bad).has_value()) << bad;
  }
}

TEST(Units, ErrorsNameTheKeyAndTheForms) {
  try {
    parse_size("lots", "--memory");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    std::string m = e.what();
    EXPECT_NE(m.find("--memory 'lots'"), std::string::npos) << m;
    EXPECT_NE(m.find("4Gi"), std::string::npos) << m;
  }
  try {
    parse_duration("soon", "--time");
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("--time 'soon'"), std::string::npos) << m;
    EXPECT_NE(m.find("30:00"), std::string::npos) << m;
  }
}

TEST(Units, MemoryInMebibytes) {
  EXPECT_EQ(parse_memory_mb("4Gi", "memory"), 4096);
  EXPECT_EQ(parse_memory_mb("4G", "memory"), 4096);
  EXPECT_EQ(parse_memory_mb("512M", "memory"), 512);
  EXPECT_EQ(parse_memory_mb("1.5K", "memory"), 1);  // rounded up
  EXPECT_EQ(parse_memory_mb("", "memory"), 0);
  EXPECT_EQ(parse_memory_mb("2097152", "memory"), 2);
  EXPECT_THROW(parse_memory_mb("4000", "memory"), Error);  // 4000 bytes: surely meant 4000M
  EXPECT_THROW(parse_memory_mb("0G", "memory"), Error);
  try {
    parse_memory_mb("4000", "resources.memory");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("4000M"), std::string::npos) << e.what();
  }
}

TEST(Units, TimeLimits) {
  EXPECT_EQ(parse_time_limit_s("30:00", "t"), 1800);
  EXPECT_EQ(parse_time_limit_s("", "t"), 0);
  EXPECT_THROW(parse_time_limit_s("0", "t"), Error);
  EXPECT_THROW(parse_time_limit_s("0s", "t"), Error);
  EXPECT_THROW(parse_time_limit_s("soon", "t"), Error);
}

}  // namespace
}  // namespace runnel
