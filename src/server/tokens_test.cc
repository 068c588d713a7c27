#include "server/tokens.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "core/fs.h"
#include "runnel/error.h"

namespace fs = std::filesystem;

namespace runnel::server {
namespace {

std::string temp_dir() {
  auto d =
      fs::temp_directory_path() / ("tokens-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

int mode_of(const std::string& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

TEST(TokenStore, AdminTokenOnFirstStartWithMode0600) {
  std::string d = temp_dir();
  TokenStore ts(d);
  EXPECT_TRUE(ts.ensure_admin());
  EXPECT_FALSE(ts.ensure_admin());
  EXPECT_EQ(mode_of(d + "/server/admin.token"), 0600);
  EXPECT_EQ(mode_of(d + "/server/tokens.json"), 0600);
  std::string secret = ts.admin_secret();
  ASSERT_FALSE(secret.empty());
  auto t = ts.check(secret);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->scope, Scope::kAdmin);
  // The file holds a digest, never the secret.
  EXPECT_EQ(read_file(d + "/server/tokens.json").find(secret), std::string::npos);
  fs::remove_all(d);
}

TEST(TokenStore, CreateCheckRevoke) {
  std::string d = temp_dir();
  TokenStore ts(d);
  std::string viewer = ts.create("viewer", Scope::kRead);
  EXPECT_EQ(ts.check(viewer)->scope, Scope::kRead);
  EXPECT_FALSE(ts.check("rnl_wrong"));
  EXPECT_FALSE(ts.check(""));
  EXPECT_THROW(ts.create("viewer", Scope::kRead), Error);
  EXPECT_THROW(ts.create("bad name", Scope::kRead), Error);
  // Another instance (another process) revokes: this one sees it at once.
  TokenStore(d).revoke("viewer");
  EXPECT_FALSE(ts.check(viewer));
  EXPECT_THROW(ts.revoke("viewer"), Error);
  fs::remove_all(d);
}

TEST(TokenStore, ParseScope) {
  EXPECT_EQ(parse_scope("read"), Scope::kRead);
  EXPECT_EQ(parse_scope("admin"), Scope::kAdmin);
  EXPECT_THROW(parse_scope("root"), Error);
}

}  // namespace
}  // namespace runnel::server
