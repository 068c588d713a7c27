// env/tool.h: runs an external tool (python, pip, conda) to completion with a time limit,
// capturing what it prints. Used to check interpreters and to build environments.
//
// The child gets no shell: argv[0] is looked up on PATH, and the arguments are passed as
// they are. Thread-safety: run_tool() keeps no state and may be called from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace runnel::env {

struct ToolResult {
  bool started = false;    // false: the program could not be run (`output` says why)
  bool timed_out = false;  // killed after the time limit
  int exit_code = -1;      // when it exited; -1 when killed by a signal
  std::string output;      // stdout and stderr interleaved (the last 64 KiB)
  bool ok() const { return started && !timed_out && exit_code == 0; }
};

struct ToolOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};
  std::map<std::string, std::string> env;  // added to (or replacing in) the inherited environment
  std::vector<std::string> unset_env;      // removed from the inherited environment
  std::string log_path;                    // when set, everything printed is also appended there
  // Called with each chunk printed (for live progress); may be empty.
  std::function<void(std::string_view)> on_output;
};

// Runs argv to completion (or kills its process group at the time limit). Never throws
// for a failing tool; throws Error(kIo) only when no pipe or process can be made at all.
ToolResult run_tool(const std::vector<std::string>& argv, const ToolOptions& options = {});

// Checks that `python` is a working Python interpreter by running it with
// `-c 'import sys; print(sys.version)'` (10 s limit). Returns the version ("3.11.2").
// Throws Error(kInvalidArgument) naming `key`, what happened and what to pass instead.
std::string check_python(const std::string& python, const std::string& key);

// The last `n` lines of `text`.
std::string tail_of(const std::string& text, size_t n);

}  // namespace runnel::env
