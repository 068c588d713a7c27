// exec/job_state.cc: names of job states. A job state's text is the step status it maps
// to, so the one mapping to text (runnel/status.h) serves both.
#include "exec/compute_backend.h"
#include "runnel/status.h"

namespace runnel {

const char* to_string(JobState s) {
  switch (s) {
    case JobState::kQueued:
      return to_string(StepStatus::kQueued);
    case JobState::kRunning:
      return to_string(StepStatus::kRunning);
    case JobState::kFinished:
      return to_string(StepStatus::kFinished);
    case JobState::kFailed:
      return to_string(StepStatus::kFailed);
    case JobState::kCanceled:
      return to_string(StepStatus::kCanceled);
  }
  return "Unknown";
}

}  // namespace runnel
