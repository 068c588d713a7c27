#include "core/digest.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runnel/error.h"

namespace runnel {
namespace {

namespace fs = std::filesystem;

class DigestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runnel-digest-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string make_dir(const std::string& name) {
    std::string d = dir_ + "/" + name;
    fs::create_directories(d);
    return d;
  }
  void write(const std::string& path, const std::string& content) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  }

  std::string dir_;
};

TEST_F(DigestTest, EmptyFolderHasTheDocumentedDigest) {
  TreeDigest t = digest_path(make_dir("empty"), nullptr);
  EXPECT_EQ(t.digest, sha256("runnel-tree-v1\n"));
  EXPECT_TRUE(t.files.empty());
  EXPECT_FALSE(t.is_file);
}

TEST_F(DigestTest, PathWithNulIsRefusedNotWalkedForever) {
  // Before: opendir() saw "<dir>/", and every entry joined after the NUL named it again.
  std::string path = dir_ + std::string("/\0x", 3);
  try {
    digest_path(path, nullptr);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("NUL character"), std::string::npos) << e.what();
  }
}

TEST_F(DigestTest, SingleFileDigestIsItsContentDigest) {
  write(dir_ + "/one.txt", "hello\n");
  TreeDigest t = digest_path(dir_ + "/one.txt", nullptr);
  EXPECT_TRUE(t.is_file);
  EXPECT_EQ(t.digest, sha256("hello\n"));
  ASSERT_EQ(t.files.size(), 1u);
  EXPECT_EQ(t.files[0].path, "one.txt");
  EXPECT_EQ(t.files[0].size, 6u);
}

TEST_F(DigestTest, FolderDigestFollowsTheDocumentedFormula) {
  std::string d = make_dir("tree");
  write(d + "/b.txt", "bee");
  write(d + "/sub/a.txt", "ay");
  TreeDigest t = digest_path(d, nullptr);
  std::string expected = "runnel-tree-v1\n";
  auto add = [&](char kind, const std::string& path, const Digest& digest) {
    expected += kind;
    expected += path;
    expected.push_back('\0');
    expected.append(reinterpret_cast<const char*>(digest.bytes.data()), 32);
  };
  add('f', "b.txt", sha256("bee"));
  add('d', "sub", Digest{});
  add('f', "sub/a.txt", sha256("ay"));
  EXPECT_EQ(t.digest, sha256(expected));
  ASSERT_EQ(t.files.size(), 3u);
  EXPECT_EQ(t.files[2].path, "sub/a.txt");
  EXPECT_EQ(t.files[2].digest, sha256("ay"));
  EXPECT_EQ(t.file_count, 2u);
  EXPECT_EQ(t.total_bytes, 5u);
}

TEST_F(DigestTest, OrderOfCreationAndTimestampsDoNotMatter) {
  std::string a = make_dir("a");
  std::string b = make_dir("b");
  for (int i = 0; i < 50; ++i)
    write(a + "/d" + std::to_string(i % 5) + "/f" + std::to_string(i), std::to_string(i));
  for (int i = 49; i >= 0; --i)
    write(b + "/d" + std::to_string(i % 5) + "/f" + std::to_string(i), std::to_string(i));
  struct timespec old[2] = {{1'000'000, 0}, {1'000'000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (b + "/d3/f8").c_str(), old, 0), 0);
  EXPECT_EQ(digest_path(a, nullptr).digest, digest_path(b, nullptr).digest);
  EXPECT_EQ(digest_listing(list_tree(a), nullptr, 1).digest, digest_path(b, nullptr).digest);
}

TEST_F(DigestTest, ExecBitRenameContentAndEmptyFolderChangeTheDigest) {
  std::string d = make_dir("t");
  write(d + "/run.sh", "echo hi\n");
  Digest base = digest_path(d, nullptr).digest;

  ASSERT_EQ(::chmod((d + "/run.sh").c_str(), 0755), 0);
  TreeDigest exec = digest_path(d, nullptr);
  EXPECT_NE(exec.digest, base);
  EXPECT_EQ(exec.files[0].kind, EntryKind::kExecutable);
  ASSERT_EQ(::chmod((d + "/run.sh").c_str(), 0644), 0);
  EXPECT_EQ(digest_path(d, nullptr).digest, base);

  fs::rename(d + "/run.sh", d + "/go.sh");
  EXPECT_NE(digest_path(d, nullptr).digest, base);
  fs::rename(d + "/go.sh", d + "/run.sh");
  EXPECT_EQ(digest_path(d, nullptr).digest, base);

  write(d + "/run.sh", "echo ho\n");
  EXPECT_NE(digest_path(d, nullptr).digest, base);
  write(d + "/run.sh", "echo hi\n");

  fs::create_directory(d + "/empty");
  EXPECT_NE(digest_path(d, nullptr).digest, base);
}

TEST_F(DigestTest, SymlinksAreHashedByTargetNotFollowed) {
  std::string d = make_dir("links");
  write(d + "/real.txt", "content");
  fs::create_symlink("real.txt", d + "/link");
  TreeDigest t = digest_path(d, nullptr);
  ASSERT_EQ(t.files.size(), 2u);
  EXPECT_EQ(t.files[0].path, "link");
  EXPECT_EQ(t.files[0].kind, EntryKind::kSymlink);
  EXPECT_EQ(t.files[0].digest, sha256("real.txt"));
  write(d + "/real.txt", "changed");  // the link's own digest stays
  EXPECT_EQ(digest_path(d, nullptr).files[0].digest, sha256("real.txt"));
  fs::remove(d + "/link");
  fs::create_symlink("other.txt", d + "/link");  // dangling is fine
  EXPECT_EQ(digest_path(d, nullptr).files[0].digest, sha256("other.txt"));
}

TEST_F(DigestTest, IgnoredEntriesAreLeftOut) {
  std::string d = make_dir("code");
  write(d + "/train.py", "print(1)\n");
  Digest base = digest_path(d, nullptr).digest;
  write(d + "/model.ckpt", "weights");
  write(d + "/data/big.csv", "1,2\n");
  IgnoreMatcher ignore;
  ignore.add_lines("*.ckpt\ndata/\n");
  TreeDigest t = digest_path(d, nullptr, &ignore);
  EXPECT_EQ(t.digest, base);
  EXPECT_EQ(t.files.size(), 1u);
}

TEST_F(DigestTest, ManyFilesHashedInParallelMatchSerial) {
  std::string d = make_dir("many");
  for (int i = 0; i < 200; ++i) write(d + "/f" + std::to_string(i), std::string(i * 100, 'x'));
  TreeDigest serial = digest_listing(list_tree(d), nullptr, 1);
  TreeDigest parallel = digest_listing(list_tree(d), nullptr, 4);
  EXPECT_EQ(serial.digest, parallel.digest);
  EXPECT_EQ(parallel.hashed_files, 200u);
  for (const FileEntry& e : parallel.files) {
    EXPECT_EQ(e.digest, sha256(std::string(e.size, 'x'))) << e.path;
  }
}

TEST_F(DigestTest, MissingPathIsIoErrorNamingIt) {
  std::string missing = dir_ + "/no/such/folder";
  try {
    digest_path(missing, nullptr);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos);
  }
}

TEST_F(DigestTest, UnreadableFileIsIoErrorNamingIt) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  std::string d = make_dir("locked");
  write(d + "/secret", "x");
  ASSERT_EQ(::chmod((d + "/secret").c_str(), 0), 0);
  try {
    digest_path(d, nullptr);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find(d + "/secret"), std::string::npos);
  }
}

TEST_F(DigestTest, FileGoneBetweenListingAndHashingIsIoErrorNamingIt) {
  std::string d = make_dir("vanish");
  write(d + "/a.txt", "a");
  write(d + "/b.txt", "b");
  TreeListing listing = list_tree(d);
  fs::remove(d + "/b.txt");
  try {
    digest_listing(std::move(listing), nullptr);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find(d + "/b.txt"), std::string::npos) << e.what();
  }
}

TEST_F(DigestTest, DiffEntriesNamesWhatChanged) {
  std::string d = make_dir("diff");
  write(d + "/keep", "same");
  write(d + "/edit", "before");
  write(d + "/gone", "x");
  TreeDigest before = digest_path(d, nullptr);
  write(d + "/edit", "after!");
  fs::remove(d + "/gone");
  write(d + "/new", "y");
  TreeDigest after = digest_path(d, nullptr);
  auto changes = diff_entries(before.files, after.files);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].path, "edit");
  EXPECT_EQ(changes[0].type, EntryChange::Type::kModified);
  EXPECT_EQ(changes[1].path, "gone");
  EXPECT_EQ(changes[1].type, EntryChange::Type::kRemoved);
  EXPECT_EQ(changes[2].path, "new");
  EXPECT_EQ(changes[2].type, EntryChange::Type::kAdded);
}

}  // namespace
}  // namespace runnel
