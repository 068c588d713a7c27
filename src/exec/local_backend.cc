// exec/local_backend.cc: slot accounting, the queue, timers and the poll loop of the local
// backend. The operating-system calls live in process_posix.cc.
#include "exec/local_backend.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <utility>

#include "exec/container.h"
#include "exec/sandbox.h"
#include "runnel/error.h"
#include "spec/command_template.h"

namespace runnel {
namespace {

using internal::ExitStatus;

// The longest single poll(): ten years is "forever" without overflowing time points.
constexpr std::chrono::hours kMaxWait{24 * 365 * 10};

// While some job has no pidfd (a kernel without pidfd_open), poll() checks on it this often.
constexpr std::chrono::milliseconds kFallbackCheck{20};

int default_slots() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

JobEvent make_event(const std::string& id, JobState state, std::string reason = {}) {
  JobEvent e;
  e.id = id;
  e.state = state;
  e.reason = std::move(reason);
  return e;
}

}  // namespace

LocalBackend::LocalBackend(const Options& options)
    : slots_(options.slots > 0 ? options.slots : default_slots()),
      kill_grace_(std::max(options.kill_grace, std::chrono::milliseconds(0))),
      devnull_(internal::open_devnull()),
      epoll_(internal::make_epoll()),
      timer_(internal::make_timerfd()) {
  internal::epoll_add(epoll_.get(), wake_.fd());
  internal::epoll_add(epoll_.get(), timer_.get());
}

LocalBackend::~LocalBackend() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, job] : running_) {
    if (job->cleaning) continue;  // a container's cleanup is left to finish
    internal::signal_group(job->pid, SIGKILL);
    watchdog_.remove(job->pid);
  }
  for (auto& [id, job] : running_) internal::reap(job->pid);
  // A container outlives its killed podman client: remove it before returning.
  for (auto& [id, job] : running_)
    if (!job->cleanup.empty() && !job->cleaning) {
      std::string c = job->cleanup + " >/dev/null 2>&1";
      if (std::system(c.c_str()) != 0) {
        // Nothing more to do here: the container, if any, stays; `podman ps` shows it.
      }
    }
}

// ro_mount inputs read-only (exec/sandbox.h). False when the job failed at once (queued
// as a kFailed event). Called with mu_ held.
bool LocalBackend::apply_sandbox(LaunchSpec& spec) {
  internal::SandboxedCommand sb =
      internal::sandbox_command(spec.command, spec.read_only_paths, spec.writable_paths);
  if (!sb.error.empty()) {
    pending_.push_back(make_event(spec.id, JobState::kFailed, sb.error));
    return false;
  }
  if (!sb.warning.empty()) {
    static std::once_flag once;
    std::call_once(once,
                   [&] { std::fprintf(stderr, "runnel: warning: %s\n", sb.warning.c_str()); });
    sb.command = "echo " + shell_quote("runnel: warning: " + sb.warning) + " >&2; " + sb.command;
  }
  spec.command = std::move(sb.command);
  spec.argv = std::move(sb.argv);
  return true;
}

// The job's command becomes a podman command (exec/container.h). False when the job failed
// at once (queued as a kFailed event). Called with mu_ held.
bool LocalBackend::apply_container(Job& job) {
  internal::ContainerCommand cc = internal::container_command(job.spec);
  if (!cc.error.empty()) {
    pending_.push_back(make_event(job.spec.id, JobState::kFailed, cc.error));
    return false;
  }
  job.spec.command = std::move(cc.command);
  job.cleanup = std::move(cc.cleanup);
  job.spec.env.clear();  // passed into the container; podman itself gets the inherited ones
  return true;
}

// Starts the container's cleanup for a job whose process ended by `status`. False when the
// job needs none (it ended by itself with an exit code: `podman run --rm` removed it).
bool LocalBackend::start_cleanup_locked(Job& job, const ExitStatus& status) {
  if (job.cleanup.empty() || (job.stop == Stop::kNone && status.exited)) return false;
  LaunchSpec c;
  c.id = job.spec.id + ".cleanup";
  c.command = job.cleanup;
  internal::SpawnResult r = internal::spawn_process(c, devnull_.get());
  if (r.pid < 0) return false;  // reported as the job's end; the container may remain
  job.job_pid = job.pid;
  job.pid = r.pid;
  job.pidfd = std::move(r.pidfd);
  if (job.pidfd.get() >= 0) internal::epoll_add(epoll_.get(), job.pidfd.get());
  job.cleaning = true;
  job.status = status;
  job.timeout_at = job.kill_at = Clock::time_point::max();
  return true;
}

void LocalBackend::launch(const LaunchSpec& spec) {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_.count(spec.id) || queued_by_id_.count(spec.id))
    throw invalid_argument("local backend: job id '" + spec.id +
                           "' is already queued or running; give each launch a unique id");
  auto job = std::make_unique<Job>();
  job->spec = spec;
  if (!spec.container.image.empty() ? !apply_container(*job) : !apply_sandbox(job->spec)) {
    wake_.signal();  // the kFailed event is pending: make event_fd() readable
    return;
  }
  job->slots = std::clamp(spec.resources.cpus, 1, slots_);
  // The nudge makes event_fd() readable, so that the scheduler reports the new job's
  // kRunning/kQueued at once (and a poll() blocked in another thread picks it up).
  wake_.signal();
  if (queue_.empty() && used_slots_ + job->slots <= slots_) {
    start_locked(std::move(job));
    return;
  }
  pending_.push_back(make_event(spec.id, JobState::kQueued));
  queued_by_id_.emplace(spec.id, job.get());
  queue_.push_back(std::move(job));
}

void LocalBackend::start_locked(std::unique_ptr<Job> job) {
  watchdog_.arm();  // before the spawn: a step started but not yet added still dies with us
  // A container job is not tagged: its podman client leaves conmon behind, which must stay
  // to let the cleanup remove the container.
  internal::SpawnResult r = internal::spawn_process(
      job->spec, devnull_.get(), job->cleanup.empty() ? watchdog_.tag() : nullptr);
  if (r.pid < 0) {
    pending_.push_back(make_event(job->spec.id, JobState::kFailed, std::move(r.error)));
    return;
  }
  job->pid = r.pid;
  watchdog_.add(r.pid);
  job->pidfd = std::move(r.pidfd);
  if (job->pidfd.get() >= 0) internal::epoll_add(epoll_.get(), job->pidfd.get());
  if (job->spec.timeout_s > 0)
    job->timeout_at = Clock::now() + std::chrono::seconds(job->spec.timeout_s);
  used_slots_ += job->slots;
  JobEvent e = make_event(job->spec.id, JobState::kRunning);
  e.backend_job_id = std::to_string(job->pid);
  pending_.push_back(std::move(e));
  std::string id = job->spec.id;
  running_.emplace(std::move(id), std::move(job));
}

// Strict FIFO: a wide job at the head is not overtaken by narrow ones behind it, so it
// cannot starve.
void LocalBackend::start_queued_locked() {
  while (!queue_.empty() && used_slots_ + queue_.front()->slots <= slots_) {
    std::unique_ptr<Job> job = std::move(queue_.front());
    queue_.pop_front();
    queued_by_id_.erase(job->spec.id);
    start_locked(std::move(job));
  }
}

void LocalBackend::stop_locked(Job& job, Stop why, Clock::time_point now) {
  if (job.stop != Stop::kNone) return;  // the first reason to stop is the one reported
  if (job.cleaning) return;             // its process is gone; the cleanup is stopping the rest
  job.stop = why;
  job.timeout_at = Clock::time_point::max();
  if (kill_grace_.count() == 0) {
    internal::signal_group(job.pid, SIGKILL);
    return;
  }
  internal::signal_group(job.pid, SIGTERM);
  internal::signal_group(job.pid, SIGCONT);  // a stopped process acts on SIGTERM only when resumed
  job.kill_at = now + kill_grace_;
}

void LocalBackend::fire_timers_locked(Clock::time_point now) {
  for (auto& [id, job] : running_) {
    if (now >= job->timeout_at) stop_locked(*job, Stop::kTimedOut, now);
    if (now >= job->kill_at) {
      internal::signal_group(job->pid, SIGKILL);
      job->kill_at = Clock::time_point::max();
    }
  }
}

void LocalBackend::reap_locked() {
  for (auto it = running_.begin(); it != running_.end();) {
    Job& job = *it->second;
    bool check = job.maybe_ended || job.pidfd.get() < 0;
    job.maybe_ended = false;
    if (!check || !internal::has_ended(job.pid)) {
      ++it;
      continue;
    }
    if (job.cleaning) {  // the container's cleanup ended: now the job's end is known
      internal::reap(job.pid);
      pending_.push_back(end_event(job, job.status));
      used_slots_ -= job.slots;
      it = running_.erase(it);
      continue;
    }
    // The main process is a zombie now, which keeps the group id reserved: kill what it
    // left behind in its group before reaping it.
    internal::signal_group(job.pid, SIGKILL);
    watchdog_.remove(job.pid);  // before the reap: until then the group id cannot be reused
    ExitStatus status = internal::reap(job.pid);
    if (start_cleanup_locked(job, status)) {
      ++it;
      continue;
    }
    pending_.push_back(end_event(job, status));
    used_slots_ -= job.slots;
    it = running_.erase(it);
  }
}

JobEvent LocalBackend::end_event(const Job& job, const ExitStatus& status) const {
  JobEvent e = make_event(job.spec.id, JobState::kFailed);
  e.backend_job_id = std::to_string(job.cleaning ? job.job_pid : job.pid);
  e.exit_code = status.exited ? status.code : -1;
  e.signal = status.signal;
  if (job.stop == Stop::kCanceled) {
    e.state = JobState::kCanceled;
    e.reason = "canceled";
  } else if (job.stop == Stop::kTimedOut) {
    e.timed_out = true;
    e.reason = "timed out after " + std::to_string(job.spec.timeout_s) + " s";
  } else if (status.lost) {
    e.reason = "lost track of process " + std::to_string(job.cleaning ? job.job_pid : job.pid) +
               ": something else in this program reaped it";
  } else if (status.exited && status.code == 0) {
    e.state = JobState::kFinished;
  } else if (status.exited) {
    e.reason = "exit code " + std::to_string(status.code);
  } else {
    e.reason = internal::describe_signal(status.signal);
  }
  return e;
}

void LocalBackend::arm_timer_locked() {
  Clock::time_point at = Clock::time_point::max();
  for (auto& [id, job] : running_) {
    at = std::min({at, job->timeout_at, job->kill_at});
    if (job->pidfd.get() < 0) at = std::min(at, Clock::now() + kFallbackCheck);
  }
  internal::arm_timerfd(timer_.get(),
                        at == Clock::time_point::max()
                            ? std::chrono::nanoseconds(0)
                            : std::max(std::chrono::nanoseconds(1), at - Clock::now()));
}

std::vector<JobEvent> LocalBackend::poll(std::chrono::milliseconds max_wait) {
  // Clamped so that `now + max_wait` cannot overflow when a caller means "forever".
  const auto deadline = Clock::now() + std::clamp(max_wait, std::chrono::milliseconds(0),
                                                  std::chrono::milliseconds(kMaxWait));
  bool woken = false;
  bool checked = false;  // the fds were looked at at least once (poll(0) must look)
  for (;;) {
    std::vector<int> fds{wake_.fd(), timer_.get()};
    std::vector<Job*> watched;  // stable: only this thread erases from running_
    Clock::time_point wake_at = deadline;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto now = Clock::now();
      fire_timers_locked(now);
      reap_locked();
      start_queued_locked();
      if (!pending_.empty() || woken || (checked && now >= deadline)) {
        arm_timer_locked();
        return std::exchange(pending_, {});
      }
      for (auto& [id, job] : running_) {
        wake_at = std::min({wake_at, job->timeout_at, job->kill_at});
        if (job->pidfd.get() >= 0) {
          fds.push_back(job->pidfd.get());
          watched.push_back(job.get());
        } else {
          wake_at = std::min(wake_at, now + kFallbackCheck);
        }
      }
      polling_.store(true);  // under the lock, so that a launch() from now on nudges us
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake_at - Clock::now());
    std::vector<bool> ready =
        internal::wait_readable(fds, std::max(wait, std::chrono::milliseconds(0)));
    polling_.store(false);
    checked = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < watched.size(); ++i)
        if (ready[i + 2]) watched[i]->maybe_ended = true;
    }
    if (ready[1]) internal::drain_timerfd(timer_.get());
    if (ready[0]) {
      wake_.drain();
      if (wakeup_requested_.exchange(false)) woken = true;  // else: a nudge from cancel()
    }
  }
}

void LocalBackend::cancel(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = running_.find(id); it != running_.end()) {
    stop_locked(*it->second, Stop::kCanceled, Clock::now());
    wake_.signal();  // so that a blocked poll() picks up the new kill deadline
    return;
  }
  if (auto q = queued_by_id_.find(id); q != queued_by_id_.end()) {
    Job* job = q->second;
    queued_by_id_.erase(q);
    queue_.erase(std::find_if(queue_.begin(), queue_.end(),
                              [job](const std::unique_ptr<Job>& j) { return j.get() == job; }));
    pending_.push_back(make_event(id, JobState::kCanceled, "canceled before it started"));
    wake_.signal();
  }
}

void LocalBackend::wakeup() {
  wakeup_requested_.store(true);
  wake_.signal();
}

int LocalBackend::running_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(running_.size());
}

int LocalBackend::queued_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(queue_.size());
}

}  // namespace runnel
