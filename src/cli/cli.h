// cli/cli.h: what every `runnel` subcommand file shares.
//
// One file per subcommand (cmd_run.cc, cmd_runs.cc, ...); each defines one
// `register_<name>(CLI::App& app, CliGlobals& g)` that adds its subcommand and a callback.
// Callbacks throw runnel::Error for bad input (exit 2) or ExitWith to set the code.
// Single-threaded (the CLI's main thread).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "runnel/error.h"
#include "runnel/workspace.h"
#include "spec/pipeline_spec.h"

namespace runnel::cli {

// Exit codes (README "Exit codes"): main() maps every error to one of these.
constexpr int kExitOk = 0;
constexpr int kExitRunFailed = 1;    // a run failed or was canceled
constexpr int kExitUsage = 2;        // bad usage or bad input (also not found, already exists)
constexpr int kExitUnavailable = 3;  // a service did not answer (Slurm, a database, a server)
constexpr int kExitInternal = 4;     // a bug in runnel

struct CliGlobals {
  std::string workspace;  // --workspace DIR ("" = RUNNEL_WORKSPACE or walk up)
  bool color = true;      // false with --no-color, NO_COLOR, or when stdout is not a TTY
  int exit_code = kExitOk;
};

// Thrown by a callback to end the program with `code` after printing nothing more.
struct ExitWith {
  int code;
};

// Opens the workspace for a command (Workspace::from_config(g.workspace)).
Workspace open_workspace(const CliGlobals& g);

// Loads the pipeline file (spec/yaml_loader.h) and prints its warnings and notes to stderr.
// `strict` (--strict): keys Azure ML only warns about are errors.
PipelineSpec load_pipeline_file(const std::string& file, bool strict);

// Prints `error: <message>` (first line) to stderr; further lines indented.
void print_error(const std::string& message);

// The exit code for an error of `code` (kUnavailable -> 3, kInternal -> 4, kCancelled -> 1,
// the rest -> 2).
int exit_code_for(ErrorCode code);

// Throws Error(kInvalidArgument) "<flag> <value>: must be at least <min> (<what>)" when
// value < min.
void check_at_least(int64_t value, int64_t min, const std::string& flag, const std::string& what);

// Throws Error(kInvalidArgument) unless `name` is 1-64 letters, digits, '-', '_' or '.',
// starting with a letter or digit. `kind` names it in the message ("compute").
void check_name(const std::string& name, const std::string& kind);

void register_init(CLI::App& app, CliGlobals& g);
void register_run(CLI::App& app, CliGlobals& g);
void register_plan(CLI::App& app, CliGlobals& g);
void register_runs(CLI::App& app, CliGlobals& g);
void register_logs(CLI::App& app, CliGlobals& g);
void register_metrics(CLI::App& app, CliGlobals& g);
void register_env(CLI::App& app, CliGlobals& g);
void register_compute(CLI::App& app, CliGlobals& g);
void register_why(CLI::App& app, CliGlobals& g);
void register_dataset(CLI::App& app, CliGlobals& g);    // cmd_dataset.cc
void register_datastore(CLI::App& app, CliGlobals& g);  // cmd_datastore.cc
void register_serve(CLI::App& app, CliGlobals& g);      // cmd_serve.cc (also `runs cancel`)
void register_token(CLI::App& app, CliGlobals& g);      // cmd_token.cc
void register_component(CLI::App& app, CliGlobals& g);  // cmd_component.cc
void register_data(CLI::App& app, CliGlobals& g);       // cmd_data.cc
void register_model(CLI::App& app, CliGlobals& g);      // cmd_model.cc
void register_job(CLI::App& app, CliGlobals& g);        // cmd_job.cc (az ml job verbs)

}  // namespace runnel::cli
