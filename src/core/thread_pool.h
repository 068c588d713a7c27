// core/thread_pool.h: parallel_for, the one parallel loop runnel's core needs
// (hashing the files of a folder on every core). Threads are started per call:
// a call hashes files that take milliseconds or more, so thread start-up (~20
// us) does not matter.
//
// Thread-safety: `fn` is called concurrently from up to `threads` threads with
// distinct indexes; it must be safe for that. parallel_for itself may be called
// from any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace runnel {

// Calls fn(i) for every i in [0, n), on min(threads, n) threads (the caller's
// included); threads == 0 means one per core. Blocks until all calls return. If
// calls throw, the remaining indexes are skipped and the first exception is
// rethrown in the caller.
template <typename Fn>
void parallel_for(size_t n, size_t threads, Fn&& fn) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, n);
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mu;
  auto work = [&] {
    for (size_t i = next++; i < n && !failed; i = next++) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(error_mu);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace runnel
