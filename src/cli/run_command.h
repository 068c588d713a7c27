// cli/run_command.h: submitting a pipeline file and following it to its end, shared by
// `runnel run FILE` (cmd_run.cc) and `runnel job create -f FILE` (cmd_job.cc).
// Single-threaded (the CLI's main thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace runnel::cli {

struct RunArgs {
  std::string file;
  std::string experiment;          // -e: over the file's experiment_name
  std::string default_experiment;  // when neither names one; "" = the file's stem
  std::string display_name;        // over the file's display_name; "" = the file's
  std::string run_id;              // `job create --name`; "" = a new id
  int jobs = 0;
  bool regenerate = false;
  std::string output = "text";
  bool stream = false;
  std::string compute;
  std::vector<std::string> rerun;
  std::vector<std::string> tags;
  std::vector<std::string> sets;  // --set NAME=VALUE
  bool continue_on_failure = false;
  bool accept_changed = false;
  std::string snapshot_max_bytes;  // a size (core/units.h); "" = the workspace config's
  int64_t snapshot_max_files = 0;
  std::string server;   // --server URL
  bool strict = false;  // --strict: unknown settings are errors
};

// Submits `a.file` (to the workspace's server when one is up and the file lies inside the
// workspace, else in this process) and follows it until it ends: text shows the steps
// (live on a TTY) and a summary; json prints "Submitted PipelineRun <id>" to stderr at
// submit and the run's JSON (run_json.h) at the end. Sets g.exit_code: 0 finished, 1 failed
// or canceled. Throws Error for a bad file or flag, before anything runs; and
// Error(kAlreadyExists) when `a.run_id` names an existing run.
void run_command(const RunArgs& a, CliGlobals& g);

}  // namespace runnel::cli
