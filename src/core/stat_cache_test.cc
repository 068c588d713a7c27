#include "core/stat_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/digest.h"

namespace runnel {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

class StatCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runnel-statcache-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  FileStat stat_of(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return FileStat::from(st);
  }
  void write(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  }
  void set_mtime(const std::string& path, int64_t sec, int64_t nsec) {
    struct timespec times[2] = {{sec, nsec}, {sec, nsec}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }

  std::string dir_;
  StatCache::Options no_racy_window_{.racy_window_ns = 0};
};

TEST_F(StatCacheTest, HitWhenUnchangedMissAfterSameSecondSameSizeEdit) {
  std::string f = dir_ + "/data.bin";
  write(f, "version one");
  set_mtime(f, 1'600'000'000, 123);
  StatCache cache(no_racy_window_);
  FileStat st = stat_of(f);
  ASSERT_TRUE(cache.record(st, sha256("version one"), StatCache::now_ns()));
  ASSERT_EQ(cache.lookup(stat_of(f)), sha256("version one"));

  // Same size, same mtime second, only the nanoseconds differ.
  write(f, "version two");
  set_mtime(f, 1'600'000'000, 456);
  EXPECT_EQ(stat_of(f).size, st.size);
  EXPECT_FALSE(cache.lookup(stat_of(f)).has_value());

  // Even with mtime put back exactly, ctime moved on: still a miss.
  set_mtime(f, 1'600'000'000, 123);
  FileStat restored = stat_of(f);
  EXPECT_EQ(restored.mtime_ns, st.mtime_ns);
  EXPECT_FALSE(cache.lookup(restored).has_value());
}

TEST_F(StatCacheTest, RacyEntryIsNotStored) {
  std::string f = dir_ + "/fresh.txt";
  write(f, "just written");
  StatCache cache;  // default 2 s window
  FileStat st = stat_of(f);
  EXPECT_FALSE(cache.record(st, sha256("just written"), StatCache::now_ns()));
  EXPECT_FALSE(cache.lookup(st).has_value());
  // The same stat hashed 3 s after its last change is trusted.
  EXPECT_TRUE(cache.record(st, sha256("just written"), st.ctime_ns + 3 * kSecond));
  EXPECT_TRUE(cache.lookup(st).has_value());
}

TEST_F(StatCacheTest, PersistsAcrossReopen) {
  std::string path = stat_cache_path(dir_ + "/ws");
  FileStat a{1, 2, 3, 4, 5};
  FileStat b{1, 3, 30, 40, 50};
  {
    auto cache = StatCache::open(path, no_racy_window_);
    cache->record(a, sha256("a"), StatCache::now_ns());
    cache->record(b, sha256("b"), StatCache::now_ns());
    cache->flush();
  }
  {
    auto cache = StatCache::open(path, no_racy_window_);
    EXPECT_EQ(cache->size(), 2u);
    EXPECT_EQ(cache->lookup(a), sha256("a"));
    EXPECT_EQ(cache->lookup(b), sha256("b"));
    // A newer record for the same inode replaces the older one.
    cache->record(FileStat{1, 2, 3, 4, 6}, sha256("a2"), StatCache::now_ns());
  }  // destructor flushes
  auto cache = StatCache::open(path, no_racy_window_);
  EXPECT_FALSE(cache->lookup(a).has_value());
  EXPECT_EQ(cache->lookup(FileStat{1, 2, 3, 4, 6}), sha256("a2"));
}

TEST_F(StatCacheTest, TornRecordsAreSkipped) {
  std::string path = dir_ + "/cache.bin";
  {
    auto writer = StatCache::open(path, no_racy_window_);
    writer->record(FileStat{1, 1, 1, 1, 1}, sha256("one"), StatCache::now_ns());
    writer->record(FileStat{9, 9, 9, 9, 9}, sha256("torn"), StatCache::now_ns());
    writer->flush();
    // Another process crashed after writing the first 50 bytes of its last
    // record...
    std::filesystem::resize_file(path, 88 + 50);
    // ...and this one goes on appending whole records after the torn one.
    writer->record(FileStat{2, 2, 2, 2, 2}, sha256("two"), StatCache::now_ns());
  }
  EXPECT_EQ(std::filesystem::file_size(path), 88u + 50 + 88);
  {
    auto cache = StatCache::open(path, no_racy_window_);
    EXPECT_EQ(cache->skipped_bytes(), 50u);
    EXPECT_EQ(cache->size(), 2u);
    EXPECT_EQ(cache->lookup(FileStat{1, 1, 1, 1, 1}), sha256("one"));
    EXPECT_EQ(cache->lookup(FileStat{2, 2, 2, 2, 2}), sha256("two"));
    EXPECT_FALSE(cache->lookup(FileStat{9, 9, 9, 9, 9}).has_value());
  }
  // The load that met the torn bytes rewrote the journal without them.
  EXPECT_EQ(std::filesystem::file_size(path), 2u * 88);
  EXPECT_EQ(StatCache::open(path, no_racy_window_)->skipped_bytes(), 0u);
}

TEST_F(StatCacheTest, CompactsWhenMostRecordsAreStale) {
  std::string path = dir_ + "/cache.bin";
  {
    auto cache = StatCache::open(path, no_racy_window_);
    for (int64_t i = 0; i < 10000; ++i) {
      cache->record(FileStat{7, 7, 1, i, i}, sha256("x"), StatCache::now_ns());
    }
  }
  EXPECT_EQ(std::filesystem::file_size(path), 10000u * 88);
  auto cache = StatCache::open(path, no_racy_window_);
  EXPECT_EQ(cache->size(), 1u);
  EXPECT_EQ(std::filesystem::file_size(path), 88u);
  EXPECT_TRUE(cache->lookup(FileStat{7, 7, 1, 9999, 9999}).has_value());
}

TEST_F(StatCacheTest, DigestPathUsesTheCache) {
  std::string data = dir_ + "/data";
  std::filesystem::create_directories(data);
  write(data + "/a.csv", "1,2,3\n");
  write(data + "/b.csv", "4,5,6\n");
  StatCache cache(no_racy_window_);
  TreeDigest first = digest_path(data, &cache);
  EXPECT_EQ(first.hashed_files, 2u);
  TreeDigest second = digest_path(data, &cache);
  EXPECT_EQ(second.hashed_files, 0u);
  EXPECT_EQ(second.digest, first.digest);
  write(data + "/b.csv", "4,5,7\n");  // same size, same second
  TreeDigest third = digest_path(data, &cache);
  EXPECT_EQ(third.hashed_files, 1u);
  EXPECT_NE(third.digest, first.digest);
}

}  // namespace
}  // namespace runnel
