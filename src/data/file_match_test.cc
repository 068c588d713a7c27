#include "data/file_match.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/fs.h"
#include "runnel/error.h"

namespace runnel::internal {
namespace {

TEST(GlobMatch, StarQuestionAndDoubleStar) {
  EXPECT_TRUE(glob_match("raw/*.csv", "raw/a.csv"));
  EXPECT_FALSE(glob_match("raw/*.csv", "raw/x/a.csv"));
  EXPECT_TRUE(glob_match("raw/**/*.csv", "raw/a.csv"));
  EXPECT_TRUE(glob_match("raw/**/*.csv", "raw/x/y/a.csv"));
  EXPECT_TRUE(glob_match("f?.txt", "f1.txt"));
  EXPECT_FALSE(glob_match("f?.txt", "f12.txt"));
}

class MatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        (std::filesystem::temp_directory_path() / ("runnel-match-" + std::to_string(::getpid())))
            .string();
    remove_all(root_);
    for (const char* f :
         {"raw/a.csv", "raw/b.csv", "raw/sub/c.csv", "raw/notes.txt", "img/x.png"}) {
      make_dirs(std::filesystem::path(root_ + "/" + f).parent_path().string());
      write_file_atomic(root_ + "/" + f, "1\n");
    }
  }
  void TearDown() override { remove_all(root_); }
  std::string root_;
};

TEST_F(MatchTest, FoldersGlobsAndErrors) {
  EXPECT_EQ(match_datastore_files(root_, "raw/", "ds").size(), 4u);
  auto csv = match_datastore_files(root_, "raw/*.csv", "ds");
  ASSERT_EQ(csv.size(), 2u);
  EXPECT_EQ(csv[0].rel, "raw/a.csv");
  EXPECT_EQ(match_datastore_files(root_, "raw/**/*.csv", "ds").size(), 3u);
  EXPECT_THROW(match_datastore_files(root_, "raw/*.parquet", "ds"), Error);
  EXPECT_THROW(match_datastore_files(root_, "missing/", "ds"), Error);
  try {
    match_datastore_files(root_, "raw/../../etc/passwd", "ds");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("escapes"), std::string::npos);
  }
  auto local = match_local_files(root_ + "/raw/*.csv");
  EXPECT_EQ(local[0].rel, "raw/a.csv");
  EXPECT_EQ(local_pattern_rel(root_ + "/raw/*.csv"), "raw/*.csv");
}

TEST(Partition, NamesAndDates) {
  auto p = parse_partition("{region}/{day:yyyy/MM/dd}/*.csv", "sales/eu/2024/03/07/part1.csv");
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)["region"], "eu");
  EXPECT_EQ((*p)["day"], "2024-03-07");
  EXPECT_FALSE(parse_partition("{region}/{day:yyyy/MM/dd}/*.csv", "sales/eu/x.csv"));
  EXPECT_THROW(parse_partition("{d:yyyy/QQ}", "2024/01"), Error);
}

}  // namespace
}  // namespace runnel::internal
