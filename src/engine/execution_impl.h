// engine/execution_impl.h: the state behind a PipelineExecution (internal).
//
// One run inside the Engine (engine/engine.h). After submission only the engine's
// scheduler thread calls the driving methods (start, pump, on_backend_ready, on_timers,
// finish) and changes step state; it holds `mu` while it does, and callers read copies
// under `mu`. Steps are addressed by index: producers, consumers and the inputs that come
// from other steps are resolved once, in resolve().
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/stat_cache.h"
#include "engine/environment.h"
#include "engine/executor.h"
#include "engine/fingerprint.h"
#include "env/image.h"
#include "exec/compute_backend.h"
#include "snapshot/snapshot.h"
#include "spec/pipeline_spec.h"
#include "store/metadata_store.h"

namespace runnel {

// Per-step bookkeeping of the scheduler.
struct StepSlot {
  StepState state;
  std::vector<int> deps;        // indices of steps this one waits for
  std::vector<int> dependents;  // indices of steps waiting for this one
  int remaining_deps = 0;
  bool launched = false;
  bool ended = false;           // reached a final status
  bool end_unrecorded = false;  // ended, but the store could not record it (fail_run retries)
  bool force_run = false;       // --regenerate-outputs / --rerun / allow_reuse false
  bool finalize = false;        // a step of settings.on_finalize (PipelineSpec::finalize_steps)
  std::string backend_name;     // key into Impl::backends
  std::string staging_root;     // <datastore>/.staging/<step_run_id>
  std::string commit_root;      // <datastore>/runs/<step_run_id>
  std::map<std::string, std::string> output_paths;  // name -> path the step writes
  nlohmann::json fingerprint;                       // components (see engine/fingerprint.h)
  std::string fingerprint_digest;
  bool fingerprinted = false;
  std::optional<StepRunRecord> reuse;  // the earlier step run to take, when decided
  nlohmann::json reuse_committed;      // its committed outputs' digests (parsed once)
  std::string run_reason;              // why it runs (for the decision line and `why`)
  std::string claim_key;               // kv key held while this step computes
  std::string waiting_on;              // another step run computing the same fingerprint
  std::string waiting_on_step;         // its step's name when it is in this run, else ""
  std::string cancel_reason;           // why the engine asked the backend to cancel it
  std::string snapshot_archive;        // the code snapshot the step runs from
  std::map<std::string, DataDigest> output_digests;  // committed outputs' content
  nlohmann::json tags = nlohmann::json::object();
  int64_t log_offset[2] = {0, 0};  // bytes of stdout/stderr already streamed
  std::string log_partial[2];      // an unfinished last line
  int attempt = 0;
  bool in_ready = false;            // queued in Impl::ready_
  std::vector<int> input_producer;  // per spec input: index of the producing step, or -1
  env::ImageDecision image;         // its environment's image on its compute (env/image.h)
};

class Engine;

// The datastore path of an output: {run-id}/{output-name} (and ${{name}} /
// ${{output_name}}) replaced. engine/output_dest.cc.
std::string expand_output_path(const std::string& pattern, const std::string& step_run_id,
                               const std::string& output_name);

class PipelineExecution::Impl {
 public:
  Impl(const Workspace& ws, PipelineSpec spec, const ExecutionOptions& options,
       RunListener* listener, BackendFactory factory);

  void resolve();            // environments, computes and the graph; throws on bad input
  void record_submission();  // the run and its step runs in the store; decisions
  void request_cancel();     // any thread; the engine acts on it at its next turn

  // Driving, from the engine's scheduler thread only (engine/run_driver.cc). None of them
  // throws: an error while driving ends the run Failed with the reason recorded (or logged
  // when the store itself is what fails).
  void start();                              // Running, and the first ready steps
  void pump();                               // decide, reuse and launch ready steps
  void on_backend_ready(ComputeBackend& b);  // its event fd is readable: poll(0)
  void on_timers(std::chrono::steady_clock::time_point now);  // fd-less backends, logs, claims
  // When the engine must call on_timers next (time_point::max() = no timer).
  std::chrono::steady_clock::time_point next_timer() const;
  bool has_ready() const { return !ready_.empty() && !stop_launching_; }
  bool complete() const;                             // nothing in flight and nothing can start
  void finish();                                     // the final status; wakes waiters
  void claims_changed() { recheck_claims_ = true; }  // a claim was released in this process
  std::vector<ComputeBackend*> backend_list();
  Engine* engine = nullptr;

  Workspace ws;
  PipelineSpec spec;
  ExecutionOptions options;
  RunListener* listener;
  BackendFactory factory;
  // Compute targets named but not registered: true when their steps run on local instead.
  std::map<std::string, bool> unknown_computes_;

  std::string run_id;
  std::string experiment;
  std::string run_dir;
  int64_t created_at = 0;

  mutable std::mutex mu;
  std::condition_variable cv;
  RunStatus status = RunStatus::kNotStarted;
  bool done = false;
  std::vector<StepSlot> steps;
  std::atomic<bool> cancel_requested{false};
  std::mutex listener_mu;

 private:
  // engine/reuse.cc
  void take_snapshots();
  bool inputs_known(int i) const;
  enum class Claim { kMine, kBusy, kDoneElsewhere };
  Claim claim(int i, bool ignore_finished);             // kBusy: another live run computes it now
  void check_dataset_input(const StepInput& in) const;  // registered, mode and type fit
  void check_dataset_inputs() const;                    // all steps; errors name the YAML line
  void compute_fingerprint(int i);
  void decide(int i);
  void take_reuse(int i);
  void release_claim(int i);
  void record_output_digests(int i);
  // engine/destinations.cc: StepSpec::destinations, recorded when a step finishes and
  // checked before its run is reused.
  nlohmann::json destination_state(const DatastoreDestination& d);  // throws Error
  void record_destination_states(int i);  // throws Error naming the destination
  // Why candidate `cand` cannot be reused for step i because of a destination ("" when
  // every one holds what cand recorded); `now` caches the current states across candidates.
  std::string destinations_problem(int i, const StepRunRecord& cand,
                                   std::map<std::string, nlohmann::json>* now);
  // engine/output_dest.cc
  void move_to_destinations(int i);
  void register_outputs(int i);
  // engine/step_lifecycle.cc
  void prepare_and_launch(int i);
  // Re-attaches step i to the Slurm job of an earlier step run of the same fingerprint
  // whose engine died while the job ran (reconcile.h); true when it did (or failed it).
  bool try_reattach(int i);
  void handle_event(int i, const JobEvent& ev);
  void retry(int i, const std::string& reason);  // a failed attempt within max_retries
  void commit_outputs(int i);                    // throws Error naming what could not be committed
  void discard_outputs(int i);
  void ingest_metrics(int i);
  void stream_logs(int i, bool final);
  // engine/execution_impl.cc
  void set_status(int i, StepStatus status, const std::string& reason = "");
  // `stops_run`: a step ending Canceled that counts as a failure of the run (it ran longer
  // than its timeout): its dependents are not started, and the run ends Failed.
  void end_step(int i, StepStatus status, const std::string& reason, bool stops_run = false);
  void fail_downstream(int i);
  // settings.on_finalize (run_driver.cc): whether step i is kept back from a failure's
  // cancellation, to run once the others have ended; whether that moment has come; start it.
  bool held_for_finalize(int i) const;
  bool finalize_due() const;
  void start_finalize();
  void cancel_all(const std::string& reason);
  void persist_step(int i);
  void notify(int i);
  bool continue_on_failure() const;
  ComputeBackend& backend_of(int i);
  void enqueue_ready(int i);
  void try_launch(int i);
  void handle_events(const std::vector<JobEvent>& events);
  void fail_run(const std::string& why);  // an engine error: stop everything, record why
  void guarded(const char* what, const std::function<void()>& fn);

  bool has_remote_datastore_ = false;  // an object-store datastore is configured (resolve)
  std::unique_ptr<StatCache> stat_cache_;
  std::map<std::string, SnapshotInfo> snapshots_;     // by code folder
  std::map<std::string, DataDigest> path_digests_;    // local input paths, by path
  std::map<std::string, ResolvedEnvironment> envs_;   // by environment name
  std::map<std::string, env::ImageDecision> images_;  // by environment name + "\n" + backend type
  std::map<std::string, std::unique_ptr<ComputeBackend>> backends_;  // by compute name
  std::map<std::string, int> running_per_backend_;
  std::map<std::string, int> job_index_;  // step run id -> step index
  std::string failed_step_;               // the first step that failed (or timed out)
  std::string failed_reason_;             // how it ended, when that was not a failure
  bool stop_launching_ = false;
  bool canceled_ = false;  // cancel_all ran for a cancel request
  bool started_ = false;
  bool finalize_started_ = false;            // the on_finalize steps were released (start_finalize)
  std::string engine_error_;                 // why the engine failed this run, "" if it did not
  std::optional<PipelineRunRecord> record_;  // the run's row, updated at start and end
  std::deque<int> ready_;                    // steps whose dependencies ended and that may start
  std::map<std::string, std::deque<int>> waiting_capacity_;  // by backend: ready, no slot
  std::vector<int> waiting_claim_;  // ready, another run computes the same fingerprint
  bool recheck_claims_ = false;
  std::chrono::steady_clock::time_point next_claim_check_{};
  std::chrono::steady_clock::time_point next_log_stream_{};
  std::map<std::string, std::chrono::steady_clock::time_point> next_poll_;  // fd-less backends
};

}  // namespace runnel
