// PipelineExecution::Impl: submission and the scheduling loop.
#include "engine/execution_impl.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <future>
#include <iostream>
#include <set>
#include <thread>
#include <tuple>

#include "core/fs.h"
#include "core/ids.h"
#include "engine/backends.h"
#include "engine/engine.h"
#include "engine/environment.h"
#include "engine/git_info.h"
#include "engine/process_identity.h"
#include "engine/reconcile.h"
#include "env/build.h"
#include "runnel/error.h"
#include "spec/spec_json.h"
#include "spec/validate.h"
#include "store/metadata_store.h"

using nlohmann::json;

namespace runnel {

PipelineExecution::Impl::Impl(const Workspace& w, PipelineSpec s, const ExecutionOptions& o,
                              RunListener* l, BackendFactory f)
    : ws(w), spec(std::move(s)), options(o), listener(l), factory(std::move(f)) {}

bool PipelineExecution::Impl::continue_on_failure() const {
  return options.continue_on_step_failure.value_or(spec.continue_on_step_failure);
}

void PipelineExecution::Impl::resolve() {
  experiment = !options.experiment.empty()     ? options.experiment
               : !spec.experiment_name.empty() ? spec.experiment_name
                                               : "Default";
  std::string default_compute = !options.default_compute.empty() ? options.default_compute
                                : !spec.default_compute.empty()  ? spec.default_compute
                                                                 : "local";
  std::map<std::string, int> index;
  for (size_t i = 0; i < spec.steps.size(); ++i) index[spec.steps[i].name] = static_cast<int>(i);
  steps.resize(spec.steps.size());
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const StepSpec& st = spec.steps[i];
    StepSlot& slot = steps[i];
    slot.state.name = st.name;
    for (const auto& f : spec.finalize_steps) slot.finalize = slot.finalize || f == st.name;
    // Environment: resolve once per name; errors name the YAML line of `environment:`.
    if (!envs_.count(st.environment)) {
      try {
        std::string note;
        envs_[st.environment] =
            resolve_environment(ws, st.environment, st.environment_curated, &note);
        if (!note.empty())
          std::cerr << "note: " << st.loc_of("environment").to_string() << ": jobs." << st.name
                    << ".environment: " << note << "\n";
      } catch (const Error& e) {
        throw Error(e.code(), st.loc_of("environment").to_string() + ": jobs." + st.name +
                                  ".environment: " + e.what());
      }
    }
    // Compute target. One the workspace does not know (a pipeline written for Azure ML
    // names its cluster, azureml:cpu-cluster) runs on local, with one warning per target;
    // "compute": {"unknown": "error"} in the workspace configuration makes it an error.
    std::string compute = st.compute.empty() ? default_compute : st.compute;
    auto compute_where = [&]() -> std::string {
      if (!st.compute.empty()) {
        SourceLocation loc = st.loc_of("compute");
        // A step built with an SDK has no file: name it as the SDK's users wrote it.
        if (loc.file.empty()) return "step '" + st.name + "' (compute_target)";
        return loc.to_string() + ": jobs." + st.name + ".compute";
      }
      return !options.default_compute.empty() ? "--compute " + options.default_compute
                                              : spec.default_compute_where();
    };
    if (!factory && compute != "local") {
      auto known = unknown_computes_.find(compute);
      if (known == unknown_computes_.end()) {
        // `serverless` is Azure ML's own compute, which no workspace registers: it is never
        // an unknown target, and runs on local unless a target of that name is registered.
        const bool serverless = compute == "serverless";
        bool fallback = !ws.store().get_compute(compute) &&
                        (serverless || ws.config_value("compute.unknown") != "error");
        known = unknown_computes_.emplace(compute, fallback).first;
        if (fallback && serverless) {
          std::cerr << "note: " << compute_where()
                    << ": compute 'serverless' (Azure ML's serverless compute) runs on local "
                       "here; `runnel compute create serverless --type slurm ...` sends its "
                       "steps elsewhere\n";
        } else if (fallback) {
          std::cerr << "warning: " << compute_where() << ": compute target '" << compute
                    << "' is not registered here, so its steps run on local; register it "
                       "(`runnel compute create "
                    << compute
                    << " --type slurm ...` or --type local) to choose, or set "
                       "\"compute\": {\"unknown\": \"error\"} in .runnel/config.json to refuse "
                       "unknown targets\n";
        }
      }
      if (known->second) compute = "local";
    }
    slot.state.compute = compute;
    slot.backend_name = compute;
    if (!backends_.count(compute)) {
      try {
        backends_[compute] = factory ? factory(compute, options.max_parallel)
                                     : make_backend(ws, compute, options.max_parallel);
      } catch (const Error& e) {
        std::string where = compute_where();
        std::string msg = e.what();
        if (msg.find("; ") == std::string::npos)
          msg += "; check the target with `runnel compute show " + compute + "`";
        throw Error(e.code(), where + ": " + msg);
      }
      running_per_backend_[compute] = 0;
    }
    // Container image: decided once per environment and kind of compute (env/image.h).
    if (const ResolvedEnvironment& renv = envs_.at(st.environment); !renv.image.empty()) {
      std::string type = backends_.at(compute)->type();
      std::string key = st.environment + "\n" + type;
      if (!images_.count(key)) {
        try {
          images_[key] = prepare_image(ws, renv, type);
        } catch (const Error& e) {
          throw Error(e.code(), st.loc_of("environment").to_string() + ": jobs." + st.name +
                                    ".environment: " + e.what());
        }
        if (!images_[key].warning.empty()) std::cerr << "warning: " << images_[key].warning << "\n";
      }
      slot.image = images_[key];
    }
    // Graph edges: data dependencies and run_after.
    std::set<int> deps;
    slot.input_producer.assign(st.inputs.size(), -1);
    for (size_t k = 0; k < st.inputs.size(); ++k) {
      const StepInput& in = st.inputs[k];
      if (!in.source || in.source->kind != InputSource::Kind::kStepOutput) continue;
      slot.input_producer[k] = index.at(in.source->step);
      deps.insert(slot.input_producer[k]);
    }
    for (const auto& a : st.run_after) deps.insert(index.at(a));
    slot.deps.assign(deps.begin(), deps.end());
    slot.remaining_deps = static_cast<int>(deps.size());
    for (int d : deps) steps[d].dependents.push_back(static_cast<int>(i));
  }
  // Which steps must run regardless of reuse, and why.
  std::set<std::string> rerun(options.rerun_steps.begin(), options.rerun_steps.end());
  for (const auto& r : rerun)
    if (!index.count(r))
      throw not_found("--rerun " + r + ": no step called '" + r + "' in this pipeline");
  std::map<std::string, std::string> rerun_why;
  for (const auto& r : options.rerun_steps) {
    rerun_why[r] = "--rerun " + r;
    for (const auto& d : downstream_of(spec, r))
      if (!rerun_why.count(d)) rerun_why[d] = "downstream of --rerun " + r;
  }
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    StepSlot& slot = steps[i];
    const StepSpec& st = spec.steps[i];
    if (!st.tags.empty()) slot.tags = json(st.tags);  // the job's `tags:`
    slot.force_run = true;
    if (options.regenerate_outputs)
      slot.run_reason = "--regenerate-outputs";
    else if (spec.force_rerun)
      slot.run_reason = "force_rerun is set";
    else if (!st.allow_reuse)
      slot.run_reason = "reuse is off for this step (allow_reuse: false / is_deterministic: false)";
    else if (rerun_why.count(st.name))
      slot.run_reason = rerun_why[st.name];
    else
      slot.force_run = false;
  }
  for (const auto& [name, ds] : ws.datastores())
    has_remote_datastore_ = has_remote_datastore_ || ds.is_remote();
  stat_cache_ = StatCache::open(stat_cache_path(ws.root()));
  take_snapshots();
  check_dataset_inputs();
  for (const auto& [name, env] : envs_)
    store_package_list(ws.store(), env.packages_digest, env.packages);
}

void PipelineExecution::Impl::record_submission() {
  if (!options.dry_run) reconcile_dead_runs(ws);
  created_at = now_ms();
  run_id = options.run_id.empty() ? new_pipeline_run_id() : options.run_id;
  run_dir = ws.runnel_dir() + "/runs/" + run_id;
  for (auto& s : steps) {
    s.state.step_run_id = new_step_run_id();
    s.state.run_dir = ws.runnel_dir() + "/runs/" + s.state.step_run_id;
    s.state.stdout_path = s.state.run_dir + "/logs/stdout.txt";
    s.state.stderr_path = s.state.run_dir + "/logs/stderr.txt";
    job_index_[s.state.step_run_id] = static_cast<int>(&s - steps.data());
  }
  // The run record's spec JSON and git facts do not depend on the decisions below: they are
  // made on another thread meanwhile (the spec is only read from here on).
  std::future<std::pair<std::string, std::string>> record_parts;
  if (!options.dry_run) {
    std::string git_dir = spec.source_file.empty()
                              ? spec.base_dir
                              : std::filesystem::path(spec.source_file).parent_path().string();
    record_parts = std::async(std::launch::async, [this, git_dir] {
      return std::make_pair(spec_to_json_text(spec), git_info(git_dir).dump());
    });
  }
  // Decide now what can be decided: steps whose inputs are known (sources, or outputs
  // of steps that will be reused). The others wait for their producers.
  std::map<std::string, int> index;
  for (size_t i = 0; i < steps.size(); ++i) index[steps[i].state.name] = static_cast<int>(i);
  for (const auto& name : topological_order(spec)) {
    int i = index.at(name);
    if (steps[i].force_run) {
      steps[i].state.decision = "will run (" + steps[i].run_reason + ")";
    } else if (inputs_known(i)) {
      decide(i);
    } else {
      std::string waits;
      for (int d : steps[i].deps)
        if (!steps[d].reuse) waits += (waits.empty() ? "" : ", ") + steps[d].state.name;
      steps[i].state.decision = "waits for " + waits + " (reused if its inputs come out unchanged)";
    }
  }
  stat_cache_->flush();
  if (options.dry_run) return;

  PipelineRunRecord pr;
  pr.id = run_id;
  pr.experiment = experiment;
  pr.status = RunStatus::kNotStarted;
  pr.display_name = !spec.display_name.empty() ? spec.display_name : spec.name;
  pr.source_file = spec.source_file;
  std::tie(pr.spec_json, pr.git_json) = record_parts.get();
  json opts = {{"regenerate_outputs", options.regenerate_outputs},
               {"max_parallel", options.max_parallel},
               {"rerun", options.rerun_steps},
               {"engine_pid", static_cast<int>(::getpid())},
               {"engine_start", process_start_time(::getpid())},
               {"engine_host", host_name()}};
  pr.options_json = opts.dump();
  // The pipeline file's own `tags:`, with the submit's tags (--tag, the SDK's tags=) over them.
  std::map<std::string, std::string> tags = spec.tags;
  for (const auto& [k, v] : options.tags) tags[k] = v;
  pr.tags_json = json(tags).dump();
  pr.created_at = created_at;
  MetadataStore& store = ws.store();
  store.transaction([&] {
    store.ensure_experiment(experiment);
    store.create_pipeline_run(pr);
    for (const auto& s : steps) {
      StepRunRecord r;
      r.id = s.state.step_run_id;
      r.pipeline_run_id = run_id;
      r.name = s.state.name;
      r.status = StepStatus::kNotStarted;
      r.run_dir = s.state.run_dir;
      r.compute = s.state.compute;
      r.created_at = created_at;
      store.create_step_run(r);
    }
  });
  if (listener) {
    std::vector<StepState> states;
    for (const auto& s : steps) states.push_back(s.state);
    std::lock_guard<std::mutex> lock(listener_mu);
    listener->on_submitted(run_id, states);
  }
}

void PipelineExecution::Impl::request_cancel() {
  cancel_requested = true;
  if (engine) engine->wake();
}

ComputeBackend& PipelineExecution::Impl::backend_of(int i) {
  return *backends_.at(steps[i].backend_name);
}

void PipelineExecution::Impl::persist_step(int i) {
  const StepSlot& s = steps[i];
  StepRunRecord r;
  r.id = s.state.step_run_id;
  r.pipeline_run_id = run_id;
  r.name = s.state.name;
  r.status = s.state.status;
  r.exit_code = s.state.exit_code;
  r.signal = s.state.signal;
  r.error = (s.state.status == StepStatus::kFinished || s.state.status == StepStatus::kReused)
                ? ""
                : s.state.reason;
  r.run_dir = s.state.run_dir;
  r.compute = s.state.compute;
  r.backend_job_id = s.state.backend_job_id;
  r.fingerprint = s.fingerprint_digest;
  // A reused step's components are those of the run it took (fingerprint_components_of).
  bool reused = s.state.status == StepStatus::kReused && !s.state.reused_run_id.empty();
  r.fingerprint_json = s.fingerprint.is_null() || reused ? "" : s.fingerprint.dump();
  r.reused_run_id = s.state.reused_run_id;
  r.outputs = s.state.outputs;
  r.attempt = s.attempt;
  r.created_at = created_at;
  r.started_at = s.state.started_at;
  r.ended_at = s.state.ended_at;
  r.tags_json = s.tags.dump();
  ws.store().update_step_run(r);
}

void PipelineExecution::Impl::notify(int i) {
  if (!listener) return;
  StepState copy;
  {
    std::lock_guard<std::mutex> lock(mu);
    copy = steps[i].state;
  }
  std::lock_guard<std::mutex> lock(listener_mu);
  listener->on_step(copy);
}

void PipelineExecution::Impl::set_status(int i, StepStatus st, const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mu);
    steps[i].state.status = st;
    if (!reason.empty()) steps[i].state.reason = reason;
    if (st == StepStatus::kRunning && steps[i].state.started_at == 0)
      steps[i].state.started_at = now_ms();
  }
  persist_step(i);
  notify(i);
}

void PipelineExecution::Impl::end_step(int i, StepStatus st, const std::string& reason,
                                       bool stops_run) {
  StepSlot& s = steps[i];
  if (s.ended) return;
  {
    std::lock_guard<std::mutex> lock(mu);
    s.ended = true;
    s.state.status = st;
    s.state.reason = reason;
    s.state.ended_at = now_ms();
  }
  // Recorded before the claim is released: a run that sees the claim gone finds this
  // step run Finished and reuses it (never a second execution). Both in one commit.
  try {
    ws.store().transaction([&] {
      persist_step(i);
      release_claim(i);
    });
  } catch (const std::exception& e) {
    // Not recorded: the step did not finish as far as anyone can know. Its committed
    // outputs are referenced by no record, so they go (on a full disk they hold the space
    // the store needs to record the failure); fail_run records the failure once it can.
    if (st == StepStatus::kFinished && !s.commit_root.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(s.commit_root, ec);
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      s.state.status = StepStatus::kFailed;
      s.state.reason = std::string("cannot record the step's end: ") + e.what();
      s.state.outputs.clear();
    }
    s.end_unrecorded = true;
    if (failed_step_.empty()) failed_step_ = s.state.name;
    throw;
  }
  notify(i);
  if (st == StepStatus::kFinished || st == StepStatus::kReused) {
    for (int d : s.dependents)
      if (--steps[d].remaining_deps == 0) enqueue_ready(d);
  } else if (st == StepStatus::kFailed || stops_run) {
    if (failed_step_.empty()) {
      failed_step_ = s.state.name;
      if (st != StepStatus::kFailed) failed_reason_ = reason;
    }
    if (continue_on_failure()) {
      fail_downstream(i);
    } else {
      stop_launching_ = true;
      cancel_all("canceled because step '" + s.state.name + "' " +
                 (st == StepStatus::kFailed ? "failed" : "timed out"));
    }
  }
}

void PipelineExecution::Impl::fail_downstream(int i) {
  // Every step downstream of the failed step `i` ends Canceled, naming `i`.
  std::vector<int> todo(steps[i].dependents.begin(), steps[i].dependents.end());
  while (!todo.empty()) {
    int d = todo.back();
    todo.pop_back();
    if (steps[d].ended || steps[d].launched || held_for_finalize(d)) continue;
    steps[d].ended = true;  // mark first so end_step's own propagation is not re-entered
    {
      std::lock_guard<std::mutex> lock(mu);
      steps[d].state.status = StepStatus::kCanceled;
      steps[d].state.reason =
          "not started: upstream step '" + steps[i].state.name + "' " +
          (steps[i].state.status == StepStatus::kFailed ? "failed" : "timed out");
      steps[d].state.ended_at = now_ms();
    }
    persist_step(d);
    notify(d);
    todo.insert(todo.end(), steps[d].dependents.begin(), steps[d].dependents.end());
  }
}

void PipelineExecution::Impl::cancel_all(const std::string& reason) {
  for (size_t i = 0; i < steps.size(); ++i) {
    StepSlot& s = steps[i];
    if (s.ended || held_for_finalize(static_cast<int>(i))) continue;
    if (s.launched) {
      s.cancel_reason = reason;
      backend_of(static_cast<int>(i)).cancel(s.state.step_run_id);
    } else {
      end_step(static_cast<int>(i), StepStatus::kCanceled, "not started: " + reason);
    }
  }
}

}  // namespace runnel
