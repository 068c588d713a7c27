#include "snapshot/snapshot.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runnel/error.h"

namespace runnel {
namespace {

namespace fs = std::filesystem;

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runnel-snapshot-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    code_ = dir_ + "/code";
    snaps_ = dir_ + "/ws/.runnel/snapshots";
    write(code_ + "/train.py", "print('train')\n");
    write(code_ + "/run.sh", "#!/bin/sh\npython train.py\n");
    ::chmod((code_ + "/run.sh").c_str(), 0755);
    write(code_ + "/lib/util.py", "X = 1\n");
    fs::create_directories(code_ + "/empty");
    fs::create_symlink("lib/util.py", code_ + "/util_link.py");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& path, const std::string& content) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  }
  std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string error_of(const std::function<void()>& fn, ErrorCode* code = nullptr) {
    try {
      fn();
    } catch (const Error& e) {
      if (code) *code = e.code();
      return e.what();
    }
    return "";
  }

  std::string dir_, code_, snaps_;
};

TEST_F(SnapshotTest, RoundTripRestoresIdenticalDigestModesAndLinks) {
  SnapshotInfo info = create_snapshot(code_, snaps_);
  EXPECT_TRUE(info.created);
  EXPECT_EQ(info.archive_path, snaps_ + "/" + info.digest.hex() + ".tar.zst");
  EXPECT_TRUE(fs::exists(info.archive_path));
  EXPECT_EQ(info.file_count, 4u);
  EXPECT_EQ(info.digest, digest_path(code_, nullptr).digest);

  std::string out = dir_ + "/restored";
  extract_snapshot(info.archive_path, out);
  EXPECT_EQ(digest_path(out, nullptr).digest, info.digest);
  EXPECT_EQ(read(out + "/lib/util.py"), "X = 1\n");
  struct stat st;
  ASSERT_EQ(::stat((out + "/run.sh").c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR);
  ASSERT_EQ(::stat((out + "/train.py").c_str(), &st), 0);
  EXPECT_FALSE(st.st_mode & S_IXUSR);
  EXPECT_TRUE(fs::is_symlink(out + "/util_link.py"));
  EXPECT_EQ(fs::read_symlink(out + "/util_link.py"), "lib/util.py");
  EXPECT_TRUE(fs::is_directory(out + "/empty"));
}

TEST_F(SnapshotTest, StoredOnceAndArchiveBytesAreDeterministic) {
  SnapshotInfo first = create_snapshot(code_, snaps_);
  SnapshotInfo again = create_snapshot(code_, snaps_);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.archive_path, first.archive_path);
  // Same content elsewhere with other timestamps: same digest, byte-identical
  // archive.
  std::string copy = dir_ + "/copy";
  fs::copy(code_, copy, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  struct timespec old[2] = {{1'000'000, 0}, {1'000'000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (copy + "/train.py").c_str(), old, 0), 0);
  SnapshotInfo other = create_snapshot(copy, dir_ + "/other-snaps");
  EXPECT_TRUE(other.created);
  EXPECT_EQ(other.digest, first.digest);
  EXPECT_EQ(read(other.archive_path), read(first.archive_path));
  // No temporary files are left behind.
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(snaps_)) n += e.is_regular_file();
  EXPECT_EQ(n, 1u);
}

TEST_F(SnapshotTest, HonoursIgnoreFileAndAlwaysLeavesOutGitAndRunnel) {
  Digest base = create_snapshot(code_, snaps_).digest;
  write(code_ + "/data/train.csv", "a,b\n");
  write(code_ + "/model.ckpt", "weights");
  write(code_ + "/.git/HEAD", "ref: refs/heads/main\n");
  write(code_ + "/.runnel/config.json", "{}");
  write(code_ + "/.runnelignore", "data/\n*.ckpt\n!.git\n");
  SnapshotInfo info = create_snapshot(code_, snaps_);
  EXPECT_EQ(info.ignore_file, ".runnelignore");
  for (const FileEntry& f : info.files) {
    EXPECT_NE(f.path.rfind("data", 0), 0u) << f.path;
    EXPECT_NE(f.path.rfind(".git", 0), 0u) << f.path;
    EXPECT_NE(f.path.rfind(".runnel/", 0), 0u) << f.path;
    EXPECT_NE(f.path, "model.ckpt");
  }
  std::string out = dir_ + "/restored";
  extract_snapshot(info.archive_path, out);
  EXPECT_TRUE(fs::exists(out + "/.runnelignore"));
  EXPECT_FALSE(fs::exists(out + "/data"));
  EXPECT_FALSE(fs::exists(out + "/.git"));
  EXPECT_FALSE(fs::exists(out + "/model.ckpt"));
  // Only the ignore file itself was added, so removing it gives back the first
  // digest.
  fs::remove(code_ + "/.runnelignore");
  write(code_ + "/.amlignore", "data/\n*.ckpt\n");
  fs::remove(code_ + "/.amlignore");
  fs::remove_all(code_ + "/data");
  fs::remove(code_ + "/model.ckpt");
  EXPECT_EQ(create_snapshot(code_, snaps_).digest, base);
}

TEST_F(SnapshotTest, TooManyFilesNamesFoldersAndHowToFixIt) {
  for (int i = 0; i < 20; ++i) write(code_ + "/data/part" + std::to_string(i) + ".csv", "1\n");
  ErrorCode code{};
  std::string msg = error_of(
      [&] { create_snapshot(code_, snaps_, SnapshotLimits{.max_bytes = 0, .max_files = 10}); },
      &code);
  EXPECT_EQ(code, ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("24 files"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Largest folders:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\n  /data/\n"), std::string::npos) << msg;
  EXPECT_NE(msg.find(".runnelignore"), std::string::npos) << msg;
  EXPECT_NE(msg.find("snapshot.max_files"), std::string::npos) << msg;
  EXPECT_NE(msg.find("RUNNEL_SNAPSHOT_NO_FILE_LIMIT"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(snaps_));  // refused before anything was written
}

TEST_F(SnapshotTest, TooManyBytesListsLargestFilesAndSuggestsExtensions) {
  write(code_ + "/model.ckpt", std::string(5000, 'w'));
  write(code_ + "/old.ckpt", std::string(3000, 'w'));
  write(code_ + "/.amlignore", "*.log\n");
  std::string msg = error_of(
      [&] { create_snapshot(code_, snaps_, SnapshotLimits{.max_bytes = 1000, .max_files = 0}); });
  EXPECT_NE(msg.find("Largest files:"), std::string::npos) << msg;
  size_t big = msg.find("model.ckpt");
  size_t small = msg.find("old.ckpt");
  ASSERT_NE(big, std::string::npos) << msg;
  EXPECT_LT(big, small);  // largest first
  EXPECT_NE(msg.find("  *.ckpt\n"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/.amlignore"), std::string::npos) << msg;  // the file in use
  EXPECT_NE(msg.find("snapshot.max_bytes"), std::string::npos) << msg;
  // Raising the limit makes it pass.
  EXPECT_TRUE(create_snapshot(code_, snaps_, SnapshotLimits{.max_bytes = 0}).created);
}

TEST_F(SnapshotTest, MissingOrDamagedArchives) {
  ErrorCode code{};
  std::string msg = error_of([&] { extract_snapshot(dir_ + "/nope.tar.zst", dir_ + "/o"); }, &code);
  EXPECT_EQ(code, ErrorCode::kIo);
  EXPECT_NE(msg.find("nope.tar.zst"), std::string::npos);

  SnapshotInfo info = create_snapshot(code_, snaps_);
  std::string bytes = read(info.archive_path);
  std::string damaged = dir_ + "/damaged.tar.zst";
  std::ofstream(damaged, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  msg = error_of([&] { extract_snapshot(damaged, dir_ + "/o2"); }, &code);
  EXPECT_FALSE(msg.empty());
  EXPECT_NE(msg.find("damaged.tar.zst"), std::string::npos) << msg;
}

TEST_F(SnapshotTest, RefusesPathsThatEscapeTheDestination) {
  std::string evil = dir_ + "/evil.tar.zst";
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_add_filter_zstd(a);
  ASSERT_EQ(archive_write_open_filename(a, evil.c_str()), ARCHIVE_OK);
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "../escaped.txt");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, 2);
  archive_write_header(a, e);
  archive_write_data(a, "hi", 2);
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);

  ErrorCode code{};
  std::string msg = error_of([&] { extract_snapshot(evil, dir_ + "/dest"); }, &code);
  EXPECT_EQ(code, ErrorCode::kCorruption);
  EXPECT_NE(msg.find("../escaped.txt"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(dir_ + "/escaped.txt"));
}

TEST_F(SnapshotTest, CodeDirThatIsAFileOrMissingIsRefused) {
  ErrorCode code{};
  error_of([&] { create_snapshot(code_ + "/train.py", snaps_); }, &code);
  EXPECT_EQ(code, ErrorCode::kInvalidArgument);
  std::string msg = error_of([&] { create_snapshot(dir_ + "/missing", snaps_); }, &code);
  EXPECT_EQ(code, ErrorCode::kIo);
  EXPECT_NE(msg.find(dir_ + "/missing"), std::string::npos);
}

}  // namespace
TEST_F(SnapshotTest, LinkLeavingTheFolderIsStoredAsItsContentAndTracked) {
  write(dir_ + "/shared/config.py", "RATE = 1\n");
  fs::create_symlink(dir_ + "/shared/config.py", code_ + "/config.py");        // absolute, outside
  fs::create_symlink("../../shared/config.py", code_ + "/lib/config_rel.py");  // relative, outside
  SnapshotInfo first = create_snapshot(code_, snaps_);
  std::string out = dir_ + "/restored";
  extract_snapshot(first.archive_path, out);
  EXPECT_FALSE(fs::is_symlink(out + "/config.py"));
  EXPECT_EQ(read(out + "/config.py"), "RATE = 1\n");
  EXPECT_EQ(read(out + "/lib/config_rel.py"), "RATE = 1\n");
  EXPECT_TRUE(fs::is_symlink(out + "/util_link.py"));  // a link inside stays a link
  // A changed target changes the digest (no stale reuse), the code folder itself unchanged.
  write(dir_ + "/shared/config.py", "RATE = 2\n");
  SnapshotInfo second = create_snapshot(code_, snaps_);
  EXPECT_NE(second.digest, first.digest);
  EXPECT_TRUE(second.created);
}

TEST_F(SnapshotTest, LinkToAnIgnoredFileIsStoredAsItsContent) {
  write(code_ + "/.runnelignore", "secret_params.txt\n");
  write(code_ + "/secret_params.txt", "a\n");
  fs::create_symlink("secret_params.txt", code_ + "/params.txt");
  SnapshotInfo first = create_snapshot(code_, snaps_);
  write(code_ + "/secret_params.txt", "b\n");
  EXPECT_NE(create_snapshot(code_, snaps_).digest, first.digest);
}

TEST_F(SnapshotTest, LinkLeavingToAFolderOrNowhereIsRefused) {
  fs::create_directories(dir_ + "/elsewhere");
  fs::create_symlink(dir_ + "/elsewhere", code_ + "/data");
  ErrorCode code{};
  std::string msg = error_of([&] { create_snapshot(code_, snaps_); }, &code);
  EXPECT_EQ(code, ErrorCode::kInvalidArgument);
  EXPECT_NE(msg.find("'data' -> '" + dir_ + "/elsewhere'"), std::string::npos) << msg;
  EXPECT_NE(msg.find(".runnelignore"), std::string::npos) << msg;
  fs::remove(code_ + "/data");
  fs::create_symlink("../gone.py", code_ + "/gone.py");
  msg = error_of([&] { create_snapshot(code_, snaps_); }, &code);
  EXPECT_NE(msg.find("'gone.py' -> '../gone.py'"), std::string::npos) << msg;
  fs::remove(code_ + "/gone.py");
  fs::create_symlink("lib/missing.py",
                     code_ + "/dangling_inside.py");  // dangling, inside: refused too
  EXPECT_NE(error_of([&] { create_snapshot(code_, snaps_); }), "");
}

}  // namespace runnel
