// exec/job_state.cc: names of job states, as the SDK's users know run statuses.
#include "exec/compute_backend.h"

namespace runnel {

const char* job_state_name(JobState s) {
  switch (s) {
    case JobState::kQueued:
      return "Queued";
    case JobState::kRunning:
      return "Running";
    case JobState::kFinished:
      return "Finished";
    case JobState::kFailed:
      return "Failed";
    case JobState::kCanceled:
      return "Canceled";
  }
  return "Unknown";
}

}  // namespace runnel
