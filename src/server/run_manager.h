// server/run_manager.h: the pipeline runs a server owns, many at once.
//
// submit() starts a PipelineExecution in this process and remembers it until it ends; a
// listener per run publishes its status changes to the EventHub. The ids of unfinished
// runs and their submit requests are kept in the metadata store ("server.active_runs:<root>",
// "server.submit.<id>"), so after a crash resume_orphans() submits each again: steps that
// finished are reused by fingerprint, steps killed with the server run again. The new run
// is tagged resumed_from=<old id> and the old one points to it ("server.resumed_as.<id>").
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/executor.h"
#include "runnel/workspace.h"
#include "server/event_hub.h"
#include "server/niced_pool.h"
#include "server/prom_metrics.h"

namespace runnel::server {

// The pipeline a SubmitRequest's `yaml` (+ `base_dir`) or `path` names, loaded; every
// local path it reads must be inside the workspace. `*stem` is the file's stem ("default"
// for text). Throws ApiError 400 naming the field, and the loader's errors.
PipelineSpec load_submitted_pipeline(const Workspace& ws, const nlohmann::json& request,
                                     std::string* stem);

class RunManager {
 public:
  // `metrics` (may be null) receives the duration of every step that ends.
  RunManager(Workspace ws, EventHub& hub, int max_parallel, ServerMetrics* metrics = nullptr);
  ~RunManager();  // cancels what still runs and waits for it

  // Validates and starts the pipeline described by `request` (the SubmitRequest JSON of
  // docs/api/openapi.json). Returns {run_id, experiment, status}. Throws ApiError 400
  // naming the field for bad input, Error(kNotFound) for a missing pipeline file, and
  // ApiError 503 while draining.
  // With set_submit_nice(), the work runs on a pool of threads at that nice value while the
  // caller waits (server/niced_pool.h).
  nlohmann::json submit(const nlohmann::json& request);
  // From now on submit() does its CPU work at nice `nice` (0: in the caller's thread).
  void set_submit_nice(int nice);
  // Asks a run of this server to stop. Returns false when this server does not run it.
  bool cancel(const std::string& run_id);
  bool is_active(const std::string& run_id) const;
  size_t active_count() const;
  // Steps of active runs by status (for /metrics and compute status).
  std::map<std::string, int> active_step_counts(const std::string& compute = "") const;
  // Submits again every run that the store says this server owned and that did not end.
  // Returns the (old id, new id) pairs.
  std::vector<std::pair<std::string, std::string>> resume_orphans();
  // Refuses new submits from now on (503).
  void stop_accepting();
  // Waits up to `grace` for active runs to end, then cancels the rest and waits for them.
  void drain(std::chrono::milliseconds grace);
  // The run this one was resumed as after a restart, "" if none.
  std::string resumed_as(const std::string& run_id) const;

  struct Tracked;

 private:
  void on_finished(const std::string& run_id);
  void reap_loop();
  void save_active_list();  // callers hold mu_
  std::string start(const nlohmann::json& request, const std::string& resumed_from,
                    nlohmann::json* answer);

  nlohmann::json submit_here(const nlohmann::json& request);

  Workspace ws_;
  EventHub& hub_;
  int max_parallel_;
  ServerMetrics* metrics_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Tracked>> active_;
  bool accepting_ = true;
  std::set<std::string> ended_early_;  // ended before start() tracked them
  // Runs that ended, to be destroyed by the reaper thread (guarded by reap_mu_, never
  // taken while holding mu_ ... the other way round is fine). Not while pinned_ > 0.
  std::mutex reap_mu_;
  std::condition_variable reap_cv_;
  std::vector<std::string> finished_;
  int pinned_ = 0;
  bool stopping_ = false;
  std::thread reaper_;
  // Last: destroyed first, so its workers are joined while what they use still exists.
  std::unique_ptr<NicedPool> submit_pool_;  // set before serving; null: submit in the caller
};

}  // namespace runnel::server
