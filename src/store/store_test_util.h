// store/store_test_util.h: helpers shared by the store's tests (a temporary folder and
// sample records). Test-only; not part of runnel_store.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "store/metadata_store.h"

namespace runnel::testing_store {

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string base = std::filesystem::temp_directory_path() / "runnel-store-XXXXXX";
    char* made = mkdtemp(base.data());
    if (made == nullptr) throw std::runtime_error("mkdtemp failed for " + base);
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline PipelineRunRecord sample_pipeline_run(const std::string& id, int64_t created_at,
                                             const std::string& experiment = "exp") {
  PipelineRunRecord r;
  r.id = id;
  r.experiment = experiment;
  r.status = RunStatus::kRunning;
  r.display_name = "run " + id;
  r.created_at = created_at;
  return r;
}

inline StepRunRecord sample_step_run(const std::string& id, const std::string& pipeline_run_id,
                                     const std::string& name, int64_t created_at) {
  StepRunRecord r;
  r.id = id;
  r.pipeline_run_id = pipeline_run_id;
  r.name = name;
  r.status = StepStatus::kQueued;
  r.created_at = created_at;
  return r;
}

}  // namespace runnel::testing_store
