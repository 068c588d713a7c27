// The one mapping between statuses and their text (runnel/status.h).
#include "runnel/status.h"

#include <array>
#include <utility>

namespace runnel {
namespace {

constexpr std::array<std::pair<StepStatus, const char*>, 8> kStepNames{{
    {StepStatus::kNotStarted, "NotStarted"},
    {StepStatus::kQueued, "Queued"},
    {StepStatus::kPreparing, "Preparing"},
    {StepStatus::kRunning, "Running"},
    {StepStatus::kFinished, "Finished"},
    {StepStatus::kFailed, "Failed"},
    {StepStatus::kCanceled, "Canceled"},
    {StepStatus::kReused, "Reused"},
}};

constexpr std::array<std::pair<RunStatus, const char*>, 5> kRunNames{{
    {RunStatus::kNotStarted, "NotStarted"},
    {RunStatus::kRunning, "Running"},
    {RunStatus::kFinished, "Finished"},
    {RunStatus::kFailed, "Failed"},
    {RunStatus::kCanceled, "Canceled"},
}};

template <typename E, size_t N>
const char* name_of(const std::array<std::pair<E, const char*>, N>& names, E value) {
  for (const auto& [v, text] : names)
    if (v == value) return text;
  return "Unknown";
}

template <typename E, size_t N>
std::optional<E> value_of(const std::array<std::pair<E, const char*>, N>& names,
                          std::string_view text) {
  for (const auto& [v, t] : names)
    if (text == t) return v;
  return std::nullopt;
}

}  // namespace

const char* to_string(StepStatus s) { return name_of(kStepNames, s); }
const char* to_string(RunStatus s) { return name_of(kRunNames, s); }

std::optional<StepStatus> parse_step_status(std::string_view text) {
  return value_of(kStepNames, text);
}
std::optional<RunStatus> parse_run_status(std::string_view text) {
  return value_of(kRunNames, text);
}

bool is_final(StepStatus s) {
  return s == StepStatus::kFinished || s == StepStatus::kFailed || s == StepStatus::kCanceled ||
         s == StepStatus::kReused;
}
bool is_final(RunStatus s) {
  return s == RunStatus::kFinished || s == RunStatus::kFailed || s == RunStatus::kCanceled;
}

}  // namespace runnel
