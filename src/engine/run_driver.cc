// engine/run_driver.cc: how the Engine's scheduler thread drives one run (see
// execution_impl.h): the ready queue, launches within each backend's capacity, claims,
// backend events, timers, and the end of the run. Nothing here lets an exception out: an
// error while driving ends the run Failed (fail_run).
#include <iostream>

#include "core/ids.h"
#include "engine/engine.h"
#include "engine/execution_impl.h"
#include "runnel/error.h"

namespace runnel {

using Clock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::milliseconds kLogStreamInterval{100};
// A claim held by another process is released without an event this process can see;
// waiting steps look again this often. (Claims of this process wake them at once.)
constexpr std::chrono::milliseconds kForeignClaimCheck{500};

}  // namespace

void PipelineExecution::Impl::guarded(const char* what, const std::function<void()>& fn) {
  if (done) return;
  try {
    fn();
  } catch (const std::exception& e) {
    fail_run(std::string(what) + ": " + e.what());
  } catch (...) {
    fail_run(std::string(what) + ": an unknown error");
  }
}

std::vector<ComputeBackend*> PipelineExecution::Impl::backend_list() {
  std::vector<ComputeBackend*> out;
  for (auto& [name, b] : backends_) out.push_back(b.get());
  return out;
}

void PipelineExecution::Impl::enqueue_ready(int i) {
  StepSlot& s = steps[i];
  if (s.in_ready || s.ended || s.launched) return;
  s.in_ready = true;
  ready_.push_back(i);
}

void PipelineExecution::Impl::start() {
  started_ = true;
  guarded("starting the run", [&] {
    {
      std::lock_guard<std::mutex> lock(mu);
      status = RunStatus::kRunning;
    }
    record_ = ws.store().get_pipeline_run(run_id);
    if (record_) {
      record_->status = RunStatus::kRunning;
      record_->started_at = now_ms();
      ws.store().update_pipeline_run(*record_);
    }
    for (size_t i = 0; i < steps.size(); ++i)
      if (steps[i].remaining_deps == 0) enqueue_ready(static_cast<int>(i));
  });
}

void PipelineExecution::Impl::pump() {
  guarded("scheduling", [&] {
    if (cancel_requested && !canceled_) {
      canceled_ = true;
      stop_launching_ = true;
      cancel_all("the run was canceled");
    }
    if (finalize_due()) start_finalize();
    if (stop_launching_) {
      for (int i : ready_) steps[i].in_ready = false;
      ready_.clear();
      waiting_capacity_.clear();
      waiting_claim_.clear();
      return;
    }
    if (recheck_claims_) {
      recheck_claims_ = false;
      for (int i : waiting_claim_) enqueue_ready(i);
      waiting_claim_.clear();
    }
    // Steps that waited for a slot get one as jobs end.
    for (auto& [name, queue] : waiting_capacity_) {
      const int cap = backends_.at(name)->capacity();
      int room = cap - running_per_backend_[name];
      while (room-- > 0 && !queue.empty()) {
        enqueue_ready(queue.front());
        queue.pop_front();
      }
    }
    while (!ready_.empty() && !stop_launching_) {
      std::vector<int> batch(ready_.begin(), ready_.end());
      ready_.clear();
      for (int i : batch) steps[i].in_ready = false;
      // Deciding may hash large inputs: outside any transaction.
      for (int i : batch) {
        StepSlot& s = steps[i];
        if (s.ended || s.launched || (s.fingerprinted && s.waiting_on.empty())) continue;
        try {
          decide(i);
        } catch (const Error& e) {
          s.launched = true;
          end_step(i, StepStatus::kFailed, e.what());
        }
      }
      // Reuses share one transaction; consumers decided at submit that become ready and
      // reusable are taken in the same one (a no-op re-run of a chain is one commit).
      std::vector<int> to_launch;
      ws.store().transaction([&] {
        std::deque<int> q(batch.begin(), batch.end());
        while (!q.empty() && !stop_launching_) {
          int i = q.front();
          q.pop_front();
          StepSlot& s = steps[i];
          if (s.ended || s.launched) continue;
          if (!s.fingerprinted) {
            enqueue_ready(i);
          } else if (s.reuse) {
            take_reuse(i);
          } else {
            to_launch.push_back(i);
          }
          while (!ready_.empty()) {
            const StepSlot& r = steps[ready_.front()];
            if (!r.fingerprinted || !r.reuse || !r.waiting_on.empty()) break;
            q.push_back(ready_.front());
            steps[ready_.front()].in_ready = false;
            ready_.pop_front();
          }
        }
      });
      for (int i : to_launch) {
        if (stop_launching_) break;
        try_launch(i);
      }
    }
  });
}

void PipelineExecution::Impl::try_launch(int i) {
  StepSlot& s = steps[i];
  if (s.ended || s.launched) return;
  if (running_per_backend_[s.backend_name] >= backend_of(i).capacity()) {
    waiting_capacity_[s.backend_name].push_back(i);
    return;
  }
  try {
    Claim c = claim(i, /*ignore_finished=*/false);
    if (c == Claim::kDoneElsewhere) {
      // Another run finished the same step since we decided: take its result if it holds.
      s.waiting_on.clear();
      decide(i);
      if (s.reuse) {
        take_reuse(i);
        return;
      }
      c = claim(i, /*ignore_finished=*/true);
    }
    if (c == Claim::kBusy) {
      if (s.state.status != StepStatus::kQueued) {
        set_status(
            i, StepStatus::kQueued,
            "waiting for step run " + s.waiting_on +
                (s.waiting_on_step.empty() ? std::string(" of another pipeline run")
                                           : " (step '" + s.waiting_on_step + "' of this run)") +
                ", which is computing the same step; its result will be reused");
      }
      waiting_claim_.push_back(i);
      if (next_claim_check_ < Clock::now()) next_claim_check_ = Clock::now() + kForeignClaimCheck;
      return;
    }
  } catch (const Error& e) {
    s.launched = true;
    end_step(i, StepStatus::kFailed, e.what());
    return;
  }
  // A Slurm job that a stopped runnel process left running is taken over rather than
  // submitted again (its result is the same step: same fingerprint, same compute).
  if (try_reattach(i)) return;
  prepare_and_launch(i);
}

void PipelineExecution::Impl::handle_events(const std::vector<JobEvent>& events) {
  if (events.empty()) return;
  // Status changes (Queued/Running) share a transaction. Ends are handled one by one,
  // outside any transaction: committing may digest large outputs, and the write lock must
  // not be held meanwhile (other processes share the database).
  auto is_end = [](const JobEvent& ev) {
    return ev.state != JobState::kQueued && ev.state != JobState::kRunning;
  };
  ws.store().transaction([&] {
    for (const JobEvent& ev : events) {
      auto it = job_index_.find(ev.id);
      if (it != job_index_.end() && !is_end(ev)) handle_event(it->second, ev);
    }
  });
  for (const JobEvent& ev : events) {
    auto it = job_index_.find(ev.id);
    if (it != job_index_.end() && is_end(ev)) handle_event(it->second, ev);
  }
}

void PipelineExecution::Impl::on_backend_ready(ComputeBackend& b) {
  guarded("polling the compute backend",
          [&] { handle_events(b.poll(std::chrono::milliseconds(0))); });
}

Clock::time_point PipelineExecution::Impl::next_timer() const {
  if (done) return Clock::time_point::max();
  Clock::time_point next = Clock::time_point::max();
  bool in_flight = false;
  for (const auto& [name, b] : backends_) {
    auto it = running_per_backend_.find(name);
    if (it == running_per_backend_.end() || it->second <= 0) continue;
    in_flight = true;
    if (b->event_fd() >= 0) continue;
    auto p = next_poll_.find(name);
    // Never polled yet: due at once. (Not time_point::min(): `min - now` overflows, and the
    // engine waited a day. Not now(): a later now() would not find it due.)
    next = std::min(next, p == next_poll_.end() ? Clock::time_point{} : p->second);
  }
  if (options.stream_logs && listener && in_flight) next = std::min(next, next_log_stream_);
  if (!waiting_claim_.empty()) next = std::min(next, next_claim_check_);
  return next;
}

void PipelineExecution::Impl::on_timers(Clock::time_point now) {
  guarded("polling the compute backend", [&] {
    for (auto& [name, b] : backends_) {
      if (b->event_fd() >= 0 || running_per_backend_[name] <= 0) continue;
      auto p = next_poll_.find(name);
      if (p != next_poll_.end() && p->second > now) continue;
      next_poll_[name] = now + b->poll_interval();
      handle_events(b->poll(std::chrono::milliseconds(0)));
    }
  });
  guarded("streaming logs", [&] {
    if (options.stream_logs && listener && now >= next_log_stream_) {
      next_log_stream_ = now + kLogStreamInterval;
      for (size_t i = 0; i < steps.size(); ++i)
        if (steps[i].launched && !steps[i].ended) stream_logs(static_cast<int>(i), false);
    }
  });
  if (!waiting_claim_.empty() && now >= next_claim_check_) {
    next_claim_check_ = now + kForeignClaimCheck;
    for (int i : waiting_claim_) enqueue_ready(i);
    waiting_claim_.clear();
  }
}

bool PipelineExecution::Impl::held_for_finalize(int i) const {
  // A cancel request or an engine error stops the finalize steps too.
  return steps[i].finalize && !finalize_started_ && !cancel_requested && engine_error_.empty();
}

bool PipelineExecution::Impl::finalize_due() const {
  if (finalize_started_ || spec.finalize_steps.empty() || cancel_requested ||
      !engine_error_.empty())
    return false;
  bool pending = false;
  for (const auto& s : steps) {
    if (!s.finalize && !s.ended) return false;
    pending = pending || (s.finalize && !s.ended && !s.launched);
  }
  return pending;
}

void PipelineExecution::Impl::start_finalize() {
  // Every other step has ended. A failure stopped launching: the finalize steps run anyway,
  // each once its dependencies inside the on_finalize job have finished.
  finalize_started_ = true;
  stop_launching_ = false;
  for (size_t i = 0; i < steps.size(); ++i) {
    StepSlot& s = steps[i];
    if (!s.finalize || s.ended || s.launched) continue;
    s.remaining_deps = 0;
    for (int d : s.deps)
      if (steps[d].finalize && steps[d].state.status != StepStatus::kFinished &&
          steps[d].state.status != StepStatus::kReused)
        ++s.remaining_deps;
    if (s.remaining_deps == 0) enqueue_ready(static_cast<int>(i));
  }
}

bool PipelineExecution::Impl::complete() const {
  if (!started_ || done) return false;
  for (const auto& [name, n] : running_per_backend_)
    if (n > 0) return false;
  if (finalize_due()) return false;  // pump() starts them next
  if (stop_launching_) return true;
  if (!ready_.empty() || !waiting_claim_.empty()) return false;
  for (const auto& [name, q] : waiting_capacity_)
    if (!q.empty()) return false;
  return true;
}

void PipelineExecution::Impl::fail_run(const std::string& why) {
  // Never throws: the store may be what failed.
  if (engine_error_.empty()) engine_error_ = why;
  stop_launching_ = true;
  failed_step_ = failed_step_.empty() ? "(engine)" : failed_step_;
  for (size_t i = 0; i < steps.size(); ++i) {
    StepSlot& s = steps[i];
    if (s.launched && !s.ended) {
      try {
        backend_of(static_cast<int>(i)).cancel(s.state.step_run_id);
      } catch (const std::exception& e) {
        std::cerr << "runnel: run " << run_id << ": cannot cancel step " << s.state.name << ": "
                  << e.what() << "\n";
      }
    }
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    StepSlot& s = steps[i];
    if (s.ended) continue;
    {
      std::lock_guard<std::mutex> lock(mu);
      s.ended = true;
      s.end_unrecorded = true;
      s.state.status = StepStatus::kCanceled;
      s.state.reason = "canceled by an engine error: " + why;
      s.state.ended_at = now_ms();
    }
    discard_outputs(static_cast<int>(i));
  }
  // Recorded after every staging folder is gone: on a full disk that is what frees the
  // space the store needs. A step whose end could not be recorded before is retried here.
  for (size_t i = 0; i < steps.size(); ++i) {
    StepSlot& s = steps[i];
    if (!s.end_unrecorded) continue;
    try {
      ws.store().transaction([&] {
        persist_step(static_cast<int>(i));
        release_claim(static_cast<int>(i));
      });
      s.end_unrecorded = false;
    } catch (const std::exception&) {
      // The store may be what failed; the run's record (or the log) says why.
    }
    try {
      notify(static_cast<int>(i));
    } catch (const std::exception&) {
    }
  }
  for (auto& [name, n] : running_per_backend_) n = 0;  // the backends are destroyed at finish
  for (int i : ready_) steps[i].in_ready = false;
  ready_.clear();
  waiting_capacity_.clear();
  waiting_claim_.clear();
}

void PipelineExecution::Impl::finish() {
  // Steps that never became runnable (their inputs failed) end Canceled.
  guarded("ending the run", [&] {
    for (size_t i = 0; i < steps.size(); ++i)
      if (!steps[i].ended) end_step(static_cast<int>(i), StepStatus::kCanceled, "not started");
  });
  RunStatus final_status = RunStatus::kFinished;
  for (const auto& s : steps)
    if (s.state.status == StepStatus::kFailed) final_status = RunStatus::kFailed;
  if (!failed_reason_.empty()) final_status = RunStatus::kFailed;  // a step timed out
  if (canceled_) final_status = RunStatus::kCanceled;
  if (!engine_error_.empty()) final_status = RunStatus::kFailed;
  try {
    if (!record_) record_ = ws.store().get_pipeline_run(run_id);
    if (record_) {
      record_->status = final_status;
      record_->ended_at = now_ms();
      if (!engine_error_.empty())
        record_->error = "engine error: " + engine_error_;
      else if (final_status == RunStatus::kFailed && !failed_reason_.empty())
        record_->error = "step '" + failed_step_ + "' " + failed_reason_;
      else if (final_status == RunStatus::kFailed)
        record_->error = "step '" + failed_step_ + "' failed";
      ws.store().update_pipeline_run(*record_);
    }
  } catch (const std::exception& e) {
    std::cerr << "runnel: run " << run_id << " ended " << to_string(final_status)
              << (engine_error_.empty() ? "" : " (" + engine_error_ + ")")
              << ", but the metadata store cannot record it: " << e.what()
              << "; the next `runnel run` in this workspace closes it\n";
    // Its end was not recorded: the run did not complete as Finished.
    final_status = RunStatus::kFailed;
    if (engine_error_.empty()) engine_error_ = std::string("recording the run's end: ") + e.what();
  }
  {
    std::lock_guard<std::mutex> lock(mu);  // request_cancel() walks backends_ under mu
    backends_.clear();                     // kills anything still running
  }
  try {
    stat_cache_->flush();
  } catch (const std::exception& e) {
    std::cerr << "runnel: run " << run_id << ": cannot save the stat cache: " << e.what() << "\n";
  }
  if (listener) {  // before waiters wake: wait() returns after the listener heard the end
    std::lock_guard<std::mutex> lock(listener_mu);
    listener->on_finished(final_status);
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    status = final_status;
    done = true;
  }
  cv.notify_all();
}

}  // namespace runnel
