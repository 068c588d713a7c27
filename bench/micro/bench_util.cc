// bench/micro/bench_util.cc: see bench_util.h.
#include "bench_util.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "runnel/error.h"

namespace runnel::bench {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& tag) {
  std::random_device rd;
  fs::path p = fs::temp_directory_path() /
               ("runnel-micro-" + tag + "-" + std::to_string(rd()) + std::to_string(rd()));
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec) throw io_error("cannot create the benchmark folder " + p.string() + ": " + ec.message());
  path_ = p.string();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_random_file(const std::string& path, uint64_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<uint64_t> block(1 << 16);  // 512 KiB per write
  uint64_t left = size;
  while (out && left > 0) {
    for (auto& w : block) w = rng();
    uint64_t n = std::min<uint64_t>(left, block.size() * sizeof(uint64_t));
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    left -= n;
  }
  out.close();
  if (!out) throw io_error("cannot write the benchmark file " + path + "; is the disk full?");
}

}  // namespace runnel::bench
