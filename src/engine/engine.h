// engine/engine.h: the Engine, one per process, drives every pipeline run of the process
// from one scheduler thread.
//
// The thread waits (epoll) on the event fd of every compute backend of every run and on a
// wakeup eventfd; it never sleeps a fixed time and never scans all steps: a finished step
// puts its consumers on its run's ready queue, and the next turn of the loop launches them.
// Timers exist only where there is no event to wait on: backends without an event fd
// (Slurm), log streaming, and claims held by another process. While nothing happens the
// thread is blocked in epoll_wait and uses no CPU.
//
// A run is added by PipelineExecution::submit() after it was recorded; the engine starts
// it, drives it to its end, calls Impl::finish() (which wakes every waiter) and drops it.
// An error while a run is driven ends that run Failed (Impl's driving methods catch
// everything); the loop itself never throws.
//
// Thread-safety: add(), wake() and run_count() may be called from any thread. The
// destructor cancels the runs still going, waits for them and joins the thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/executor.h"
#include "exec/process.h"

namespace runnel {

class Engine {
 public:
  Engine();
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // The process's engine, started on first use and stopped at exit.
  static Engine& shared();

  // Hands a recorded run to the scheduler thread; returns at once.
  void add(std::shared_ptr<PipelineExecution::Impl> run);
  // Makes the scheduler thread take a turn (a cancel request, a released claim).
  void wake();
  // A step released its claim: runs of this engine waiting on a claim look again.
  void claim_released();
  // Runs added and not yet finished.
  size_t run_count() const;
  // The scheduler thread's nice value (setpriority on that thread, from its next turn):
  // every step process it starts inherits it. A server sets it so that its HTTP threads
  // stay responsive while steps compete for the CPU; a step alone on an idle machine runs
  // as fast as before. 0..19; raising it back needs CAP_SYS_NICE.
  void set_nice(int nice);

 private:
  struct Watch;  // one backend fd registered with epoll
  void loop();
  void attach(const std::shared_ptr<PipelineExecution::Impl>& run);
  void detach(PipelineExecution::Impl* run);

  internal::UniqueFd epoll_;
  internal::WakeupFd wake_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<PipelineExecution::Impl>> incoming_;  // guarded by mu_
  size_t count_ = 0;                                                // guarded by mu_
  bool stop_ = false;                                               // guarded by mu_
  bool claims_released_ = false;                                    // guarded by mu_
  int nice_ = -1;                                                   // guarded by mu_; -1 = as is
  // Scheduler thread only.
  std::vector<std::shared_ptr<PipelineExecution::Impl>> runs_;
  std::vector<std::unique_ptr<Watch>> watches_;
  std::thread thread_;
};

}  // namespace runnel
