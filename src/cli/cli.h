// cli/cli.h: what every `runnel` subcommand file shares.
//
// One file per subcommand (cmd_run.cc, cmd_runs.cc, ...); each defines one
// `register_<name>(CLI::App& app, CliGlobals& g)` that adds its subcommand and a callback.
// Callbacks throw runnel::Error for bad input (exit 2) or ExitWith to set the code.
// Single-threaded (the CLI's main thread).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "runnel/workspace.h"

namespace runnel::cli {

constexpr int kExitOk = 0;
constexpr int kExitRunFailed = 1;  // a run failed or was canceled
constexpr int kExitUsage = 2;      // bad usage or bad input

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

// Prints `error: <message>` (first line) to stderr; further lines indented.
void print_error(const std::string& message);

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

}  // namespace runnel::cli
