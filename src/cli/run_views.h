// cli/run_views.h: the views of recorded runs that more than one subcommand prints:
// `runs list|show|cancel` and `logs` (their own files) and the `job` verbs (cmd_job.cc).
// Single-threaded (the CLI's main thread).
#pragma once

#include <string>

#include "cli/cli.h"

namespace runnel::cli {

// `runs list`: the newest `limit` runs (of `experiment`, "" = all) as a table, or as a JSON
// array when `output` is "json" (cmd_runs.cc).
void list_runs(CliGlobals& g, const std::string& experiment, int limit, const std::string& output);

// `runs show`: a run (id or prefix, "" = the latest) with its steps, as text or its JSON
// (run_json.h) when `output` is "json" (cmd_runs.cc).
void show_run(CliGlobals& g, const std::string& id, const std::string& output);

// `logs`: the stdout and stderr of one step (`step`) or of every step; with `follow`, keeps
// printing until the steps or the run end (cmd_logs.cc).
void show_logs(CliGlobals& g, const std::string& run_id, const std::string& step, bool follow,
               bool only_stderr);

// `runs cancel`: asks the server (when one is up), else the run's own runnel process, to
// cancel run `id`. Throws Error(kInvalidArgument) when the run already ended and
// Error(kUnavailable) when nothing can cancel it (cmd_serve.cc).
void cancel_run(CliGlobals& g, const std::string& id, const std::string& server_url);

}  // namespace runnel::cli
