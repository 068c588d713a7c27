// bench/micro/sha256_bench.cc: file and folder hashing, the cost of every reuse check.
//
// Sha256File          runnel::sha256_file on a 256 MiB file (in the page cache after the
//                     first pass, so it measures hashing plus read(), not the disk).
// OpenSslEvpSha256    OpenSSL's EVP SHA-256 over the same 256 MiB already in memory, fed in
//                     1 MiB updates like `openssl speed -evp sha256 -bytes 1048576`: the
//                     single-core ceiling that sha256_file should reach (target >= 90%).
// DigestPathCold      digest_path over 2,000 files x 64 KiB without a stat cache: every file
//                     is read and hashed on digest's pool of threads.
// DigestPathWarm      the same folder with a warm StatCache: one stat per file, no reads.
//
// The two single-core rows divide by CPU time (user + system of this thread), as
// `openssl speed` divides by user CPU time, so a machine shared with other builds does not
// skew the comparison. The digest_path rows hash on a pool of threads and divide by wall
// time.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <string>

#include "bench_util.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/sha256.h"
#include "core/stat_cache.h"

namespace runnel::bench {
namespace {

constexpr uint64_t kBigFileBytes = 256ull << 20;
constexpr int kTreeFiles = 2000;
constexpr uint64_t kTreeFileBytes = 64ull << 10;

// The 256 MiB file, written once per process on first use.
const std::string& big_file() {
  static TempDir dir("sha256");
  static const std::string path = [] {
    std::string p = dir.path() + "/big.bin";
    write_random_file(p, kBigFileBytes, 1);
    return p;
  }();
  return path;
}

// The folder of 2,000 x 64 KiB files, written once per process on first use.
const std::string& tree_dir() {
  static TempDir dir("tree");
  static const std::string path = [] {
    std::string root = dir.path() + "/data";
    for (int i = 0; i < kTreeFiles; ++i) {
      std::string sub = root + "/d" + std::to_string(i / 100);
      if (i % 100 == 0) make_dirs(sub);
      write_random_file(sub + "/f" + std::to_string(i) + ".bin", kTreeFileBytes,
                        static_cast<uint64_t>(i) + 7);
    }
    return root;
  }();
  return path;
}

void BM_Sha256File(benchmark::State& state) {
  const std::string& path = big_file();
  benchmark::DoNotOptimize(sha256_file(path));  // warm the page cache
  for (auto _ : state) benchmark::DoNotOptimize(sha256_file(path));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBigFileBytes));
}
BENCHMARK(BM_Sha256File)->Unit(benchmark::kMillisecond)->Iterations(6);

void BM_OpenSslEvpSha256(benchmark::State& state) {
  const std::string bytes = read_file(big_file());
  constexpr size_t kChunk = 1 << 20;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  for (auto _ : state) {
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    for (size_t off = 0; off < bytes.size(); off += kChunk)
      EVP_DigestUpdate(ctx.get(), bytes.data() + off, std::min(kChunk, bytes.size() - off));
    EVP_DigestFinal_ex(ctx.get(), out, &out_len);
    benchmark::DoNotOptimize(out);
  }
  if (out_len != 32) state.SkipWithError("EVP SHA-256 did not produce 32 bytes");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_OpenSslEvpSha256)->Unit(benchmark::kMillisecond)->Iterations(6);

void set_tree_counters(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kTreeFiles * kTreeFileBytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kTreeFiles));
}

void BM_DigestPathCold(benchmark::State& state) {
  const std::string& root = tree_dir();
  uint64_t hashed = 0;
  for (auto _ : state) {
    TreeDigest d = digest_path(root, nullptr);
    hashed = d.hashed_files;
    benchmark::DoNotOptimize(d.digest);
  }
  if (hashed != kTreeFiles) state.SkipWithError("digest_path did not hash every file");
  set_tree_counters(state);
}
BENCHMARK(BM_DigestPathCold)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();

void BM_DigestPathWarm(benchmark::State& state) {
  const std::string& root = tree_dir();
  // The files were written moments ago; a zero racy window lets the cache keep them now
  // instead of after the default 2 s.
  StatCache cache(StatCache::Options{.racy_window_ns = 0});
  digest_path(root, &cache);
  uint64_t hashed = 0;
  for (auto _ : state) {
    TreeDigest d = digest_path(root, &cache);
    hashed += d.hashed_files;
    benchmark::DoNotOptimize(d.digest);
  }
  if (hashed != 0) state.SkipWithError("the warm stat cache missed");
  set_tree_counters(state);
}
BENCHMARK(BM_DigestPathWarm)->Unit(benchmark::kMillisecond)->MinTime(0.5)->UseRealTime();

}  // namespace
}  // namespace runnel::bench
