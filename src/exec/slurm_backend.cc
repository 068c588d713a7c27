// exec/slurm_backend.cc: SlurmBackend, slurm_status_report,
// check_shared_path_visible.
#include "exec/slurm_backend.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/fs.h"
#include "runnel/error.h"

namespace runnel {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string first_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// "sbatch: error: Batch job submission failed: Invalid partition name
// specified" lines, joined by "; " without the "sbatch: error: " noise.
std::string tidy_stderr(const std::string& err) {
  std::istringstream in(err);
  std::string line, out;
  while (std::getline(in, line)) {
    for (const char* p : {"sbatch: error: ", "squeue: error: ", "srun: error: "}) {
      if (line.rfind(p, 0) == 0) line = line.substr(std::string(p).size());
    }
    if (line.empty()) continue;
    out += (out.empty() ? "" : "; ") + line;
  }
  return out.empty() ? "(no message)" : out;
}

std::string safe_file_part(const std::string& id) {
  std::string s;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    s += ok ? c : '_';
  }
  return s;
}

JobEvent make_event(const std::string& id, JobState state, std::string reason,
                    std::string backend_job_id = "") {
  JobEvent e;
  e.id = id;
  e.state = state;
  e.reason = std::move(reason);
  e.backend_job_id = std::move(backend_job_id);
  return e;
}

std::string join(const std::vector<std::string>& v, char sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : std::string(1, sep)) + x;
  return s;
}

// A JSON file's content; nullopt when it is missing or not JSON (yet).
std::optional<nlohmann::json> read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

}  // namespace

SlurmBackend::SlurmBackend(SlurmConfig config, std::unique_ptr<CommandRunner> runner)
    : config_(std::move(config)), runner_(std::move(runner)) {
  if (!runner_) runner_ = std::make_unique<ProcessCommandRunner>();
  if (config_.max_concurrent_jobs <= 0) {
    throw invalid_argument("slurm compute: max_concurrent_jobs must be at least 1, got " +
                           std::to_string(config_.max_concurrent_jobs));
  }
}

SlurmBackend::~SlurmBackend() = default;

std::map<std::string, int64_t> SlurmBackend::slurm_calls_by_command() const {
  std::lock_guard<std::mutex> lock(mu_);
  return calls_by_command_;
}

CommandResult SlurmBackend::call(std::vector<std::string> argv) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_by_command_[argv.empty() ? "" : argv[0]];
  }
  ++calls_;
  std::vector<std::string> full = config_.command_prefix;
  full.insert(full.end(), argv.begin(), argv.end());
  return runner_->run(full, std::chrono::milliseconds(config_.command_timeout_ms));
}

void SlurmBackend::launch(const LaunchSpec& spec) {
  if (jobs_.count(spec.id)) {
    throw invalid_argument("slurm compute: job id '" + spec.id + "' was launched twice");
  }
  Job job;
  job.spec = spec;
  std::string dir = config_.scripts_dir.empty() ? spec.working_dir : config_.scripts_dir;
  std::string base = dir + "/.runnel-slurm-" + safe_file_part(spec.id);
  job.script_path = base + ".sh";
  job.exit_code_path = base + ".exitcode";
  job.array_state_path = array_state_file(job.exit_code_path);
  jobs_.emplace(spec.id, std::move(job));
  waiting_.push_back(spec.id);
  if (static_cast<int>(by_slurm_id_.size()) >= config_.max_concurrent_jobs || waiting_.size() > 1) {
    return;  // submitted by poll() as slots free, in launch order
  }
  waiting_.pop_back();
  std::string unreachable;
  if (submit(jobs_.at(spec.id), pending_events_, &unreachable) == SubmitResult::kUnreachable) {
    jobs_.erase(spec.id);
    throw unavailable("slurm compute: cannot submit job " + spec.id +
                      ": Slurm does not answer: " + unreachable +
                      ". Is Slurm running (scontrol ping)? For a local test cluster run "
                      "scripts/services/slurm-up.sh as root.");
  }
}

bool SlurmBackend::attach(const LaunchSpec& spec, const std::string& slurm_id,
                          const std::string& previous_id) {
  if (jobs_.count(spec.id)) {
    throw invalid_argument("slurm compute: job id '" + spec.id + "' was launched twice");
  }
  if (slurm_id.empty() || slurm_id.find_first_not_of("0123456789_") != std::string::npos)
    return false;
  Job job;
  job.spec = spec;
  std::string dir = config_.scripts_dir.empty() ? spec.working_dir : config_.scripts_dir;
  std::string base = dir + "/.runnel-slurm-" + safe_file_part(previous_id);
  job.script_path = base + ".sh";
  job.exit_code_path = base + ".exitcode";
  job.array_state_path = array_state_file(job.exit_code_path);
  if (spec.array_tasks > 0) load_log_offsets(job);  // lines the earlier engine copied
  job.slurm_id = slurm_id;
  by_slurm_id_[slurm_id] = spec.id;
  jobs_.emplace(spec.id, std::move(job));
  next_query_ = {};  // ask Slurm about it at the next poll
  return true;
}

SlurmBackend::SubmitResult SlurmBackend::submit(Job& job, std::vector<JobEvent>& events,
                                                std::string* unreachable_error) {
  const LaunchSpec& spec = job.spec;
  std::error_code ec;
  if (spec.working_dir.empty() || !fs::is_directory(spec.working_dir, ec)) {
    end_job(spec.id,
            make_event(spec.id, JobState::kFailed,
                       "working folder does not exist: '" + spec.working_dir + "'"),
            events);
    return SubmitResult::kFailed;
  }
  try {
    std::string text = build_job_script(spec, job.exit_code_path);
    fs::remove(job.exit_code_path, ec);
    fs::remove(job.array_state_path, ec);  // an earlier array's verdict is not this one's
    fs::remove(job.exit_code_path + ".logs.json", ec);
    std::ofstream f(job.script_path, std::ios::trunc);
    f << text;
    f.close();
    if (!f) throw io_error("cannot write the Slurm job script '" + job.script_path + "'");
    fs::permissions(job.script_path, fs::perms::owner_all | fs::perms::group_read,
                    fs::perm_options::replace, ec);
    for (const std::string& p : {spec.stdout_path, spec.stderr_path}) {
      if (p.empty()) continue;
      std::ofstream touch(p, std::ios::trunc);
      if (!touch) throw io_error("cannot create the log file '" + p + "'");
    }
  } catch (const Error& e) {
    end_job(spec.id, make_event(spec.id, JobState::kFailed, e.what()), events);
    return SubmitResult::kFailed;
  }
  Resources r = effective_resources(spec, config_.default_resources);
  SlurmConfig no_prefix = config_;
  no_prefix.command_prefix.clear();  // call() adds it
  CommandResult res = call(build_sbatch_argv(no_prefix, spec, r, job.script_path));
  if (!res.ok()) {
    if (res.spawn_failed || res.timed_out || is_slurm_unreachable_error(res.err)) {
      *unreachable_error = res.describe();
      return SubmitResult::kUnreachable;
    }
    end_job(
        spec.id,
        make_event(spec.id, JobState::kFailed, "sbatch rejected the job: " + tidy_stderr(res.err)),
        events);
    return SubmitResult::kFailed;
  }
  std::string id = first_line(res.out);
  if (size_t semi = id.find(';'); semi != std::string::npos) id = id.substr(0, semi);
  if (id.empty() || id.find_first_not_of("0123456789_") != std::string::npos) {
    end_job(spec.id,
            make_event(spec.id, JobState::kFailed,
                       "sbatch printed no job id: '" + first_line(res.out) + "'"),
            events);
    return SubmitResult::kFailed;
  }
  job.slurm_id = id;
  by_slurm_id_[id] = spec.id;
  if (spec.array_tasks > 0 && !spec.stdout_path.empty()) {
    std::ofstream note(spec.stdout_path, std::ios::app);
    note << "runnel: Slurm job array " << id << " of " << spec.array_tasks
         << " tasks; task N writes to " << fs::path(spec.stdout_path).filename().string()
         << ".task-N, copied here line by line as \"[task N] ...\" while the array runs\n";
  }
  return SubmitResult::kSubmitted;
}

void SlurmBackend::submit_waiting(std::vector<JobEvent>& events) {
  while (!waiting_.empty() && static_cast<int>(by_slurm_id_.size()) < config_.max_concurrent_jobs) {
    std::string id = waiting_.front();
    std::string unreachable;
    if (submit(jobs_.at(id), events, &unreachable) == SubmitResult::kUnreachable) {
      note_unreachable(unreachable, events);
      return;  // retried next poll, or failed with every job after the timeout
    }
    if (!waiting_.empty() && waiting_.front() == id) waiting_.pop_front();
  }
}

void SlurmBackend::end_job(const std::string& id, JobEvent e, std::vector<JobEvent>& events) {
  auto it = jobs_.find(id);
  if (it != jobs_.end()) {
    if (!it->second.slurm_id.empty()) {
      by_slurm_id_.erase(it->second.slurm_id);
      if (e.backend_job_id.empty()) e.backend_job_id = it->second.slurm_id;
    }
    jobs_.erase(it);
  }
  for (auto w = waiting_.begin(); w != waiting_.end(); ++w) {
    if (*w == id) {
      waiting_.erase(w);
      break;
    }
  }
  events.push_back(std::move(e));
}

void SlurmBackend::cancel(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_requests_.push_back(id);
    woken_ = true;
  }
  cv_.notify_all();
}

void SlurmBackend::wakeup() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void SlurmBackend::handle_cancels(std::vector<JobEvent>& events) {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ids.swap(cancel_requests_);
  }
  std::vector<std::string> to_kill;
  for (const std::string& id : ids) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) continue;
    Job& job = it->second;
    if (job.slurm_id.empty()) {
      end_job(id, make_event(id, JobState::kCanceled, "canceled before submission to Slurm"),
              events);
    } else if (!job.cancel_requested) {
      job.cancel_requested = true;
      to_kill.push_back(job.slurm_id);
    }
  }
  if (!to_kill.empty()) {
    std::vector<std::string> argv = {"scancel"};
    argv.insert(argv.end(), to_kill.begin(), to_kill.end());
    call(argv);                  // a failure shows in the next squeue (the job ended anyway, or
                                 // Slurm is down)
    next_query_ = Clock::now();  // report the cancel promptly
  }
}

std::vector<JobEvent> SlurmBackend::poll(std::chrono::milliseconds max_wait) {
  const auto deadline = Clock::now() + max_wait;
  std::vector<JobEvent> events;
  events.swap(pending_events_);
  const auto interval = std::chrono::milliseconds(std::max(config_.poll_interval_ms, 1));
  while (true) {
    handle_cancels(events);
    submit_waiting(events);
    auto now = Clock::now();
    if (!by_slurm_id_.empty() && now >= next_query_) {
      // The interval counts from the query's start: a caller that polls every interval
      // (the engine's timer) must find the next query due, not skip every other one.
      next_query_ = now + interval;
      query(events);
      if (!events.empty()) submit_waiting(events);  // slots may have freed
    }
    if (!events.empty() || Clock::now() >= deadline) return events;
    auto until = deadline;
    if (!by_slurm_id_.empty() || !waiting_.empty()) until = std::min(until, next_query_);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, until, [&] { return woken_; });
    if (woken_) {
      woken_ = false;
      lock.unlock();
      handle_cancels(events);
      submit_waiting(events);
      return events;
    }
  }
}

void SlurmBackend::note_unreachable(const std::string& error, std::vector<JobEvent>& events) {
  auto now = Clock::now();
  if (!unreachable_since_) unreachable_since_ = now;
  auto for_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - *unreachable_since_).count();
  if (for_ms < config_.unresponsive_timeout_ms) return;
  std::string reason = "Slurm does not answer: " + error + " (for " +
                       std::to_string(for_ms / 1000) + " s; is slurmctld up? try `scontrol ping`)";
  std::vector<std::string> ids;
  for (const auto& [id, job] : jobs_) ids.push_back(id);
  for (const std::string& id : ids) end_job(id, make_event(id, JobState::kFailed, reason), events);
  unreachable_since_.reset();
}

void SlurmBackend::query(std::vector<JobEvent>& events) {
  std::vector<std::string> ids;
  for (const auto& [sid, rid] : by_slurm_id_) ids.push_back(sid);
  // JobArrayID, not JobID: a job array's tasks as "12_3" (JobID prints each task's own id).
  CommandResult r = call({"squeue", "-h", "-t", "all", "-j", join(ids, ','), "-O",
                          "JobArrayID:|,State:|,Reason:|,exit_code:|"});
  std::vector<SlurmJobStatus> statuses;
  if (r.ok()) {
    statuses = parse_squeue_output(r.out);
  } else if (r.err.find("Invalid job id") == std::string::npos) {
    // squeue prints the known jobs and exits 0 when only some ids are unknown;
    // it fails with "Invalid job id specified" when none is known. Anything
    // else: Slurm is down.
    note_unreachable(r.describe(), events);
    return;
  }
  unreachable_since_.reset();
  std::set<std::string> seen;
  std::vector<std::string> to_kill;
  for (const SlurmJobStatus& st : statuses) {
    std::string sid = route_status(st, events, to_kill);
    if (!sid.empty()) seen.insert(sid);
  }
  for (const std::string& sid : seen) {
    auto it = by_slurm_id_.find(sid);
    if (it != by_slurm_id_.end() && jobs_.at(it->second).spec.array_tasks > 0)
      settle_array(jobs_.at(it->second), events, to_kill);
  }
  // Jobs squeue no longer (or not yet) shows.
  auto now = Clock::now();
  std::vector<std::string> vanished;
  for (const std::string& sid : ids) {
    if (seen.count(sid)) continue;
    auto it = by_slurm_id_.find(sid);
    if (it == by_slurm_id_.end()) continue;
    Job& job = jobs_.at(it->second);
    if (job.spec.array_tasks > 0) {
      bool all_files = true;  // every task ended and was purged from squeue (MinJobAge)
      for (int t = 0; t < job.spec.array_tasks && all_files; ++t)
        all_files = read_exit_code_file(job, t).has_value();
      if (all_files) {
        settle_array(job, events, to_kill);
        continue;
      }
    } else if (auto code = read_exit_code_file(job)) {
      // Finished and already purged from squeue (MinJobAge passed): the exit
      // file says how.
      SlurmJobStatus st{sid, *code == 0 ? "COMPLETED" : "FAILED", "None", *code, 0};
      apply_status(job, st, events, to_kill);
      continue;
    }
    if (!job.missing_since) job.missing_since = now;
    if (now - *job.missing_since >= std::chrono::milliseconds(config_.vanish_grace_ms)) {
      vanished.push_back(sid);
    }
  }
  if (!vanished.empty()) resolve_vanished(vanished, events, to_kill);
  if (!to_kill.empty()) {
    std::vector<std::string> argv = {"scancel"};
    argv.insert(argv.end(), to_kill.begin(), to_kill.end());
    call(argv);
  }
}

void SlurmBackend::note_active(Job& job, JobState state, std::vector<JobEvent>& events,
                               std::vector<std::string>& to_kill) {
  auto now = Clock::now();
  if (state == JobState::kRunning && !job.running_reported) {
    job.running_reported = true;
    job.running_since = now;
    events.push_back(make_event(job.spec.id, JobState::kRunning, "", job.slurm_id));
  }
  if (job.running_reported && job.spec.timeout_s > 0 && !job.timeout_kill &&
      now - job.running_since >= std::chrono::seconds(job.spec.timeout_s)) {
    job.timeout_kill = true;
    to_kill.push_back(job.slurm_id);
  }
}

std::string SlurmBackend::route_status(const SlurmJobStatus& st, std::vector<JobEvent>& events,
                                       std::vector<std::string>& to_kill) {
  auto it = by_slurm_id_.find(st.job_id);
  if (it != by_slurm_id_.end()) {
    Job& job = jobs_.at(it->second);
    if (job.spec.array_tasks <= 0) {
      apply_status(job, st, events, to_kill);
    } else {  // the array as a whole: every task not known to have ended
      for (int t = 0; t < job.spec.array_tasks; ++t) {
        auto known = job.tasks.find(t);
        if (known == job.tasks.end() || !map_slurm_state(known->second).terminal) job.tasks[t] = st;
      }
    }
    return st.job_id;
  }
  auto element = parse_array_element(st.job_id);
  if (!element) return "";
  it = by_slurm_id_.find(element->array_job_id);
  if (it == by_slurm_id_.end() || jobs_.at(it->second).spec.array_tasks <= 0) return "";
  Job& job = jobs_.at(it->second);
  for (int t : element->tasks) {
    if (t < job.spec.array_tasks) job.tasks[t] = st;
  }
  return element->array_job_id;
}

void SlurmBackend::settle_array(Job& job, std::vector<JobEvent>& events,
                                std::vector<std::string>& to_kill) {
  job.missing_since.reset();
  const int n_tasks = job.spec.array_tasks;
  bool all_ended = true, running = false, all_completed = true;
  int failed = -1, canceled = -1;
  std::set<std::string> pending;  // squeue's names of the tasks not yet started
  for (int t = 0; t < n_tasks; ++t) {
    auto it = job.tasks.find(t);
    if (it == job.tasks.end() || !map_slurm_state(it->second).terminal) {
      // A task whose script wrote its exit code has ended, whatever squeue still says.
      if (auto code = read_exit_code_file(job, t)) {
        job.tasks[t] = {job.slurm_id + "_" + std::to_string(t), *code == 0 ? "COMPLETED" : "FAILED",
                        "None", *code, 0};
        it = job.tasks.find(t);
      }
    }
    if (it == job.tasks.end()) {
      all_ended = all_completed = false;
      continue;
    }
    SlurmStateMapping m = map_slurm_state(it->second);
    all_completed = all_completed && m.state == JobState::kFinished;
    if (!m.terminal) {
      all_ended = false;
      running = running || m.state == JobState::kRunning;
      if (m.state == JobState::kQueued) pending.insert(it->second.job_id);
    } else if (m.state == JobState::kFailed && failed < 0) {
      failed = t;
    } else if (m.state == JobState::kCanceled && canceled < 0) {
      canceled = t;
    }
  }
  // The driver's verdict (read only when it matters: the state file lists every mini-batch).
  auto read_verdict = [&]() -> std::optional<nlohmann::json> {
    auto state = read_json_file(job.array_state_path);
    if (state && state->is_object() && state->contains("verdict") &&
        (*state)["verdict"].is_object())
      return (*state)["verdict"];
    return std::nullopt;
  };
  if (!all_ended) {
    // A task that failed or was canceled on its own does not end the step: the tasks still
    // running take over its mini-batch. Once the verdict is written, tasks still pending have
    // nothing left to do.
    if (!pending.empty() && !job.pending_canceled && !job.cancel_requested && read_verdict()) {
      job.pending_canceled = true;
      for (const std::string& id : pending) {
        // "12_[4-7%2]" (a throttled range) is canceled as "12_[4-7]".
        const size_t pct = id.find('%');
        to_kill.push_back(pct == std::string::npos ? id : id.substr(0, pct) + "]");
      }
    }
    stream_array_logs(job, false);
    note_active(job, running ? JobState::kRunning : JobState::kQueued, events, to_kill);
    return;
  }
  stream_array_logs(job, true);
  std::optional<nlohmann::json> verdict = read_verdict();
  if (verdict && !job.cancel_requested && !job.timeout_kill) {
    // The task that wrote the output decided, from the mini-batches' results.
    const int by = verdict->value("by", 0);
    const int code = verdict->value("exit_code", 1);
    SlurmJobStatus st{job.slurm_id + "_" + std::to_string(by), code == 0 ? "COMPLETED" : "FAILED",
                      "None", code, 0};
    apply_status(job, st, events, to_kill, by);
    return;
  }
  if (all_completed && !job.cancel_requested && !job.timeout_kill) {
    apply_status(job, job.tasks.at(0), events, to_kill, 0);
    return;
  }
  // The task to blame: one that failed, else one canceled (in Slurm or by us).
  const int t = failed >= 0 ? failed : canceled >= 0 ? canceled : 0;
  const bool ours = job.cancel_requested || job.timeout_kill;
  apply_status(job, job.tasks.at(t), events, to_kill, t, ours ? "" : unfinished_mini_batches(job));
}

std::string SlurmBackend::unfinished_mini_batches(const Job& job) const {
  auto state = read_json_file(job.array_state_path);
  if (!state || !state->contains("mini_batches") || !(*state)["mini_batches"].is_array()) return "";
  const std::string results = state->value("pull_dir", "") + "/results/";
  std::vector<std::string> missing;
  const size_t total = (*state)["mini_batches"].size();
  for (const auto& b : (*state)["mini_batches"]) {
    const std::string n = std::to_string(b.value("n", -1));
    std::error_code ec;
    if (fs::exists(results + n + "-ok.json", ec) || fs::exists(results + n + "-failed.json", ec))
      continue;
    std::string first = b.value("first", "");
    missing.push_back(n + (first.empty() ? "" : " (" + first + ")"));
  }
  if (missing.empty()) return "";
  std::string s = "; every array task has ended and " + std::to_string(missing.size()) + " of " +
                  std::to_string(total) + " mini-batches have no result: ";
  for (size_t k = 0; k < missing.size() && k < 10; ++k) s += (k ? ", " : "") + missing[k];
  if (missing.size() > 10) s += " and " + std::to_string(missing.size() - 10) + " more";
  return s + " (a retry reuses the finished ones)";
}

void SlurmBackend::stream_array_logs(Job& job, bool final) {
  bool moved = false;
  const std::string* paths[] = {&job.spec.stdout_path, &job.spec.stderr_path};
  for (int stream = 0; stream < 2; ++stream) {
    const std::string& path = *paths[stream];
    if (path.empty()) continue;
    std::string copied;
    for (int t = 0; t < job.spec.array_tasks; ++t) {
      const std::string part = array_task_file(path, t);
      const auto key = std::make_pair(stream, t);
      std::uintmax_t& offset = job.log_offsets[key];
      std::error_code ec;
      const std::uintmax_t size = fs::file_size(part, ec);
      std::string text;
      if (!ec && size > offset) {
        std::ifstream in(part, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(offset));
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        // Whole lines only while the task runs (a long unterminated one goes as it is).
        size_t end = text.size();
        if (!final && end < (1u << 16)) {
          const size_t nl = text.rfind('\n');
          end = nl == std::string::npos ? 0 : nl + 1;
        }
        text.resize(end);
        offset += end;
      }
      const std::string prefix = "[task " + std::to_string(t) + "] ";
      const std::string name = "array task " + std::to_string(t) + " of " +
                               std::to_string(job.spec.array_tasks) + " (Slurm job " +
                               job.slurm_id + "_" + std::to_string(t) + ")";
      if (!text.empty() && job.log_started.insert(key).second) copied += "==== " + name + " ====\n";
      for (size_t p = 0; p < text.size();) {
        size_t nl = text.find('\n', p);
        size_t e = nl == std::string::npos ? text.size() : nl;
        copied += prefix + text.substr(p, e - p) + "\n";
        p = e + 1;
      }
      if (final) {
        if (ec && stream == 0 && !job.log_started.count(key))
          copied += prefix + "(no output: the task did not start)\n";
        fs::remove(part, ec);
      }
    }
    if (!copied.empty()) {
      std::ofstream out(path, std::ios::app | std::ios::binary);
      out << copied;
      moved = true;
    }
  }
  if (final) {
    std::error_code ec;
    fs::remove(job.exit_code_path + ".logs.json", ec);
  } else if (moved) {
    save_log_offsets(job);
  }
}

void SlurmBackend::save_log_offsets(const Job& job) const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, offset] : job.log_offsets)
    j[std::to_string(key.first) + ":" + std::to_string(key.second)] = offset;
  try {
    write_file_atomic(job.exit_code_path + ".logs.json", j.dump());
  } catch (const Error&) {
    // Only a re-attaching engine needs it (it would copy some lines again).
  }
}

void SlurmBackend::load_log_offsets(Job& job) const {
  auto j = read_json_file(job.exit_code_path + ".logs.json");
  if (!j || !j->is_object()) return;
  for (const auto& [k, v] : j->items()) {
    const size_t colon = k.find(':');
    if (colon == std::string::npos || !v.is_number_unsigned()) continue;
    const auto key = std::make_pair(std::stoi(k.substr(0, colon)), std::stoi(k.substr(colon + 1)));
    job.log_offsets[key] = v.get<std::uintmax_t>();
    if (job.log_offsets[key] > 0) job.log_started.insert(key);
  }
}

void SlurmBackend::apply_status(Job& job, const SlurmJobStatus& st, std::vector<JobEvent>& events,
                                std::vector<std::string>& to_kill, int task,
                                const std::string& note) {
  job.missing_since.reset();
  SlurmStateMapping m = map_slurm_state(st);
  const std::string id = job.spec.id;
  if (!m.terminal) {
    note_active(job, m.state, events, to_kill);
    return;
  }
  if (task >= 0 && m.state != JobState::kFinished) {
    m.reason = "array task " + std::to_string(task) + " of " +
               std::to_string(job.spec.array_tasks) + " (Slurm job " + job.slurm_id + "_" +
               std::to_string(task) + "): " + m.reason + note;
  }
  JobEvent e = make_event(id, m.state, m.reason, job.slurm_id);
  e.timed_out = m.timed_out;
  e.signal = st.signal;
  if (m.state == JobState::kFinished) {
    e.exit_code = 0;
  } else if (m.state == JobState::kFailed) {
    e.exit_code = st.exit_code;
    if (e.exit_code < 0 && e.signal == 0) {
      if (auto code = read_exit_code_file(job, task)) e.exit_code = *code;
    }
  }
  if (job.timeout_kill && m.state != JobState::kFinished) {
    e.state = JobState::kFailed;
    e.timed_out = true;
    e.reason = "timeout";
  } else if (job.cancel_requested && m.state == JobState::kCanceled) {
    e.reason = "canceled";
  }
  end_job(id, std::move(e), events);
}

void SlurmBackend::resolve_vanished(const std::vector<std::string>& ids,
                                    std::vector<JobEvent>& events,
                                    std::vector<std::string>& to_kill) {
  std::set<std::string> resolved, arrays;
  if (accounting_available()) {
    CommandResult r = call(
        {"sacct", "-n", "-X", "-P", "-j", join(ids, ','), "-o", "JobID,State,ExitCode,Reason"});
    if (r.ok()) {
      for (const SlurmJobStatus& st : parse_sacct_output(r.out)) {
        auto it = by_slurm_id_.find(st.job_id);
        if (it == by_slurm_id_.end() || jobs_.at(it->second).spec.array_tasks > 0) {
          // A job array's task ("12_3"): kept with the array, settled below.
          if (std::string sid = route_status(st, events, to_kill); !sid.empty()) arrays.insert(sid);
          continue;
        }
        if (!map_slurm_state(st).terminal) continue;
        resolved.insert(st.job_id);
        apply_status(jobs_.at(it->second), st, events, to_kill);
      }
    }
  } else {
    // Rare (a job missing from squeue for the whole grace period): one call per
    // such job.
    for (const std::string& sid : ids) {
      CommandResult r = call({"scontrol", "-o", "show", "job", sid});
      auto it = by_slurm_id_.find(sid);
      if (it == by_slurm_id_.end()) continue;
      if (r.ok() && jobs_.at(it->second).spec.array_tasks > 0) {
        std::istringstream lines(r.out);  // one line per task of the array
        for (std::string line; std::getline(lines, line);) {
          if (auto st = parse_scontrol_job(line)) {
            if (std::string array = route_status(*st, events, to_kill); !array.empty())
              arrays.insert(array);
          }
        }
      } else if (r.ok()) {
        if (auto st = parse_scontrol_job(r.out); st && map_slurm_state(*st).terminal) {
          resolved.insert(sid);
          apply_status(jobs_.at(it->second), *st, events, to_kill);
        } else if (st) {
          resolved.insert(sid);  // Slurm still knows it as active; keep waiting
          jobs_.at(it->second).missing_since.reset();
        }
      } else if (r.err.find("Invalid job id") == std::string::npos) {
        resolved.insert(sid);  // cannot tell now; ask again later
      }
    }
  }
  for (const std::string& sid : arrays) {  // Slurm still knows them: ended, or keep waiting
    auto it = by_slurm_id_.find(sid);
    if (it == by_slurm_id_.end()) continue;
    resolved.insert(sid);
    settle_array(jobs_.at(it->second), events, to_kill);
  }
  for (const std::string& sid : ids) {
    if (resolved.count(sid)) continue;
    auto it = by_slurm_id_.find(sid);
    if (it == by_slurm_id_.end()) continue;
    std::string rid = it->second;
    if (jobs_.at(rid).spec.array_tasks > 0)
      stream_array_logs(jobs_.at(rid), true);  // what the tasks wrote
    end_job(rid, make_event(rid, JobState::kFailed, "job " + sid + " vanished from Slurm", sid),
            events);
  }
}

bool SlurmBackend::accounting_available() {
  if (!accounting_) {
    // "Slurm accounting storage is disabled" (exit 1) without slurmdbd.
    CommandResult r = call({"sacct", "-n", "-X", "-j", "1", "-o", "JobID"});
    accounting_ = r.ok();
  }
  return *accounting_;
}

std::optional<int> SlurmBackend::read_exit_code_file(const Job& job, int task) const {
  std::ifstream f(task >= 0 ? array_task_file(job.exit_code_path, task) : job.exit_code_path);
  int code = 0;
  if (f >> code) return code;
  return std::nullopt;
}

}  // namespace runnel
