// exec/slurm_backend.h: the `slurm` compute backend: each job is one sbatch
// batch job.
//
// launch() writes a small job script (cd to the working folder, export the env,
// run
// `/bin/sh -c COMMAND`, write the exit code to a file) into the job's working
// folder (or SlurmConfig::scripts_dir) and submits it with sbatch. More jobs
// than max_concurrent_jobs wait inside the backend and are submitted as slots
// free. poll() asks Slurm about ALL submitted jobs with ONE squeue call per
// poll interval, never one call per job; slurm_calls() counts every Slurm
// command run so that tests can check that.
//
// The workspace (working folders, log files) must be on a filesystem that the
// Slurm nodes share with the machine running runnel (NFS, Lustre, ...): the job
// script cds into the working folder on the node, and Slurm writes
// stdout/stderr to the given paths there. check_shared_path_visible() verifies
// that with a tiny srun.
//
// What ends a job: Slurm's final state (COMPLETED -> kFinished; FAILED,
// TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE -> kFailed;
// CANCELLED -> kCanceled); sbatch rejecting it (kFailed "sbatch rejected the
// job: ..."); LaunchSpec's timeout_s (scancel, then kFailed "timeout",
// timed_out); the job vanishing from Slurm for vanish_grace_ms (kFailed "job ID
// vanished from Slurm"); Slurm not answering for unresponsive_timeout_ms (every
// job kFailed "Slurm does not answer: ..."). So the engine never waits forever.
// Jobs still running when the backend is destroyed keep running.
//
// A ParallelRunStep (LaunchSpec::array_tasks = W > 0) is ONE job array, `sbatch
// --array=0-(W-1)`: every task runs the same script (the driver pulls mini-batches), writes
// its exit code to EXITFILE.task-N and its logs to STDOUT.task-N / STDERR.task-N, and sees
// RUNNEL_ARRAY_STATE=array_state_file(EXITFILE), where the driver names its mini-batches and
// the task that writes the output writes the verdict. The array is one job to the engine:
// kRunning once a task runs; when every task has ended, the verdict decides (exit code 0:
// kFinished, else kFailed with the aggregating task's exit code), whatever other tasks did: a
// task that failed or was canceled in Slurm on its own while others ran is NOT the step's end
// (the others take over its mini-batch). Without a verdict: kFinished when every task
// completed, kCanceled when tasks were canceled in Slurm and none failed, else kFailed naming
// the failed task and the mini-batches left without a result. Once the verdict is there, tasks
// still pending are scancel'ed (they would find nothing to do). Cancel and timeout scancel
// the whole array. squeue names the tasks "12_3" (and pending ones "12_[4-7%2]"), read
// through JobArrayID; sacct and scontrol likewise. While the array runs, each poll copies
// the complete lines the tasks added to their log files into the job's stdout/stderr, each
// as "[task N] LINE" (after a "==== array task N of W (Slurm job J_N) ====" line when the
// task's output starts); when the array ends, the rest is copied and the per-task files are
// removed. How far each file was copied is kept in EXITFILE.logs.json, so an engine that
// re-attaches does not copy lines twice.
//
// Thread-safety: as ComputeBackend says: launch() and poll() from one thread;
// cancel(), wakeup(), slurm_calls() from any thread.
//
// @code
//   SlurmBackend slurm({.partition = "gpu", .max_concurrent_jobs = 100});
//   slurm.launch({.id = "r1.train", .job_name = "r1.train", .command = "python
//   train.py",
//                 .working_dir = wd, .stdout_path = wd + "/out.log",
//                 .stderr_path = ...});
//   for (bool done = false; !done;)
//     for (const JobEvent& e : slurm.poll(std::chrono::seconds(5))) done =
//     e.state != JobState::kRunning;
// @endcode
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "exec/compute_backend.h"
#include "exec/slurm_command_runner.h"
#include "exec/slurm_commands.h"

namespace runnel {

class SlurmBackend : public ComputeBackend {
 public:
  // `runner` runs the Slurm commands; nullptr = real processes. The backend
  // owns it.
  explicit SlurmBackend(SlurmConfig config, std::unique_ptr<CommandRunner> runner = nullptr);
  ~SlurmBackend() override;

  std::string type() const override { return "slurm"; }
  int capacity() const override { return config_.max_concurrent_jobs; }

  // Submits the job now if a slot is free, else queues it. Writes the job
  // script, creates (truncates) stdout_path/stderr_path. A job that Slurm
  // refuses or that cannot be set up ends kFailed in a later poll(). Throws
  // Error(kUnavailable) when sbatch cannot reach Slurm at all (or is not
  // installed), Error(kInvalidArgument) for a duplicate id.
  void launch(const LaunchSpec& spec) override;
  // Follows Slurm job `slurm_id` (submitted by an earlier runnel as `previous_id`, whose
  // exit-code file it reads) under `spec.id`; nothing is submitted. A job that ended
  // meanwhile is reported at the next poll with its final state.
  bool attach(const LaunchSpec& spec, const std::string& slurm_id,
              const std::string& previous_id) override;

  // Blocks up to max_wait; runs at most one squeue per poll interval for all
  // jobs.
  std::vector<JobEvent> poll(std::chrono::milliseconds max_wait) override;

  // Queues the cancel (scancel runs in the poll thread) and wakes poll().
  // Thread-safe.
  void cancel(const std::string& id) override;
  void wakeup() override;

  // How many Slurm commands (sbatch, squeue, scancel, sacct, scontrol) have
  // run, in total and by command name. Thread-safe.
  int64_t slurm_calls() const { return calls_.load(); }
  std::map<std::string, int64_t> slurm_calls_by_command() const;

 private:
  struct Job {
    LaunchSpec spec;
    std::string slurm_id;  // "" while waiting to be submitted
    std::string script_path;
    std::string exit_code_path;
    std::string array_state_path;  // a job array's RUNNEL_ARRAY_STATE (array_state_file)
    bool running_reported = false;
    std::chrono::steady_clock::time_point running_since;
    bool cancel_requested = false;
    bool timeout_kill = false;  // canceled by us because timeout_s passed
    std::optional<std::chrono::steady_clock::time_point> missing_since;
    // A job array (spec.array_tasks > 0): the last status seen of each task.
    std::map<int, SlurmJobStatus> tasks;
    bool pending_canceled = false;  // the verdict was there: tasks still pending were scancel'ed
    // How many bytes of each task's log file, by (0 stdout | 1 stderr, task), were copied into
    // stdout_path/stderr_path; tasks whose output has started.
    std::map<std::pair<int, int>, std::uintmax_t> log_offsets;
    std::set<std::pair<int, int>> log_started;
  };
  enum class SubmitResult { kSubmitted, kFailed, kUnreachable };

  CommandResult call(std::vector<std::string> argv);
  SubmitResult submit(Job& job, std::vector<JobEvent>& events, std::string* unreachable_error);
  void submit_waiting(std::vector<JobEvent>& events);
  void handle_cancels(std::vector<JobEvent>& events);
  void query(std::vector<JobEvent>& events);
  // `task` >= 0: the status of that task of a job array, which ends the array (`note` is
  // added to the reason when it did not finish).
  void apply_status(Job& job, const SlurmJobStatus& st, std::vector<JobEvent>& events,
                    std::vector<std::string>& to_kill, int task = -1, const std::string& note = "");
  // Records a status line for its job: a plain job's is applied at once, an array task's
  // ("12_3", "12_[4-7]") is kept in Job::tasks; returns the job's Slurm id ("" if none).
  std::string route_status(const SlurmJobStatus& st, std::vector<JobEvent>& events,
                           std::vector<std::string>& to_kill);
  // A job array as one job, from its tasks' statuses (and exit-code files): running while
  // one runs; when all have ended, as the driver's verdict says (see the top of this file).
  void settle_array(Job& job, std::vector<JobEvent>& events, std::vector<std::string>& to_kill);
  // Copies the complete lines each array task added to its log files into the job's
  // stdout/stderr ("[task N] LINE"); `final`: the rest too, then removes the task files.
  void stream_array_logs(Job& job, bool final);
  void load_log_offsets(Job& job) const;
  void save_log_offsets(const Job& job) const;
  // "; every array task has ended and 2 of 6 mini-batches have no result: 3 (f06.txt), ..."
  // from the driver's array state, or "" when it names none.
  std::string unfinished_mini_batches(const Job& job) const;
  // A job still queued or running: reports kRunning once, enforces spec.timeout_s.
  void note_active(Job& job, JobState state, std::vector<JobEvent>& events,
                   std::vector<std::string>& to_kill);
  void resolve_vanished(const std::vector<std::string>& ids, std::vector<JobEvent>& events,
                        std::vector<std::string>& to_kill);
  // Records a failed Slurm call; after unresponsive_timeout_ms fails every job.
  void note_unreachable(const std::string& error, std::vector<JobEvent>& events);
  void end_job(const std::string& id, JobEvent e, std::vector<JobEvent>& events);
  // The job's exit-code file; a job array's task `task`'s with task >= 0.
  std::optional<int> read_exit_code_file(const Job& job, int task = -1) const;
  bool accounting_available();

  const SlurmConfig config_;
  std::unique_ptr<CommandRunner> runner_;

  // Poll-thread state.
  std::map<std::string, Job> jobs_;                 // every job not yet ended, by runnel id
  std::deque<std::string> waiting_;                 // ids not yet submitted, in launch order
  std::map<std::string, std::string> by_slurm_id_;  // slurm id -> runnel id
  std::vector<JobEvent> pending_events_;  // ends found in launch(), given by the next poll
  std::chrono::steady_clock::time_point next_query_{};
  std::optional<std::chrono::steady_clock::time_point> unreachable_since_;
  std::optional<bool> accounting_;  // sacct usable; detected once when first needed

  // Shared with other threads.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::vector<std::string> cancel_requests_;
  std::map<std::string, int64_t> calls_by_command_;
  std::atomic<int64_t> calls_{0};
};

// A JSON report of the cluster for `compute_target.get_status()`: per partition
// the node count, node states and CPUs; per node its state, CPUs, memory, gres
// and reason. With `partition` non-empty only that partition. When Slurm does
// not answer, the report says
// {"type":"slurm","reachable":false,"error":"..."}; it never throws for that.
std::string slurm_status_report(const std::string& partition, const SlurmConfig& config = {},
                                CommandRunner* runner = nullptr);

// Checks that the Slurm nodes see `path` (a folder, e.g. the workspace) by
// running `srun -N1 -n1 test -d PATH` (waiting at most ~60 s for a node).
// Throws Error(kIo) saying that the workspace must be on a filesystem shared
// with the nodes when they do not see it, Error(kUnavailable) when Slurm does
// not answer or has no free node in time.
void check_shared_path_visible(const std::string& path, const SlurmConfig& config = {},
                               CommandRunner* runner = nullptr);

}  // namespace runnel
