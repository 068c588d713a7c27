// exec/slurm_test_util.h: helpers shared by the Slurm backend tests (temp
// folders, job specs, waiting for jobs to end). Test-only; not thread-safe.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "exec/compute_backend.h"

namespace runnel {
namespace testing_slurm {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("runnel-slurm-test-" + std::to_string(getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

inline LaunchSpec spec_in(const TempDir& dir, const std::string& id, const std::string& command) {
  LaunchSpec s;
  s.id = id;
  s.job_name = "runnel-test-" + id;
  s.command = command;
  s.working_dir = dir.str();
  s.stdout_path = dir.str() + "/" + id + ".out";
  s.stderr_path = dir.str() + "/" + id + ".err";
  return s;
}

// Polls until every id in `ids` has ended or `limit` passes (a guard against
// hangs, not a timing assertion). Returns the final event of each job.
inline std::map<std::string, JobEvent> wait_all(ComputeBackend& b, const std::set<std::string>& ids,
                                                seconds limit = seconds(100)) {
  std::map<std::string, JobEvent> ended;
  auto stop = Clock::now() + limit;
  while (ended.size() < ids.size() && Clock::now() < stop) {
    for (const JobEvent& e : b.poll(milliseconds(1000))) {
      if (e.state != JobState::kRunning && e.state != JobState::kQueued) {
        EXPECT_FALSE(ended.count(e.id)) << "job ended twice: " << e.id;
        ended[e.id] = e;
      }
    }
  }
  return ended;
}

}  // namespace testing_slurm
}  // namespace runnel
