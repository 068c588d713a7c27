// server/niced_pool.h: a few worker threads at a raised nice value that run CPU-heavy work
// handed over by other threads, which wait for its result.
//
// `runnel serve` answers reads on HTTP threads at the process's own priority; a submit
// (YAML load, validation, fingerprints of the first steps, recording) costs tens of
// milliseconds of CPU, and eight clients submitting at once kept both cores busy at that
// same priority, so reads waited behind them (a p99 of 100-200 ms). The submit's HTTP thread
// hands the work to this pool and blocks (no CPU) until it is done: the answer is the same,
// only its CPU runs at the steps' priority.
//
// Thread-safety: run() may be called from any thread; exceptions thrown by the work are
// rethrown in the caller. The destructor runs what is queued, then joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "exec/process.h"

namespace runnel::server {

class NicedPool {
 public:
  NicedPool(int threads, int nice) {
    for (int i = 0; i < threads; ++i) {
      workers_.emplace_back([this, nice] {
        if (nice > 0) (void)internal::set_this_thread_nice(nice);
        loop();
      });
    }
  }
  ~NicedPool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  NicedPool(const NicedPool&) = delete;
  NicedPool& operator=(const NicedPool&) = delete;

  // Runs `fn` on a worker and returns its result (or rethrows its exception).
  template <class F>
  auto run(F fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    {
      std::lock_guard lock(mu_);
      queue_.emplace_back([&task] { task(); });
    }
    cv_.notify_one();
    return result.get();  // `task` lives on this stack until the worker has run it
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace runnel::server
