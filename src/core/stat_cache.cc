#include "core/stat_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "runnel/error.h"

namespace runnel {

namespace {

constexpr uint32_t kMagic = 0x31435352;  // "RSC1" in a little-endian file
constexpr size_t kRecordSize = 88;       // magic, flags, 5 x 8 stat bytes, digest, check
constexpr size_t kCheckOffset = kRecordSize - 8;
constexpr size_t kFlushBytes = 64 * 1024;

uint64_t fnv1a(const char* data, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string errno_text() { return std::strerror(errno); }

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("cannot write the stat cache '" + path + "': " + errno_text());
    }
    done += static_cast<size_t>(n);
  }
}

void encode(const FileStat& st, const Digest& digest, std::string* out) {
  char r[kRecordSize] = {};
  std::memcpy(r, &kMagic, 4);
  uint64_t f[5] = {st.dev, st.ino, st.size, static_cast<uint64_t>(st.mtime_ns),
                   static_cast<uint64_t>(st.ctime_ns)};
  std::memcpy(r + 8, f, sizeof f);
  std::memcpy(r + 48, digest.bytes.data(), 32);
  uint64_t check = fnv1a(r, kCheckOffset);
  std::memcpy(r + kCheckOffset, &check, 8);
  out->append(r, kRecordSize);
}

}  // namespace

FileStat FileStat::from(const struct stat& st) {
  FileStat f;
  f.dev = static_cast<uint64_t>(st.st_dev);
  f.ino = static_cast<uint64_t>(st.st_ino);
  f.size = static_cast<uint64_t>(st.st_size);
  f.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  f.ctime_ns = int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec;
  return f;
}

std::string stat_cache_path(const std::string& workspace_dir) {
  return workspace_dir + "/.runnel/cache/stat-cache.bin";
}

int64_t StatCache::now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

StatCache::StatCache(Options options) : options_(options) {}

StatCache::~StatCache() {
  try {
    flush();
  } catch (const Error&) {
    // A cache that cannot be written only costs re-hashing later.
  }
  if (fd_ >= 0) ::close(fd_);
}

std::unique_ptr<StatCache> StatCache::open(const std::string& path, Options options) {
  auto cache = std::make_unique<StatCache>(options);
  cache->path_ = path;
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    throw io_error("cannot create the folder of the stat cache '" + path + "': " + ec.message());
  }
  cache->load_and_maybe_compact();
  return cache;
}

void StatCache::load_and_maybe_compact() {
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error("cannot open the stat cache '" + path_ + "': " + errno_text());
  fd_ = fd;
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(data.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("cannot read the stat cache '" + path_ + "': " + errno_text());
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  size_t records = 0;
  size_t p = 0;
  while (p < data.size()) {
    const char* r = data.data() + p;
    uint32_t magic = 0;
    uint64_t check = 0;
    if (data.size() - p >= kRecordSize) {
      std::memcpy(&magic, r, 4);
      std::memcpy(&check, r + kCheckOffset, 8);
    }
    if (magic != kMagic || check != fnv1a(r, kCheckOffset)) {
      ++skipped_bytes_;  // torn or interleaved bytes: resync on the next good
                         // record
      ++p;
      continue;
    }
    uint64_t f[5];
    std::memcpy(f, r + 8, sizeof f);
    Value v{f[2], static_cast<int64_t>(f[3]), static_cast<int64_t>(f[4]), {}};
    std::memcpy(v.digest.bytes.data(), r + 48, 32);
    map_[Key{f[0], f[1]}] = v;
    ++records;
    p += kRecordSize;
  }
  if (records <= 2 * map_.size() + 4096 && skipped_bytes_ == 0) return;

  // Rewrite with the live entries only.
  std::string tmp = path_ + ".tmp." + std::to_string(::getpid());
  int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) throw io_error("cannot compact the stat cache into '" + tmp + "': " + errno_text());
  std::string all;
  all.reserve(map_.size() * kRecordSize);
  for (const auto& [k, v] : map_) {
    encode(FileStat{k.dev, k.ino, v.size, v.mtime_ns, v.ctime_ns}, v.digest, &all);
  }
  try {
    write_all(out, all, tmp);
  } catch (...) {
    ::close(out);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(out);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw io_error("cannot replace the stat cache '" + path_ + "': " + errno_text());
  }
  ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) throw io_error("cannot reopen the stat cache '" + path_ + "': " + errno_text());
}

std::optional<Digest> StatCache::lookup(const FileStat& st) const {
  std::lock_guard lock(mu_);
  auto it = map_.find(Key{st.dev, st.ino});
  if (it == map_.end()) return std::nullopt;
  const Value& v = it->second;
  if (v.size != st.size || v.mtime_ns != st.mtime_ns || v.ctime_ns != st.ctime_ns) {
    return std::nullopt;
  }
  return v.digest;
}

bool StatCache::record(const FileStat& st, const Digest& digest, int64_t hashing_started_ns) {
  int64_t last_change = std::max(st.mtime_ns, st.ctime_ns);
  if (last_change > hashing_started_ns - options_.racy_window_ns) return false;
  std::lock_guard lock(mu_);
  map_[Key{st.dev, st.ino}] = Value{st.size, st.mtime_ns, st.ctime_ns, digest};
  if (fd_ < 0) return true;  // in-memory cache
  encode(st, digest, &pending_);
  if (pending_.size() >= kFlushBytes) flush_locked();
  return true;
}

void StatCache::flush() {
  std::lock_guard lock(mu_);
  flush_locked();
}

void StatCache::flush_locked() {
  if (pending_.empty() || fd_ < 0) return;
  std::string data;
  data.swap(pending_);
  write_all(fd_, data,
            path_);  // one O_APPEND write of whole records in the common case
}

size_t StatCache::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

}  // namespace runnel
