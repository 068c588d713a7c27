// testing/fake_backend.cc: the scripted, process-free ComputeBackend (see fake_backend.h).
#include "testing/fake_backend.h"

#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "runnel/error.h"

namespace runnel {
namespace {

JobEvent make_event(const std::string& id, JobState state, int number) {
  JobEvent e;
  e.id = id;
  e.state = state;
  e.backend_job_id = "fake-" + std::to_string(number);
  return e;
}

void write_text(const std::string& path, const std::string& text) {
  if (path.empty() || text.empty()) return;
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

}  // namespace

FakeBackend::FakeBackend(int capacity)
    : capacity_(capacity), ready_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (ready_fd_ < 0) throw io_error("fake backend: cannot create an eventfd");
}

FakeBackend::~FakeBackend() { ::close(ready_fd_); }

void FakeBackend::update_ready_locked() {
  bool want = !early_.empty();
  for (const Job& j : running_)
    want = want || !j.reported_running || j.canceled || j.outcome.duration_ticks >= 0;
  if (want == ready_) return;
  ready_ = want;
  uint64_t v = 1;
  ssize_t n = want ? ::write(ready_fd_, &v, sizeof v) : ::read(ready_fd_, &v, sizeof v);
  (void)n;  // an eventfd of our own: cannot fail but for EAGAIN, which means the same
}

void FakeBackend::set_outcome(const std::string& id, Outcome outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  by_id_[id] = std::move(outcome);
}

void FakeBackend::set_outcome_for_command(const std::string& substring, Outcome outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  by_command_.emplace_back(substring, std::move(outcome));
}

void FakeBackend::set_default_outcome(Outcome outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  default_outcome_ = std::move(outcome);
}

const FakeBackend::Outcome& FakeBackend::outcome_for(const LaunchSpec& spec) const {
  if (auto it = by_id_.find(spec.id); it != by_id_.end()) return it->second;
  for (const auto& [substring, outcome] : by_command_)
    if (spec.command.find(substring) != std::string::npos) return outcome;
  return default_outcome_;
}

void FakeBackend::launch(const LaunchSpec& spec) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Job& j : running_)
    if (j.spec.id == spec.id)
      throw invalid_argument("fake backend: job id '" + spec.id + "' is already running");
  launched_.push_back(spec);
  const int number = static_cast<int>(launched_.size());
  const Outcome& outcome = outcome_for(spec);
  if (!outcome.start_error.empty()) {
    JobEvent e = make_event(spec.id, JobState::kFailed, number);
    e.reason = outcome.start_error;
    early_.push_back(std::move(e));
    update_ready_locked();
    return;
  }
  running_.push_back(Job{spec, outcome, number});
  max_concurrency_ = std::max(max_concurrency_, static_cast<int>(running_.size()));
  update_ready_locked();
}

JobEvent FakeBackend::end_event(const Job& job) const {
  const Outcome& o = job.outcome;
  JobEvent e = make_event(job.spec.id, JobState::kFailed, job.number);
  if (job.canceled) {
    e.state = JobState::kCanceled;
    e.reason = "canceled";
    return e;
  }
  e.exit_code = o.signal != 0 ? -1 : o.exit_code;
  e.signal = o.signal;
  if (o.timed_out) {
    e.timed_out = true;
    e.reason = "timed out after " + std::to_string(job.spec.timeout_s) + " s";
  } else if (o.signal != 0) {
    const char* abbrev = ::sigabbrev_np(o.signal);
    e.reason = std::string("killed by signal ") + (abbrev ? std::string("SIG") + abbrev : "?") +
               " (" + std::to_string(o.signal) + ")";
  } else if (o.exit_code != 0) {
    e.reason = "exit code " + std::to_string(o.exit_code);
  } else {
    e.state = JobState::kFinished;
  }
  return e;
}

std::vector<JobEvent> FakeBackend::poll(std::chrono::milliseconds /*max_wait*/) {
  std::vector<JobEvent> events;
  std::vector<Job> ended;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++tick_;
    events = std::exchange(early_, {});
    for (Job& j : running_) {
      if (j.reported_running) continue;
      j.reported_running = true;
      j.start_tick = tick_;
      events.push_back(make_event(j.spec.id, JobState::kRunning, j.number));
    }
    auto done = [this](const Job& j) {
      return j.canceled ||
             (j.outcome.duration_ticks >= 0 && j.start_tick + j.outcome.duration_ticks <= tick_);
    };
    for (const Job& j : running_)  // cancellations first, then ends, each in launch order
      if (j.canceled) events.push_back(end_event(j));
    for (const Job& j : running_)
      if (!j.canceled && done(j)) {
        events.push_back(end_event(j));
        ended.push_back(j);
      }
    running_.erase(std::remove_if(running_.begin(), running_.end(), done), running_.end());
    update_ready_locked();
  }
  for (const Job& j : ended) {
    write_text(j.spec.stdout_path, j.outcome.stdout_text);
    write_text(j.spec.stderr_path, j.outcome.stderr_text);
    if (j.outcome.on_end) j.outcome.on_end(j.spec);
  }
  return events;
}

void FakeBackend::cancel(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  cancels_.push_back(id);
  for (Job& j : running_)
    if (j.spec.id == id) j.canceled = true;
  update_ready_locked();
}

void FakeBackend::wakeup() {
  std::lock_guard<std::mutex> lock(mu_);
  ++wakeups_;
}

std::vector<std::string> FakeBackend::launch_order() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> ids;
  for (const LaunchSpec& s : launched_) ids.push_back(s.id);
  return ids;
}

std::vector<LaunchSpec> FakeBackend::launched() const {
  std::lock_guard<std::mutex> lock(mu_);
  return launched_;
}

std::optional<LaunchSpec> FakeBackend::find_launched(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = launched_.rbegin(); it != launched_.rend(); ++it)
    if (it->id == id) return *it;
  return std::nullopt;
}

std::vector<std::string> FakeBackend::cancel_requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancels_;
}

int FakeBackend::max_concurrency() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_concurrency_;
}

int FakeBackend::running_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(running_.size());
}

int64_t FakeBackend::tick() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tick_;
}

int FakeBackend::wakeup_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wakeups_;
}

}  // namespace runnel
