// exec/slurm_commands.h: the pure half of the Slurm backend: the configuration,
// building the sbatch command line and the job script, and parsing what squeue,
// scontrol, sacct and sinfo print. Nothing here runs a process, so all of it is
// unit-tested without Slurm.
//
// Output formats parsed (Slurm 22.05, also older/newer releases):
//   squeue -h -t all -j ID,... -O 'JobArrayID:|,State:|,Reason:|,exit_code:|'
//       "12|FAILED|NonZeroExitCode|768|"   (exit_code is a raw wait status: 768
//       = exit 3); a job array's tasks as "13_0|RUNNING|...", its pending ones as
//       "13_[1-4%2]|PENDING|..." (JobID would print each task's own job id instead)
//   scontrol -o show job ID      "JobId=12 ... JobState=FAILED Reason=...
//   ExitCode=3:0 ..." sacct -n -X -P -j ID,... -o JobID,State,ExitCode,Reason
//   "12|CANCELLED by 0|0:15|None" sinfo -h -N -o '%N|%P|%T|%c|%m|%G|%C|%E'
//   "vm|debug*|idle|8|24105|(null)|0/8/0/8|none"
// Thread-safety: free functions on values; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exec/compute_backend.h"
#include "spec/command_template.h"  // shell_quote

namespace runnel {

// How runnel uses one Slurm cluster (a `slurm` compute target).
struct SlurmConfig {
  std::string partition;         // -p; "" = the cluster's default partition
  int max_concurrent_jobs = 64;  // jobs submitted at once; more wait inside the backend
  std::string account;           // -A; "" = none
  std::string qos;               // --qos; "" = none
  std::vector<std::string> extra_sbatch_flags;  // appended to every sbatch, e.g. {"--exclusive"}
  Resources default_resources;                  // used for every field a step leaves at 0
  int poll_interval_ms = 500;                   // at most one squeue call per interval for all jobs
  // Where job scripts and exit-code files go; "" = each job's working folder.
  std::string scripts_dir;
  // Put before every Slurm command, e.g. {"ssh", "login-node"} or a test
  // wrapper; {} = none.
  std::vector<std::string> command_prefix;
  int command_timeout_ms = 30000;  // one Slurm command may take this long before it is killed
  // Slurm failing to answer (every squeue failing) for this long ends all jobs
  // kFailed.
  int unresponsive_timeout_ms = 60000;
  // A job missing from squeue this long (and unknown to sacct/scontrol) ends
  // kFailed.
  int vanish_grace_ms = 30000;
};

// Reads a compute target's JSON configuration, e.g.
//   {"partition":"gpu","max_concurrent_jobs":100,"account":"ml","qos":"normal",
//    "extra_sbatch_flags":["--exclusive"],"poll_interval_ms":500,"scripts_dir":"/shared/x",
//    "default_resources":{"cpus":4,"memory_mb":8000,"gpus":1,"time_limit_s":3600,"nodes":1},
//    "command_timeout_ms":30000,"unresponsive_timeout_ms":60000,"vanish_grace_ms":30000}
// Every key is optional; "" or "{}" gives the defaults. Throws Error(kInvalidArgument)
// naming the key for an unknown key, a wrong type or a non-positive count.
SlurmConfig parse_slurm_config(const std::string& json);

// The fields of a Slurm job that the backend acts on.
struct SlurmJobStatus {
  std::string job_id;  // "12"
  std::string state;   // "RUNNING", "FAILED", "CANCELLED" (sacct's "CANCELLED by
                       // 0" trimmed)
  std::string reason;  // squeue/scontrol Reason ("None", "NonZeroExitCode", ...)
  int exit_code = -1;  // -1 when unknown
  int signal = 0;      // the signal that ended the job's script, 0 if none
};

// What a Slurm state means for runnel.
struct SlurmStateMapping {
  JobState state = JobState::kQueued;
  bool terminal = false;  // the job has ended; no later state follows
  bool timed_out = false;
  std::string reason;  // for kFailed/kCanceled: e.g. "out of memory (OUT_OF_MEMORY)"
};

// Maps a job's status. Unknown states count as still active (kQueued), so a
// newer Slurm with a new transient state never ends a job early.
SlurmStateMapping map_slurm_state(const SlurmJobStatus& s);

// Parses `squeue ... -O 'JobID:|,State:|,Reason:|,exit_code:|'` (or `-o
// '%i|%T|%r'`) output. Skips lines it cannot read.
std::vector<SlurmJobStatus> parse_squeue_output(std::string_view text);

// Parses one `scontrol -o show job` line; nullopt when it holds no JobId=.
// Anchors on " JobId=" so that ArrayJobId= is not taken for it.
std::optional<SlurmJobStatus> parse_scontrol_job(std::string_view line);

// Parses `sacct -n -X -P -o JobID,State,ExitCode,Reason` output.
std::vector<SlurmJobStatus> parse_sacct_output(std::string_view text);

// A job array element as squeue, sacct and scontrol name it: "123_4" -> {"123", {4}};
// "123_[5-9%2]" -> {"123", {5..9}}; "123_[1,3-5]" -> {"123", {1, 3, 4, 5}}. nullopt for a
// plain job id ("123") or anything else.
struct SlurmArrayElement {
  std::string array_job_id;
  std::vector<int> tasks;
};
std::optional<SlurmArrayElement> parse_array_element(std::string_view job_id);

// The file of array task `task` for a job file `path` (its log or exit-code file):
// "PATH.task-N". Slurm writes the logs there through `-o PATH.task-%a`.
std::string array_task_file(const std::string& path, int task);

// Where a job array's tasks find RUNNEL_ARRAY_STATE (the parallel driver's plan summary and
// verdict, JSON): "EXITFILE.array.json" for the job's exit-code file EXITFILE.
std::string array_state_file(const std::string& exit_code_path);

// "3:0" -> {3, 0}; "0:9" -> {0, 9}; nullopt when malformed.
std::optional<std::pair<int, int>> parse_exit_code_pair(std::string_view s);

// --time value: seconds rounded UP to whole minutes (Slurm's unit), as
// "HH:MM:SS" or "D-HH:MM:SS". 30 -> "00:01:00", 3600 -> "01:00:00", 90000 ->
// "1-01:00:00".
std::string format_slurm_time(int seconds);

// --mem value: "2048M".
std::string format_slurm_memory(int64_t mb);

// A path for sbatch -o/-e: '%' doubled, because Slurm expands %j and friends in
// them.
std::string escape_slurm_filename(std::string_view path);

// True for a name that `export NAME=...` accepts.
bool is_valid_env_name(std::string_view name);

// The step's resources with each 0 field taken from `defaults`; a timeout_s
// with no time_limit_s asks Slurm for the timeout plus one minute (the backend
// enforces the exact timeout itself, Slurm is the backstop).
Resources effective_resources(const LaunchSpec& spec, const Resources& defaults);

// The full sbatch argv (command_prefix included) that submits `script_path` for
// `spec`. With spec.array_tasks = W > 0: one job array, --array=0-(W-1), each task's
// stdout/stderr in array_task_file(stdout_path/stderr_path, task).
std::vector<std::string> build_sbatch_argv(const SlurmConfig& config, const LaunchSpec& spec,
                                           const Resources& resources,
                                           const std::string& script_path);

// The text of the batch script: cd to the working folder, export the env, run
// `/bin/sh -c COMMAND`, write the exit code to `exit_code_path` (atomically),
// exit with it (a job array's task: to array_task_file(exit_code_path, task), with
// RUNNEL_ARRAY_STATE=array_state_file(exit_code_path) exported).
// Throws invalid_argument for an env name that the shell cannot
// export.
std::string build_job_script(const LaunchSpec& spec, const std::string& exit_code_path);

// True when a Slurm command's stderr says the controller cannot be reached (as
// opposed to rejecting the request).
bool is_slurm_unreachable_error(std::string_view err);

// sinfo, one node per line.
struct SlurmNodeStatus {
  std::string name;
  std::string partition;  // without the default marker '*'
  bool default_partition = false;
  std::string state;  // "idle", "mixed", "allocated", "down*", "drained", ...
  int cpus = 0;
  int64_t memory_mb = 0;
  std::string gres;  // "" when none
  int cpus_allocated = 0, cpus_idle = 0, cpus_other = 0, cpus_total = 0;
  std::string reason;  // "" when none
};
std::vector<SlurmNodeStatus> parse_sinfo_nodes(std::string_view text);

// The JSON report of `slurm_status_report` built from parsed nodes (see
// slurm_backend.h).
std::string build_status_json(const std::string& partition,
                              const std::vector<SlurmNodeStatus>& nodes);

}  // namespace runnel
