#include "core/confine.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/fs.h"
#include "runnel/error.h"

namespace fs = std::filesystem;

namespace runnel {
namespace {

class ConfineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runnel-confine-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    root_ = dir_ + "/root";
    fs::create_directories(root_ + "/sub");
    write(root_ + "/sub/in.txt", "inside");
    write(dir_ + "/secret.txt", "outside");
  }
  void TearDown() override { fs::remove_all(dir_); }
  static void write(const std::string& p, const std::string& s) { std::ofstream(p) << s; }
  std::string dir_, root_;
};

TEST_F(ConfineTest, OpensFilesAndFollowsLinksThatStayInside) {
  fs::create_symlink("sub/in.txt", root_ + "/inner-link");
  UniqueFd fd = open_beneath(root_, "inner-link", O_RDONLY, "datastore d");
  char buf[16] = {};
  ASSERT_EQ(::read(fd.get(), buf, sizeof buf), 6);
  EXPECT_STREQ(buf, "inside");
}

TEST_F(ConfineTest, RefusesLinksAndDotDotLeavingTheRoot) {
  fs::create_symlink(dir_ + "/secret.txt", root_ + "/abs-link");
  fs::create_symlink("../secret.txt", root_ + "/rel-link");
  fs::create_symlink(dir_, root_ + "/dir-link");
  for (const char* rel :
       {"abs-link", "rel-link", "dir-link/secret.txt", "../secret.txt", "sub/../../secret.txt"}) {
    try {
      open_beneath(root_, rel, O_RDONLY, "datastore d");
      ADD_FAILURE() << rel << " was opened";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << rel;
      EXPECT_NE(std::string(e.what()).find("resolves outside"), std::string::npos) << e.what();
    }
  }
  // Writing through a link that leaves is refused too: the outside file is unchanged.
  EXPECT_THROW(open_beneath(root_, "rel-link", O_WRONLY | O_TRUNC, "datastore d"), Error);
  EXPECT_EQ(read_file(dir_ + "/secret.txt"), "outside");
  EXPECT_THROW(open_beneath(root_, "/etc/passwd", O_RDONLY, "datastore d"), Error);
}

TEST_F(ConfineTest, MissingIsNotFound) {
  try {
    open_beneath(root_, "nope.txt", O_RDONLY, "datastore d");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

TEST_F(ConfineTest, OpenDirCreatesFoldersButNotThroughLinks) {
  UniqueFd d = open_dir_beneath(root_, "a/b/c", true, "datastore d");
  EXPECT_GE(d.get(), 0);
  EXPECT_TRUE(fs::is_directory(root_ + "/a/b/c"));
  fs::create_symlink(dir_, root_ + "/out");
  EXPECT_THROW(open_dir_beneath(root_, "out/new", true, "datastore d"), Error);
  EXPECT_FALSE(fs::exists(dir_ + "/new"));
}

TEST_F(ConfineTest, ResolvesBeneathUsesTheRealPath) {
  fs::create_symlink(dir_, root_ + "/out");
  EXPECT_NO_THROW(check_resolves_beneath(root_, root_ + "/sub/new/file", "datastore d"));
  EXPECT_THROW(check_resolves_beneath(root_, root_ + "/out/new/file", "datastore d"), Error);
  EXPECT_THROW(check_resolves_beneath(root_, root_ + "/../x", "datastore d"), Error);
}

TEST_F(ConfineTest, OutputLinksMustStayInside) {
  fs::create_directories(root_ + "/sub/deep");
  fs::create_symlink("../in.txt", root_ + "/sub/deep/ok");
  EXPECT_NO_THROW(check_links_stay_inside(root_ + "/sub", "output 'o'"));
  fs::create_symlink("../../secret.txt", root_ + "/sub/deep/bad");
  try {
    check_links_stay_inside(root_ + "/sub", "output 'o'");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("deep/bad -> ../../secret.txt"), std::string::npos)
        << e.what();
  }
  fs::remove(root_ + "/sub/deep/bad");
  fs::create_symlink(root_ + "/sub/in.txt", root_ + "/sub/abs");  // absolute, even if inside
  EXPECT_THROW(check_links_stay_inside(root_ + "/sub", "output 'o'"), Error);
  fs::remove(root_ + "/sub/abs");
  fs::create_symlink("loop", root_ + "/sub/loop");
  EXPECT_THROW(check_links_stay_inside(root_ + "/sub", "output 'o'"), Error);
  fs::remove(root_ + "/sub/loop");
  // The output itself a link (uri_file): refused.
  fs::create_symlink(dir_ + "/secret.txt", root_ + "/file-out");
  EXPECT_THROW(check_links_stay_inside(root_ + "/file-out", "output 'f'"), Error);
}

}  // namespace
}  // namespace runnel
