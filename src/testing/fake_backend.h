// testing/fake_backend.h: a ComputeBackend without processes, for the scheduler's tests.
//
// Time is counted in ticks; every poll() advances one tick and never blocks. A test scripts
// each job's outcome before launching it, by job id or by a substring of its command
// (default: exit 0 after 1 tick), then reads back what the scheduler did: the launch order,
// the specs it passed, the most jobs it had launched at once, what it canceled.
//
// Semantics, step by step:
// - launch(spec): records the spec. A job scripted with `start_error` ends kFailed with that
//   reason at the next poll (no kRunning). Otherwise it is "running" at once: it counts
//   toward concurrency from launch until its end is reported. The fake does not queue:
//   keeping at most capacity() jobs launched is the scheduler's job, and max_concurrency()
//   shows whether it did.
// - poll(): tick += 1; returns the kRunning events of jobs launched since the last poll
//   (in launch order; such a job's start tick is this tick), kCanceled events of jobs
//   canceled since, then the ends of running jobs whose start tick + duration_ticks <= tick
//   (in launch order; so duration 1 ends at the poll after the one reporting kRunning,
//   duration 0 in the same poll). An ending job first writes stdout_text / stderr_text to
//   its log files (when both text and path are set) and runs `on_end`.
// - Outcome of an end: timed_out -> kFailed, timed_out, "timed out after N s" (N =
//   spec.timeout_s); signal != 0 -> kFailed "killed by signal SIGKILL (9)"; exit_code != 0
//   -> kFailed "exit code N"; else kFinished. backend_job_id is "fake-<launch number>".
// - duration_ticks < 0: the job runs until canceled.
// - cancel(id): a running job ends kCanceled ("canceled") at the next poll; unknown or
//   ended ids are ignored (but still recorded in cancel_requests()).
// - Launching an id that is still running throws Error(kInvalidArgument).
//
// event_fd() is an eventfd that is readable while the next poll() would report something
// (a start error, a job not yet reported running, a cancel, a job with a finite duration),
// so the engine's scheduler runs the fake at full speed and blocks while it has nothing
// to do (e.g. only jobs that run until canceled).
//
// Thread-safety: every method may be called from any thread (one mutex inside). on_end runs
// on the polling thread outside that mutex, so it may call back into the fake.
//
// @code
//   runnel::FakeBackend fake(2);
//   fake.set_outcome("train", {.exit_code = 1, .duration_ticks = 3});
//   fake.set_outcome_for_command("sleep", {.duration_ticks = -1});  // until canceled
//   ... run the scheduler on `fake` ...
//   EXPECT_EQ(fake.launch_order(), (std::vector<std::string>{"prep", "train"}));
//   EXPECT_LE(fake.max_concurrency(), 2);
// @endcode
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exec/compute_backend.h"

namespace runnel {

class FakeBackend : public ComputeBackend {
 public:
  // How a scripted job ends.
  struct Outcome {
    int exit_code = 0;
    int signal = 0;          // non-zero: the job is "killed" by this signal
    int duration_ticks = 1;  // polls from kRunning to the end; < 0 = until canceled
    bool timed_out = false;
    std::string start_error;  // non-empty: the job fails to start, with this reason
    std::string stdout_text;  // written to spec.stdout_path when the job ends
    std::string stderr_text;  // written to spec.stderr_path when the job ends
    std::function<void(const LaunchSpec&)> on_end;  // e.g. write the step's outputs
  };

  explicit FakeBackend(int capacity = 4);
  FakeBackend(const FakeBackend&) = delete;
  FakeBackend& operator=(const FakeBackend&) = delete;

  // Scripting; call before the job is launched. An id match wins over a command match; of
  // several command substrings the first one set that matches wins.
  void set_outcome(const std::string& id, Outcome outcome);
  void set_outcome_for_command(const std::string& substring, Outcome outcome);
  void set_default_outcome(Outcome outcome);

  std::string type() const override { return "fake"; }
  int capacity() const override { return capacity_; }
  void launch(const LaunchSpec& spec) override;
  std::vector<JobEvent> poll(std::chrono::milliseconds max_wait) override;
  void cancel(const std::string& id) override;
  void wakeup() override;
  int event_fd() const override { return ready_fd_; }
  ~FakeBackend() override;

  // What happened, for assertions.
  std::vector<std::string> launch_order() const;  // ids, in launch order (repeats kept)
  std::vector<LaunchSpec> launched() const;       // specs, in launch order
  std::optional<LaunchSpec> find_launched(const std::string& id) const;  // its last launch
  std::vector<std::string> cancel_requests() const;  // every cancel() id, in order
  int max_concurrency() const;  // the most jobs launched and not yet ended at once
  int running_count() const;    // jobs launched whose end has not been reported yet
  int64_t tick() const;         // polls so far
  int poll_count() const { return static_cast<int>(tick()); }
  int wakeup_count() const;

 private:
  struct Job {
    LaunchSpec spec;
    Outcome outcome;
    int number = 0;  // launch number, 1-based
    bool reported_running = false;
    int64_t start_tick = 0;
    bool canceled = false;
  };

  const Outcome& outcome_for(const LaunchSpec& spec) const;
  void update_ready_locked();  // event_fd() readable iff the next poll has something
  JobEvent end_event(const Job& job) const;

  const int capacity_;
  mutable std::mutex mu_;
  std::map<std::string, Outcome> by_id_;
  std::vector<std::pair<std::string, Outcome>> by_command_;
  Outcome default_outcome_;
  std::vector<LaunchSpec> launched_;
  std::vector<Job> running_;     // in launch order
  std::vector<JobEvent> early_;  // start failures, reported at the next poll
  std::vector<std::string> cancels_;
  int max_concurrency_ = 0;
  int64_t tick_ = 0;
  int wakeups_ = 0;
  int ready_fd_ = -1;
  bool ready_ = false;
};

}  // namespace runnel
