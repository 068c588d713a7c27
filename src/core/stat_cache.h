// core/stat_cache.h: remembers the SHA-256 of files by their stat identity, so
// that checking unchanged large data again costs one stat() instead of a read.
//
// Key: (device, inode). Value: (size, mtime ns, ctime ns, digest). A lookup
// hits only if all five stat fields are equal: an edit within the same second
// is caught by the nanosecond times, and even an edit that restores size and
// mtime (utimensat, `touch -r`) changes ctime, which no user call can set back.
//
// Racy-timestamp rule (like git's racy-git guard). Filesystems stamp times from
// a coarse clock (a kernel tick on ext4, whole seconds or 2 s on others), so a
// file written again in the same tick right after runnel hashed it could keep
// its size, mtime and ctime. Hence an entry is stored only if the file's last
// change, max(mtime, ctime), lies at least `racy_window_ns` (default 2 s)
// before the moment hashing started (read before the fstat of the open file).
// Any later write is then stamped with a time after the stored ctime and
// misses. Price: files changed less than 2 s before hashing are hashed again
// next time. (Times on network filesystems come from the server's clock; skew
// beyond the window weakens the rule. Keep NTP on.)
//
// Persistence: an append-only journal of fixed 88-byte records (magic, stat
// fields, digest, FNV-1a check), opened with O_APPEND and written in whole
// records, so several processes can share it. It is loaded whole into an
// unordered_map at open; records are self-identifying, so a torn or interleaved
// record is skipped and loading resyncs on the next good record. When the file
// holds more than twice as many records as live keys (plus 4096) it is
// rewritten at open (temp file + rename); appends that other processes make to
// the old file meanwhile are lost, which only costs a re-hash. Chosen over
// SQLite because a lookup is a hash-map probe and a batch of new entries is one
// write() without locks or fsync; the cache may lose entries on a crash, never
// return a wrong digest.
//
// Thread-safety: lookup, record and flush may be called from any number of
// threads.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/sha256.h"

namespace runnel {

// The stat fields that identify one version of a file's contents.
struct FileStat {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;

  static FileStat from(const struct stat& st);
  friend bool operator==(const FileStat&, const FileStat&) = default;
};

// The journal's place inside a workspace folder:
// <workspace>/.runnel/cache/stat-cache.bin.
std::string stat_cache_path(const std::string& workspace_dir);

class StatCache {
 public:
  struct Options {
    // Entries whose file changed less than this long before hashing are not
    // stored.
    int64_t racy_window_ns = 2'000'000'000;
  };

  // An in-memory cache that persists nothing.
  StatCache() : StatCache(Options{}) {}
  explicit StatCache(Options options);
  // Writes pending records (errors are swallowed here; call flush() to see
  // them).
  ~StatCache();
  StatCache(const StatCache&) = delete;
  StatCache& operator=(const StatCache&) = delete;

  // Opens (creating it and its parent folders if needed) and loads the journal
  // at `path`, compacting it if large. Throws runnel::io_error naming the path
  // if it cannot be created, read or compacted.
  static std::unique_ptr<StatCache> open(const std::string& path, Options options);
  static std::unique_ptr<StatCache> open(const std::string& path) { return open(path, Options{}); }

  // The digest stored for exactly this stat, if any.
  std::optional<Digest> lookup(const FileStat& st) const;

  // Stores `digest` for `st` unless the racy rule forbids it; returns whether
  // it stored. `hashing_started_ns` is a CLOCK_REALTIME time (now_ns()) read
  // before `st` was taken. Persisted on flush(), when 64 KiB are pending, or at
  // destruction.
  bool record(const FileStat& st, const Digest& digest, int64_t hashing_started_ns);

  // Appends pending records to the journal (no-op for an in-memory cache).
  // Throws runnel::io_error naming the journal on a write error.
  void flush();

  size_t size() const;
  // Bytes skipped as torn or corrupt while loading (for tests and diagnostics).
  size_t skipped_bytes() const { return skipped_bytes_; }
  const std::string& path() const { return path_; }

  // CLOCK_REALTIME in nanoseconds since the epoch, the clock file times use.
  static int64_t now_ns();

 private:
  struct Key {
    uint64_t dev;
    uint64_t ino;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.ino * 0x9E3779B97F4A7C15ull ^ k.dev; }
  };
  struct Value {
    uint64_t size;
    int64_t mtime_ns;
    int64_t ctime_ns;
    Digest digest;
  };

  void load_and_maybe_compact();
  void flush_locked();

  Options options_;
  std::string path_;
  int fd_ = -1;
  size_t skipped_bytes_ = 0;
  mutable std::mutex mu_;
  std::unordered_map<Key, Value, KeyHash> map_;
  std::string pending_;  // encoded records not yet written
};

}  // namespace runnel
