// bench/micro/bench_util.h: helpers shared by the micro-benchmarks (temp folders, files).
// Not thread-safe; benchmarks call them from their own (single) thread.
#pragma once

#include <cstdint>
#include <string>

namespace runnel::bench {

// A fresh folder under the system temp folder, removed (recursively) on destruction.
// Throws runnel::io_error if it cannot be created.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Writes `size` deterministic pseudo-random bytes (seeded by `seed`) to `path`.
// Throws runnel::io_error naming the path on a write error.
void write_random_file(const std::string& path, uint64_t size, uint64_t seed);

}  // namespace runnel::bench
