#include <gtest/gtest.h>

#include "cli/cli.h"

namespace runnel::cli {
namespace {

TEST(ExitCodes, EachErrorKindHasItsCode) {
  EXPECT_EQ(exit_code_for(ErrorCode::kInvalidArgument), 2);
  EXPECT_EQ(exit_code_for(ErrorCode::kNotFound), 2);
  EXPECT_EQ(exit_code_for(ErrorCode::kAlreadyExists), 2);
  EXPECT_EQ(exit_code_for(ErrorCode::kIo), 2);
  EXPECT_EQ(exit_code_for(ErrorCode::kCancelled), 1);
  EXPECT_EQ(exit_code_for(ErrorCode::kUnavailable), 3);
  EXPECT_EQ(exit_code_for(ErrorCode::kInternal), 4);
  EXPECT_EQ(exit_code_for(ErrorCode::kCorruption), 4);
}

TEST(Checks, Names) {
  EXPECT_NO_THROW(check_name("gpu-pool_2.a", "compute"));
  for (const char* bad : {"", "a/b", "a b", "-a", ".a", "ä"})
    EXPECT_THROW(check_name(bad, "compute"), Error) << bad;
  EXPECT_THROW(check_name(std::string(65, 'a'), "compute"), Error);
}

TEST(Checks, AtLeast) {
  EXPECT_NO_THROW(check_at_least(0, 0, "--max-nodes", "slots"));
  try {
    check_at_least(-3, 0, "--max-nodes", "slots");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "--max-nodes -3: must be at least 0 (slots)");
  }
}

}  // namespace
}  // namespace runnel::cli
