#include "server/confine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runnel/error.h"

namespace fs = std::filesystem;

namespace runnel::server {
namespace {

class ConfineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("confine-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(base_ / "root/sub");
    fs::create_directories(base_ / "outside");
    std::ofstream(base_ / "root/sub/a.txt") << "a";
    std::ofstream(base_ / "outside/secret.txt") << "s";
    fs::create_symlink(base_ / "outside", base_ / "root/escape");
    fs::create_symlink(base_ / "root/sub", base_ / "root/inner");
    root_ = (base_ / "root").string();
  }
  void TearDown() override { fs::remove_all(base_); }
  fs::path base_;
  std::string root_;
};

TEST_F(ConfineTest, AcceptsPathsInside) {
  EXPECT_EQ(confine(root_, "sub/a.txt", "path"), fs::canonical(root_ + "/sub/a.txt").string());
  EXPECT_EQ(confine(root_, "", "path"), fs::canonical(root_).string());
  EXPECT_EQ(confine(root_, "sub/../sub/a.txt", "path"),
            fs::canonical(root_ + "/sub/a.txt").string());
  EXPECT_EQ(confine(root_, "inner/a.txt", "path"),
            fs::canonical(root_ + "/sub/a.txt").string());  // symlink inside
}

TEST_F(ConfineTest, RefusesDotDot) {
  EXPECT_THROW(confine(root_, "..", "path"), Error);
  EXPECT_THROW(confine(root_, "../outside/secret.txt", "path"), Error);
  EXPECT_THROW(confine(root_, "sub/../../outside/secret.txt", "path"), Error);
  EXPECT_THROW(confine(root_, "missing/../../outside", "path", false), Error);
}

TEST_F(ConfineTest, RefusesAbsolutePaths) {
  EXPECT_THROW(confine(root_, "/etc/passwd", "path"), Error);
  EXPECT_THROW(confine(root_, root_ + "/sub/a.txt", "path"), Error);
}

TEST_F(ConfineTest, RefusesSymlinksOut) {
  EXPECT_THROW(confine(root_, "escape/secret.txt", "path"), Error);
  EXPECT_THROW(confine(root_, "escape", "path"), Error);
}

TEST_F(ConfineTest, ErrorNamesTheField) {
  try {
    confine(root_, "../x", "base_dir");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("base_dir"), std::string::npos);
  }
}

TEST_F(ConfineTest, MissingIsNotFound) {
  try {
    confine(root_, "sub/none.txt", "path");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  EXPECT_NO_THROW(confine(root_, "sub/none.txt", "path", false));
}

TEST_F(ConfineTest, NulByte) {
  EXPECT_THROW(confine(root_, std::string("sub\0/a", 6), "path"), Error);
}

}  // namespace
}  // namespace runnel::server
