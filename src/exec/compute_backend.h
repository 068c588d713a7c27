// exec/compute_backend.h: the one interface between the scheduler and whatever runs a
// step's process (the local process pool, Slurm, the fake backend of the tests).
//
// A backend runs jobs; it knows nothing of pipelines, reuse or outputs. The scheduler
// calls launch() and poll() from one thread: it waits (epoll) on every backend's
// event_fd() at once and calls poll(0) on a backend whose fd is readable, so no thread
// sleeps or polls per run. cancel() and wakeup() may be called from any thread (e.g. a
// Ctrl-C handler's helper thread).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "spec/pipeline_spec.h"

namespace runnel {

// A job that runs inside a container image (exec/container.h). An empty image: on the host.
struct ContainerSpec {
  std::string image;              // the local image (after the workspace's image map)
  std::string runtime;            // "podman" (local), "apptainer" or "enroot" (Slurm)
  std::string program;            // the runtime's binary ("" = its name, found on PATH)
  std::vector<std::string> args;  // extra runtime arguments (environments.<runtime>.args)
  // Mounted at their own paths: read-only (the snapshot, the inputs, runnel's Python
  // package) and read-write (the run folder, the output staging folder). The working
  // folder is mounted read-only unless it lies under a writable one that is not covered.
  std::vector<std::string> read_only;
  std::vector<std::string> writable;
};

struct LaunchSpec {
  std::string id;        // unique job id chosen by the caller (the step run id)
  std::string job_name;  // a readable name (pipeline run + step), for cluster queues
  std::string command;   // run as `/bin/sh -c command`
  // Set by a backend for a wrapper it built (exec/sandbox.h's bwrap): this program and its
  // arguments are exec'd directly instead of `/bin/sh -c command`, one shell fewer per step.
  std::vector<std::string> argv;
  std::string working_dir;                 // absolute; exists
  std::map<std::string, std::string> env;  // added to (and overriding) the inherited env
  std::string stdout_path;                 // absolute; the backend creates/truncates it
  std::string stderr_path;
  Resources resources;
  int timeout_s = 0;  // 0 = none; on expiry the job ends kFailed with reason "timeout"
  // Paths the command must not change (ro_mount inputs) and the step's own folders that stay
  // writable; the local backend enforces them with exec/sandbox.h (others ignore them).
  std::vector<std::string> read_only_paths;
  std::vector<std::string> writable_paths;
  // > 0: the command is a ParallelRunStep driver (python/runnel/parallel_run.py) that may run
  // as this many cooperating copies, each pulling mini-batches from a plan in the step's
  // folder. The Slurm backend submits ONE job array of that many tasks (sbatch --array) and
  // reports it as one job: finished when every task finished, failed when one failed. Other
  // backends run the command once (the driver then runs its own pool of workers).
  int array_tasks = 0;
  // Non-empty image: the command runs in that container (local: podman; Slurm: apptainer or
  // enroot). read_only_paths are then enforced by the container's mounts, not bubblewrap.
  ContainerSpec container;
};

enum class JobState { kQueued, kRunning, kFinished, kFailed, kCanceled };
// "Queued", "Running", "Finished", "Failed", "Canceled" (the one mapping to text).
const char* to_string(JobState s);

struct JobEvent {
  std::string id;
  JobState state = JobState::kQueued;
  int exit_code = -1;  // for kFinished/kFailed when the process exited
  int signal = 0;      // the signal that killed it, 0 if none
  std::string reason;  // why it failed/was canceled: "exit code 3", "killed by SIGKILL", "timeout",
                       // "node failure"...
  std::string backend_job_id;  // e.g. the pid or the Slurm job id
  bool timed_out = false;
};

class ComputeBackend {
 public:
  virtual ~ComputeBackend() = default;

  // "local", "slurm", "fake".
  virtual std::string type() const = 0;

  // How many jobs may run at once; the scheduler keeps at most this many launched.
  virtual int capacity() const = 0;

  // Starts a job without waiting for it. A job that cannot start (missing working dir,
  // exec failure, sbatch rejection) is not an exception: it is reported by a later
  // poll() as kFailed with a reason. Throws Error(kUnavailable) only when the backend
  // itself is unusable (e.g. Slurm does not answer at all).
  virtual void launch(const LaunchSpec& spec) = 0;

  // Blocks up to `max_wait` until something changes and returns the changes: state
  // transitions (kRunning) and ends (kFinished/kFailed/kCanceled; each job ends once).
  // Returns early (possibly empty) after wakeup().
  virtual std::vector<JobEvent> poll(std::chrono::milliseconds max_wait) = 0;

  // Asks the job to stop (SIGTERM to its process group, then SIGKILL after a grace
  // period; scancel for Slurm). Its end is reported by poll() as kCanceled.
  // Unknown or finished ids are ignored. Thread-safe.
  virtual void cancel(const std::string& id) = 0;

  // Makes a blocked poll() return. Thread-safe.
  virtual void wakeup() = 0;

  // Takes over a job that an earlier runnel process started and left running (a server
  // restarted while a Slurm job ran): `spec` names it for this process (id, working_dir,
  // logs, timeout), `backend_job_id` is the backend's id of the job and `previous_id` the
  // LaunchSpec id it was launched under. poll() then reports it like a launched job.
  // Returns false when this backend cannot (local processes die with their engine).
  virtual bool attach(const LaunchSpec& /*spec*/, const std::string& /*backend_job_id*/,
                      const std::string& /*previous_id*/) {
    return false;
  }

  // A file descriptor that is readable whenever poll(0) has something to report (a job
  // started or ended, a timer is due), so that one scheduler can wait on many backends
  // with epoll. Owned by the backend, valid for its life. -1: the backend has no such fd
  // (it asks an external system, as Slurm does); the scheduler then calls poll(0) every
  // poll_interval() while it has jobs in flight.
  virtual int event_fd() const { return -1; }
  virtual std::chrono::milliseconds poll_interval() const { return std::chrono::milliseconds(500); }
};

}  // namespace runnel
