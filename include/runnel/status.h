// runnel/status.h: the statuses of pipeline runs and step runs, as typed values.
//
// Statuses are the SDK's (`"Finished"`, `"Failed"`, ...) but travel through runnel as
// `enum class` values; the text exists only at the edges (JSON, SQL, CLI, Python), and
// to_string()/parse_*() below are the one mapping between the two.
//
// @code
//   runnel::RunStatus s = run.status();
//   if (runnel::is_final(s)) std::cout << runnel::to_string(s);   // "Finished"
// @endcode
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace runnel {

// A step run's status. Reused: its outputs were taken from an earlier step run.
enum class StepStatus {
  kNotStarted,
  kQueued,
  kPreparing,
  kRunning,
  kFinished,
  kFailed,
  kCanceled,
  kReused
};

// A pipeline run's status.
enum class RunStatus { kNotStarted, kRunning, kFinished, kFailed, kCanceled };

// The SDK's text: "NotStarted", "Queued", "Preparing", "Running", "Finished", "Failed",
// "Canceled", "Reused". The returned pointer is static.
const char* to_string(StepStatus s);
const char* to_string(RunStatus s);

// The inverse of to_string; nullopt for any other text (callers say where it came from).
std::optional<StepStatus> parse_step_status(std::string_view text);
std::optional<RunStatus> parse_run_status(std::string_view text);

// True for the statuses a run or step never leaves: Finished, Failed, Canceled (and
// Reused for steps).
bool is_final(StepStatus s);
bool is_final(RunStatus s);

}  // namespace runnel
