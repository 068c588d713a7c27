// exec/slurm_command_runner.h: runs the Slurm client commands (sbatch, squeue,
// scancel, sacct, scontrol, sinfo, srun) as argv vectors, never through a
// shell, with a time limit.
//
// CommandRunner is the test seam of the Slurm backend: the unit tests hand it a
// fake that answers like Slurm would (or does not answer at all).
// ProcessCommandRunner is the real one. Thread-safety:
// ProcessCommandRunner::run() may be called from several threads at once.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace runnel {

// What one command did.
struct CommandResult {
  int exit_code = -1;         // the exit status; -1 when it did not exit normally
  int signal = 0;             // the signal that ended it (SIGKILL after a timeout), 0 if none
  bool timed_out = false;     // true when it ran past the limit and was killed
  bool spawn_failed = false;  // true when it could not be started at all (not installed)
  std::string out;            // its stdout
  std::string err;            // its stderr, or why it could not be started
  bool ok() const { return exit_code == 0 && !timed_out && !spawn_failed; }
  // One line for messages: "exit 1: <stderr>", "timed out after 30 s", "not
  // found: sbatch".
  std::string describe() const;
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs argv[0] (looked up in PATH) with the given arguments, stdin from
  // /dev/null, and returns what it printed. Never throws for a failing command:
  // the result says so. Blocks until it exits or `timeout` passes (then its
  // process group is killed).
  virtual CommandResult run(const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout) = 0;
};

// Runs commands as child processes (posix_spawnp, own process group, pipes read
// with poll()).
class ProcessCommandRunner : public CommandRunner {
 public:
  CommandResult run(const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout) override;
};

}  // namespace runnel
