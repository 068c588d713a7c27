// exec/local_backend.h: the `local` compute backend: a pool of process slots on this machine.
//
// Each job is `/bin/sh -c command`, started with posix_spawn in a process group of its own
// (so that cancel and timeout reach the step's whole process tree), stdin from /dev/null,
// stdout/stderr to the job's log files, in its working folder, with the inherited
// environment plus LaunchSpec::env. A job takes max(1, resources.cpus) slots, capped at the
// pool's size so that it can still run; jobs beyond the free slots wait in a FIFO queue
// inside the backend (reported kQueued) and start as slots free up. When a job's main
// process ends, whatever it left behind in its process group is killed. A job with
// LaunchSpec::container.image runs through podman (exec/container.h) instead of
// bubblewrap; when such a job was stopped (cancel, timeout) or its podman client was
// killed, the backend runs the container's cleanup (`podman rm -f`) as a process of its
// own and reports the job's end only after it finished, so that nothing the step left
// running can still write once its end is known.
//
// Thread-safety: launch() and poll() are called from one thread (the scheduler's);
// cancel() and wakeup() may be called from any thread at any time. The backend reaps only
// its own children by pid; a program that sets SIGCHLD to SIG_IGN or reaps with
// waitpid(-1) steals their exit statuses (such jobs end kFailed, "lost track of ...").
//
// @code
//   runnel::LocalBackend backend(2);
//   backend.launch({.id = "s1", .command = "echo hi", .working_dir = "/tmp",
//                   .stdout_path = "/tmp/s1.out", .stderr_path = "/tmp/s1.err"});
//   for (bool done = false; !done;)
//     for (const runnel::JobEvent& e : backend.poll(std::chrono::seconds(1)))
//       done = e.state == runnel::JobState::kFinished || e.state == runnel::JobState::kFailed;
// @endcode
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "exec/compute_backend.h"
#include "exec/process.h"

namespace runnel {

class LocalBackend : public ComputeBackend {
 public:
  struct Options {
    int slots = 0;  // how many jobs (cpus) run at once; 0 = the number of cores
    // After SIGTERM (cancel, timeout), how long a job's main process may take to end
    // before its group gets SIGKILL.
    std::chrono::milliseconds kill_grace{5000};
  };

  // A pool with as many slots as cores.
  LocalBackend() : LocalBackend(Options{}) {}
  // A pool of `slots` slots (<= 0: as many as cores).
  explicit LocalBackend(int slots) : LocalBackend(Options{.slots = slots}) {}
  // Throws Error(kIo) when the wakeup eventfd or /dev/null cannot be opened.
  explicit LocalBackend(const Options& options);
  // Kills (SIGKILL) the process group of every job still running and reaps them; blocks
  // until their main processes are gone. Queued jobs are dropped.
  ~LocalBackend() override;

  LocalBackend(const LocalBackend&) = delete;
  LocalBackend& operator=(const LocalBackend&) = delete;

  std::string type() const override { return "local"; }
  int capacity() const override { return slots_; }

  // Starts the job now if its slots are free (kRunning, with backend_job_id = the pid, is
  // reported by the next poll) or queues it (kQueued). A job that cannot start (missing
  // working folder, unopenable log file) is reported by the next poll as kFailed with the
  // reason. Throws Error(kInvalidArgument) if `spec.id` is already queued or running.
  void launch(const LaunchSpec& spec) override;

  // Waits up to `max_wait` for jobs to start or end, without busy-waiting (pidfds and an
  // eventfd under poll(2)), enforces timeouts and kill grace periods, and returns what
  // changed. Ends: exit 0 -> kFinished; exit N -> kFailed "exit code N"; a signal ->
  // kFailed "killed by signal SIGKILL (9)"; timeout -> kFailed, timed_out, "timed out after
  // N s"; cancel -> kCanceled. Returns early, possibly empty, after wakeup().
  std::vector<JobEvent> poll(std::chrono::milliseconds max_wait) override;

  // A running job: SIGTERM to its process group now, SIGKILL once the grace period passes
  // (enforced by poll()). A queued job: dropped, reported kCanceled by the next poll.
  // Unknown or ended ids are ignored. Thread-safe; does not block.
  void cancel(const std::string& id) override;

  // Makes a blocked (or else the next) poll() return. Thread-safe and async-signal-safe:
  // an atomic store and a write to an eventfd.
  void wakeup() override;

  // An epoll fd over the jobs' pidfds, the wakeup eventfd and a timerfd armed for the next
  // timeout or kill deadline: readable whenever poll(0) has something to report.
  int event_fd() const override { return epoll_.get(); }

  // Jobs started and not yet reported ended; jobs waiting for slots. For tests and status.
  int running_count() const;
  int queued_count() const;

 private:
  using Clock = std::chrono::steady_clock;
  enum class Stop { kNone, kCanceled, kTimedOut };  // why the backend is stopping a job

  struct Job {
    LaunchSpec spec;
    int slots = 1;
    pid_t pid = -1;  // also the process group id
    internal::UniqueFd pidfd;
    bool maybe_ended = false;  // its pidfd was readable in the last wait
    Clock::time_point timeout_at = Clock::time_point::max();
    Clock::time_point kill_at = Clock::time_point::max();  // SIGKILL the group then
    Stop stop = Stop::kNone;
    std::string cleanup;  // the container's cleanup command ("" = none)
    // Set while the cleanup runs: pid/pidfd are then the cleanup's, and `status` holds how
    // the job's own process ended (reported when the cleanup is done).
    bool cleaning = false;
    pid_t job_pid = -1;  // the job's own pid once `cleaning` (for backend_job_id)
    internal::ExitStatus status;
  };

  void start_locked(std::unique_ptr<Job> job);
  bool apply_sandbox(LaunchSpec& spec);
  bool apply_container(Job& job);
  bool start_cleanup_locked(Job& job, const internal::ExitStatus& status);
  void start_queued_locked();
  void stop_locked(Job& job, Stop why, Clock::time_point now);
  void fire_timers_locked(Clock::time_point now);
  void reap_locked();
  void arm_timer_locked();  // the timerfd, for the earliest deadline of a running job
  JobEvent end_event(const Job& job, const internal::ExitStatus& status) const;

  const int slots_;
  const std::chrono::milliseconds kill_grace_;
  internal::UniqueFd devnull_;
  internal::WakeupFd wake_;
  internal::UniqueFd epoll_;                   // wake_, timer_ and every running job's pidfd
  internal::UniqueFd timer_;                   // a timerfd
  internal::Watchdog watchdog_;                // kills running jobs' groups if this process dies
  std::atomic<bool> wakeup_requested_{false};  // set by wakeup(), not by internal nudges
  std::atomic<bool> polling_{false};           // poll() is blocked in wait_readable()

  mutable std::mutex mu_;  // guards everything below
  int used_slots_ = 0;
  std::unordered_map<std::string, std::unique_ptr<Job>> running_;
  std::deque<std::unique_ptr<Job>> queue_;
  std::unordered_map<std::string, Job*> queued_by_id_;
  std::vector<JobEvent> pending_;  // events not yet returned by poll()
};

}  // namespace runnel
