// One step's life inside a run: prepare and launch, then commit or discard its outputs,
// ingest its metrics, stream its logs.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/confine.h"
#include "core/fs.h"
#include "core/ids.h"
#include "data/materialize.h"
#include "engine/azure_env.h"
#include "engine/execution_impl.h"
#include "engine/reconcile.h"
#include "exec/container.h"
#include "runnel/error.h"
#include "spec/command_template.h"
#include "store/metadata_store.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace runnel {

namespace {

std::string env_name_for(const std::string& s) {
  std::string out;
  for (char c : s) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

// The command of a step with `distribution:`: python/runnel/launch.py starts `command` once
// per process with the framework's rendezvous variables. On Slurm with instance_count > 1,
// srun starts one launcher per node of the allocation, except for MPI: its one launcher runs
// mpirun across the allocation (or, with no mpirun on the node, srun itself).
std::string distributed_command(const StepSpec& st, const std::string& python,
                                const std::string& backend, const std::string& log_dir,
                                const std::string& command) {
  const Distribution& d = st.distribution;
  const std::string nodes = std::to_string(std::max(1, st.resources.nodes));
  std::string c = shell_quote(python) + " -m runnel.launch --type " + d.type + " --nodes " + nodes;
  if (d.type == "tensorflow") {
    c += " --worker-count " + std::to_string(d.worker_count) + " --parameter-server-count " +
         std::to_string(d.parameter_server_count);
  } else {
    c += " --procs-per-node " + std::to_string(d.process_count_per_instance);
  }
  c += " --log-dir " + shell_quote(log_dir) + " -- /bin/sh -c " + shell_quote(command);
  if (backend == "slurm" && st.resources.nodes > 1 && d.type != "mpi")
    c = "srun --nodes=" + nodes + " --ntasks=" + nodes +
        " --ntasks-per-node=1 --kill-on-bad-exit=1 " + c;
  return c;
}

// Every "local_path" in a dataset's context entry: the files a container must see.
void collect_local_paths(const json& j, std::vector<std::string>* out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (k == "local_path" && v.is_string()) {
        out->push_back(v.get<std::string>());
      } else {
        collect_local_paths(v, out);
      }
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect_local_paths(v, out);
  }
}

}  // namespace

void PipelineExecution::Impl::prepare_and_launch(int i) {
  StepSlot& s = steps[i];
  const StepSpec& st = spec.steps[i];
  s.launched = true;
  ++running_per_backend_[s.backend_name];
  ++s.attempt;
  {
    std::lock_guard<std::mutex> lock(mu);
    s.state.status = StepStatus::kPreparing;
  }
  try {
    const std::string& rd = s.state.run_dir;
    make_dirs(rd + "/logs");
    std::string wd = rd + "/wd";
    if (!s.snapshot_archive.empty()) {
      extract_snapshot(s.snapshot_archive, wd);  // the code that ran is the code that was hashed
    } else {
      make_dirs(wd);
    }

    // Inputs: what each placeholder becomes, and the context entries.
    json ctx_inputs = json::object();
    std::map<std::string, std::optional<std::string>> values;
    std::map<std::string, std::string> env;
    std::vector<std::string> read_only;    // ro_mount inputs (exec/sandbox.h)
    std::vector<std::string> input_paths;  // every input's files, mounted into a container
    for (size_t k = 0; k < st.inputs.size(); ++k) {
      const StepInput& in = st.inputs[k];
      json entry = {{"type", data_type_name(in.type)},
                    {"mode", input_mode_name(in.mode)},
                    {"path", nullptr},
                    {"value", nullptr},
                    {"dataset", nullptr}};
      if (!in.source) {
        values[in.name] = std::nullopt;
        ctx_inputs[in.name] = entry;
        continue;
      }
      const InputSource& src = *in.source;
      std::string path;
      switch (src.kind) {
        case InputSource::Kind::kLiteral:
          values[in.name] = literal_input_text(in);
          entry["value"] = src.value;
          break;
        case InputSource::Kind::kLocalPath:
          if (!path_exists(src.path))
            throw not_found("input '" + in.name + "' of step '" + st.name + "': " + src.path +
                            " does not exist");
          path = src.path;
          break;
        case InputSource::Kind::kStepOutput: {
          const int producer = s.input_producer[k];
          auto it = steps[producer].state.outputs.find(src.output);
          if (it == steps[producer].state.outputs.end())
            throw internal_error("output " + src.step + "." + src.output + " was not committed");
          path = it->second;
          if (in.as_dataset) {  // read as a dataset object (StepInput::as_dataset)
            ResolvedInput r = resolve_output_dataset(in, path, rd);
            values[in.name] = shell_quote(r.path_for_step);
            ctx_inputs[in.name] = r.context_entry;
            env["AZUREML_DATAREFERENCE_" + env_name_for(in.name)] = r.path_for_step;
            continue;
          }
          break;
        }
        case InputSource::Kind::kDatastorePath:
        case InputSource::Kind::kDataset: {
          ResolvedInput r = resolve_input(ws, in, rd, options.accept_changed_data);
          read_only.insert(read_only.end(), r.read_only_paths.begin(), r.read_only_paths.end());
          input_paths.push_back(r.path_for_step);
          input_paths.insert(input_paths.end(), r.read_only_paths.begin(), r.read_only_paths.end());
          collect_local_paths(r.context_entry, &input_paths);
          values[in.name] = shell_quote(r.path_for_step);
          ctx_inputs[in.name] = r.context_entry;
          env["AZUREML_DATAREFERENCE_" + env_name_for(in.name)] = r.path_for_step;
          continue;
        }
      }
      if (!path.empty()) {
        if (in.mode == InputMode::kDownload) {
          // The step's own copy (data/materialize.h): what it writes there stays there.
          std::string local = rd + "/inputs/" + in.name;
          if (!fs::is_directory(path)) {
            // A file keeps its name, in a folder named after the input (as Azure ML's
            // INPUT_<name>/<file>): scripts look at the extension.
            remove_all(local);
            local += "/" + fs::path(path).filename().string();
          }
          download_output(path, local);
          path = local;
        }
        if (in.mode == InputMode::kRoMount) read_only.push_back(path);
        input_paths.push_back(path);
        values[in.name] = shell_quote(path);
        entry["path"] = path;
        env["AZUREML_DATAREFERENCE_" + env_name_for(in.name)] = path;
      }
      ctx_inputs[in.name] = entry;
    }

    // Outputs: a private staging folder per datastore, committed by one rename.
    std::string ds_root = ws.get_default_datastore().root();
    s.staging_root = ds_root + "/.staging/" + s.state.step_run_id;
    s.commit_root = ds_root + "/runs/" + s.state.step_run_id;
    json ctx_outputs = json::object();
    for (const auto& out : st.outputs) {
      std::string p = s.staging_root + "/" + out.name;
      if (out.type == DataType::kUriFile) {
        make_dirs(s.staging_root);
      } else {
        make_dirs(p);
      }
      s.output_paths[out.name] = p;
      ctx_outputs[out.name] = {
          {"type", data_type_name(out.type)}, {"mode", output_mode_name(out.mode)}, {"path", p}};
      env["AZUREML_DATAREFERENCE_" + env_name_for(out.name)] = p;
    }
    if (st.outputs.empty()) make_dirs(s.staging_root);

    std::string where = st.loc_of("command").to_string() + ": jobs." + st.name + ".command";
    std::string command = render_command(st.command, where, [&](const Placeholder& ph) {
      if (ph.kind == Placeholder::Kind::kOutput)
        return std::optional<std::string>(shell_quote(s.output_paths.at(ph.name)));
      auto it = values.find(ph.name);
      return it == values.end() ? std::optional<std::string>() : it->second;
    });

    json ctx = {{"run_id", s.state.step_run_id},
                {"pipeline_run_id", run_id},
                {"step_name", st.name},
                {"experiment", experiment},
                {"workspace", ws.root()},
                {"run_dir", rd},
                {"metrics_file", rd + "/metrics.jsonl"},
                {"outputs_dir", wd + "/outputs"},
                {"inputs", ctx_inputs},
                {"outputs", ctx_outputs},
                {"parent", {{"run_id", run_id}}},
                {"tags", s.tags}};
    write_file_atomic(rd + "/context.json", ctx.dump(2));

    const ResolvedEnvironment& renv = envs_.at(st.environment);
    const bool in_container = !s.image.run_image.empty();
    bool needs_python =
        !in_container && (!renv.name.empty() || command.find("python") != std::string::npos ||
                          !st.distribution.type.empty());
    if (needs_python && (renv.python.empty() || ::access(renv.python.c_str(), X_OK) != 0)) {
      std::string msg = "interpreter " +
                        (renv.python.empty() ? std::string("python3") : renv.python) +
                        " of environment '" + (renv.name.empty() ? "default" : renv.name) +
                        "' not found; register a working one with `runnel env create " +
                        (renv.name.empty() ? "NAME" : renv.name) + " --python PATH`";
      append_line(s.state.stderr_path, "runnel: " + msg);
      {
        std::lock_guard<std::mutex> lock(mu);
        s.state.exit_code = 127;
      }
      --running_per_backend_[s.backend_name];
      discard_outputs(i);
      end_step(i, StepStatus::kFailed, msg);
      return;
    }
    if (in_container) {
      // The image's own PATH and interpreter; runnel's Python package is mounted in.
      env["PYTHONPATH"] =
          (s.image.site_packages.empty() ? "" : s.image.site_packages + ":") + runnel_python_dir();
    } else {
      const char* path_env = std::getenv("PATH");
      env["PATH"] = renv.bin_dir + ":" + (path_env ? path_env : "/usr/bin:/bin");
      const char* pp = std::getenv("PYTHONPATH");
      env["PYTHONPATH"] = runnel_python_dir() + (pp && *pp ? std::string(":") + pp : "");
      if (std::string cli = runnel_cli_path(); !cli.empty()) env["RUNNEL_BIN"] = cli;
    }
    env["PYTHONUNBUFFERED"] = "1";
    env["RUNNEL_RUN_CONTEXT"] = rd + "/context.json";
    env["RUNNEL_RUN_ID"] = s.state.step_run_id;
    env["RUNNEL_PIPELINE_RUN_ID"] = run_id;
    env["RUNNEL_WORKSPACE"] = ws.root();
    env["AZUREML_RUN_ID"] = s.state.step_run_id;
    add_azure_run_variables(azure_run_scope(ws), experiment, &env);
    for (const auto& [k, v] : renv.variables) env[k] = v;
    for (const auto& [k, v] : st.env_vars) {
      if (v.find("${{") == std::string::npos) {
        env[k] = v;
        continue;
      }
      // A component's environment_variables may name its ${{inputs.X}} / ${{outputs.X}}:
      // the value or path itself, unquoted.
      std::string ewhere =
          st.loc_of("command").to_string() + ": jobs." + st.name + ".environment_variables." + k;
      env[k] = render_command(v, ewhere, [&](const Placeholder& ph) -> std::optional<std::string> {
        if (ph.kind == Placeholder::Kind::kOutput) {
          auto o = s.output_paths.find(ph.name);
          if (o == s.output_paths.end()) return std::nullopt;
          return o->second;
        }
        const StepInput* in = st.find_input(ph.name);
        if (!in || !in->source) return std::nullopt;
        if (in->source->kind == InputSource::Kind::kLiteral) return literal_input_text(*in);
        const json& e = ctx_inputs[ph.name];
        if (e.contains("path") && e["path"].is_string()) return e["path"].get<std::string>();
        return std::nullopt;
      });
    }

    LaunchSpec ls;
    ls.id = s.state.step_run_id;
    ls.job_name = run_id + "." + st.name;
    if (!st.distribution.type.empty())
      command =
          distributed_command(st, renv.python.empty() || in_container ? "python3" : renv.python,
                              backend_of(i).type(), rd + "/logs/user_logs", command);
    ls.command = command;
    if (command.size() > 32 * 1024) {
      // Linux limits one exec argument to 128 KiB: a long command (a join over thousands
      // of inputs) runs from a script file instead of `sh -c`.
      write_file_atomic(rd + "/command.sh", command + "\n");
      ls.command = "bash " + shell_quote(rd + "/command.sh");
    }
    ls.working_dir = wd;
    ls.env = std::move(env);
    ls.stdout_path = s.state.stdout_path;
    ls.stderr_path = s.state.stderr_path;
    ls.resources = st.resources;
    ls.timeout_s = st.timeout_s;
    ls.array_tasks = st.parallel_workers;  // one Slurm job array; one process elsewhere
    ls.read_only_paths = std::move(read_only);
    ls.writable_paths = {rd, s.staging_root};
    if (in_container) {
      // Same paths inside as outside (exec/container.h): the snapshot and the inputs
      // read-only, the run folder (context file, logs, metrics) and the staging folder
      // read-write, and the SDK's outputs/ folder of the snapshot writable too. The
      // workspace's .runnel/ is there read-write as on the host (the metadata store, the
      // datastores), so that a step can open its workspace (`run.experiment.workspace`,
      // Model.register, Dataset.register); the read-only mounts below it stay read-only.
      make_dirs(wd + "/outputs");
      ls.container.image = s.image.run_image;
      ls.container.runtime = s.image.runtime;
      ls.container.program = s.image.program;
      ls.container.args = s.image.args;
      ls.container.read_only = std::move(input_paths);
      ls.container.read_only.push_back(wd);
      ls.container.read_only.push_back(runnel_python_dir());
      ls.container.writable = {rd, s.staging_root, wd + "/outputs", ws.runnel_dir()};
      ls.read_only_paths.clear();  // the mounts enforce them
      // A local container outlives a dead engine; reconcile removes it by this record.
      if (ls.container.runtime == "podman")
        ws.store().set_value(container_key(s.state.step_run_id),
                             container_value(ls.container.runtime, ls.container.program,
                                             internal::container_name(ls.id)));
    }
    if (!s.image.warning.empty())
      ls.command =
          "echo " + shell_quote("runnel: warning: " + s.image.warning) + " >&2; " + ls.command;
    backend_of(i).launch(ls);
    set_status(i, StepStatus::kQueued);
  } catch (const Error& e) {
    --running_per_backend_[s.backend_name];
    try {
      make_dirs(s.state.run_dir + "/logs");
      append_line(s.state.stderr_path, std::string("runnel: ") + e.what());
    } catch (const Error&) {
      // The reason is recorded with the step run below; the log line is a courtesy.
    }
    discard_outputs(i);
    end_step(i, StepStatus::kFailed, e.what());
  }
}

bool PipelineExecution::Impl::try_reattach(int i) {
  StepSlot& s = steps[i];
  const StepSpec& st = spec.steps[i];
  if (s.force_run || backend_of(i).type() != "slurm" || s.fingerprint_digest.empty()) return false;
  MetadataStore& store = ws.store();
  std::optional<StepRunRecord> prev;
  // In one write transaction: exactly one run takes over a left-running job.
  store.transaction([&] {
    for (auto& c : store.previous_step_runs(st.name, now_ms() + 1, 20)) {
      if (c.id == s.state.step_run_id || c.fingerprint != s.fingerprint_digest ||
          c.backend_job_id.empty() || c.compute != s.state.compute)
        continue;
      auto job = store.get_value(slurm_orphan_key(c.id));
      if (!job || job->empty() || *job != c.backend_job_id) continue;
      store.set_value(slurm_orphan_key(c.id), "");
      prev = std::move(c);
      return;
    }
  });
  if (!prev) return false;
  s.launched = true;
  ++running_per_backend_[s.backend_name];
  ++s.attempt;
  // The job writes where it was told to: the earlier step run's folder and staging folder.
  std::string ds_root = ws.get_default_datastore().root();
  s.staging_root = ds_root + "/.staging/" + prev->id;
  s.commit_root = ds_root + "/runs/" + s.state.step_run_id;
  for (const auto& out : st.outputs) s.output_paths[out.name] = s.staging_root + "/" + out.name;
  {
    std::lock_guard<std::mutex> lock(mu);
    s.state.run_dir = prev->run_dir;
    s.state.stdout_path = prev->run_dir + "/logs/stdout.txt";
    s.state.stderr_path = prev->run_dir + "/logs/stderr.txt";
    s.state.backend_job_id = prev->backend_job_id;
  }
  LaunchSpec ls;
  ls.id = s.state.step_run_id;
  ls.job_name = run_id + "." + st.name;
  ls.working_dir = prev->run_dir + "/wd";
  ls.stdout_path = s.state.stdout_path;
  ls.stderr_path = s.state.stderr_path;
  ls.resources = st.resources;
  ls.timeout_s = st.timeout_s;
  ls.array_tasks = st.parallel_workers;
  try {
    if (!backend_of(i).attach(ls, prev->backend_job_id, prev->id)) {
      --running_per_backend_[s.backend_name];
      s.launched = false;
      s.staging_root.clear();
      return false;
    }
  } catch (const Error& e) {
    --running_per_backend_[s.backend_name];
    end_step(i, StepStatus::kFailed, e.what());
    return true;
  }
  set_status(i, StepStatus::kRunning,
             "re-attached to Slurm job " + prev->backend_job_id + " of step run " + prev->id +
                 ", left running by a runnel process that stopped");
  return true;
}

void PipelineExecution::Impl::handle_event(int i, const JobEvent& ev) {
  StepSlot& s = steps[i];
  if (s.ended) return;
  if (!ev.backend_job_id.empty()) {
    std::lock_guard<std::mutex> lock(mu);
    s.state.backend_job_id = ev.backend_job_id;
  }
  switch (ev.state) {
    case JobState::kQueued:
      if (s.state.status != StepStatus::kQueued) set_status(i, StepStatus::kQueued);
      return;
    case JobState::kRunning:
      if (s.state.status != StepStatus::kRunning) {
        // A local step's pid and start time, so that a later engine can kill it if this
        // one dies (reconcile.cc); a pid alone could name another process by then.
        if (backend_of(i).type() == "local" && !ev.backend_job_id.empty())
          ws.store().set_value(process_key(s.state.step_run_id),
                               process_value(std::stoi(ev.backend_job_id)));
        set_status(i, StepStatus::kRunning);
      }
      return;
    default:
      break;
  }
  --running_per_backend_[s.backend_name];
  if (options.stream_logs) stream_logs(i, true);
  {
    std::lock_guard<std::mutex> lock(mu);
    if (ev.exit_code >= 0) s.state.exit_code = ev.exit_code;
    s.state.signal = ev.signal;
    if (s.state.started_at == 0) s.state.started_at = now_ms();
  }
  ingest_metrics(i);
  if (ev.state == JobState::kFinished) {
    try {
      commit_outputs(i);
    } catch (const Error& e) {
      discard_outputs(i);
      end_step(i, StepStatus::kFailed, e.what());
      return;
    }
    try {
      record_output_digests(i);
    } catch (const Error& e) {
      end_step(i, StepStatus::kFailed, std::string("cannot digest committed outputs: ") + e.what());
      return;
    }
    try {
      record_destination_states(i);
    } catch (const Error& e) {
      end_step(i, StepStatus::kFailed, e.what());
      return;
    }
    try {
      register_outputs(i);
    } catch (const Error& e) {
      end_step(i, StepStatus::kFailed,
               std::string("outputs were committed but registering them failed: ") + e.what());
      return;
    }
    end_step(i, StepStatus::kFinished, "");
  } else {
    discard_outputs(i);
    std::string reason = ev.reason;
    if (ev.state == JobState::kCanceled && !s.cancel_reason.empty()) reason = s.cancel_reason;
    if (reason.empty())
      reason = ev.signal ? "killed by signal " + std::to_string(ev.signal)
                         : "exit code " + std::to_string(ev.exit_code);
    if (ev.timed_out) {
      // Azure ML cancels a job that runs longer than its limits.timeout ("the max run
      // duration ... after which the job will be cancelled"): Canceled, not retried, and the
      // run fails as it does for a failed step.
      const StepSpec& st = spec.steps[i];
      std::string limit = spec.source_file.empty() ? "timeout" : "limits.timeout";
      end_step(
          i, StepStatus::kCanceled,
          "canceled: ran longer than its " + limit + " of " + std::to_string(st.timeout_s) + " s",
          /*stops_run=*/true);
      return;
    }
    if (ev.state == JobState::kFailed && s.attempt <= spec.steps[i].max_retries &&
        !cancel_requested && !stop_launching_) {
      retry(i, reason);
      return;
    }
    end_step(i, ev.state == JobState::kCanceled ? StepStatus::kCanceled : StepStatus::kFailed,
             reason);
  }
}

void PipelineExecution::Impl::retry(int i, const std::string& reason) {
  StepSlot& s = steps[i];
  // Keep the failed attempt's logs and metrics beside the next attempt's.
  const std::string& rd = s.state.run_dir;
  std::string suffix = ".attempt" + std::to_string(s.attempt);
  for (const char* f : {"/logs/stdout.txt", "/logs/stderr.txt", "/metrics.jsonl"}) {
    std::string from = rd + f;
    std::string to = from.substr(0, from.rfind('.')) + suffix + from.substr(from.rfind('.'));
    if (path_exists(from) && ::rename(from.c_str(), to.c_str()) != 0)
      throw io_error("cannot keep the logs of attempt " + std::to_string(s.attempt) + ": rename " +
                     from + " -> " + to + ": " + std::strerror(errno));
  }
  append_line(s.state.stderr_path,
              "runnel: attempt " + std::to_string(s.attempt) + " failed (" + reason +
                  "); retrying (max_retries: " + std::to_string(spec.steps[i].max_retries) + ")");
  {
    std::lock_guard<std::mutex> lock(mu);
    s.launched = false;  // the scheduling loop launches it again
    s.state.exit_code.reset();
    s.state.signal = 0;
    s.log_offset[0] = s.log_offset[1] = 0;
  }
  enqueue_ready(i);
  set_status(i, StepStatus::kQueued,
             "retrying after attempt " + std::to_string(s.attempt) + ": " + reason);
}

void PipelineExecution::Impl::commit_outputs(int i) {
  StepSlot& s = steps[i];
  const StepSpec& st = spec.steps[i];
  for (const auto& out : st.outputs) {
    const std::string& p = s.output_paths[out.name];
    if (out.type == DataType::kUriFile && !path_exists(p))
      throw invalid_argument("output '" + out.name +
                             "' (uri_file) was not written: the step must create the file " + p);
    // Links leaving an output would let later reads and writes escape the datastore.
    if (path_exists(p))
      check_links_stay_inside(p, "output '" + out.name + "' of step '" + st.name + "'");
  }
  make_dirs(fs::path(s.commit_root).parent_path().string());
  if (::rename(s.staging_root.c_str(), s.commit_root.c_str()) != 0)
    throw io_error("cannot commit outputs " + s.staging_root + " -> " + s.commit_root + ": " +
                   std::strerror(errno));
  {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& out : st.outputs) s.state.outputs[out.name] = s.commit_root + "/" + out.name;
  }
  move_to_destinations(i);
}

void PipelineExecution::Impl::discard_outputs(int i) {
  if (steps[i].staging_root.empty()) return;
  try {
    remove_all(steps[i].staging_root);
  } catch (const Error& e) {
    std::cerr << "runnel: run " << run_id << ": cannot remove the staging folder of step "
              << steps[i].state.name << ": " << e.what()
              << "; `runnel run` removes it when it reconciles this run\n";
  }
}

void PipelineExecution::Impl::ingest_metrics(int i) {
  StepSlot& s = steps[i];
  std::string path = s.state.run_dir + "/metrics.jsonl";
  if (!path_exists(path)) return;
  std::ifstream in(path);
  std::string line;
  std::vector<MetricRecord> metrics;
  std::map<std::string, int64_t> counters;
  json tags = json::object();
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json m = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!m.is_object() || !m.contains("name")) continue;  // a torn last line
    std::string kind = m.value("kind", "scalar");
    std::string name = m["name"].is_string() ? m["name"].get<std::string>() : m["name"].dump();
    if (kind == "tag" || kind == "property") {
      tags[name] = m.contains("value") ? m["value"] : json(nullptr);
      continue;
    }
    bool to_parent = m.value("target", "self") == "parent";
    MetricRecord r;
    r.run_id = to_parent ? run_id : s.state.step_run_id;
    r.pipeline_run_id = run_id;
    r.name = name;
    r.kind = kind;
    r.value_json = m.contains("value") ? m["value"].dump() : "null";
    r.step = counters[r.run_id + "\n" + name]++;
    r.logged_at = m.value("time", int64_t{0});
    metrics.push_back(std::move(r));
  }
  if (!metrics.empty()) ws.store().add_metrics(metrics);
  if (!tags.empty()) s.tags.update(tags);
}

void PipelineExecution::Impl::stream_logs(int i, bool final) {
  if (!listener) return;
  StepSlot& s = steps[i];
  const std::string* paths[2] = {&s.state.stdout_path, &s.state.stderr_path};
  for (int k = 0; k < 2; ++k) {
    int fd = ::open(paths[k]->c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[65536];
    ssize_t n;
    while ((n = ::pread(fd, buf, sizeof buf, s.log_offset[k])) > 0) {
      s.log_offset[k] += n;
      s.log_partial[k].append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    std::string& part = s.log_partial[k];
    size_t start = 0, nl;
    std::lock_guard<std::mutex> lock(listener_mu);
    while ((nl = part.find('\n', start)) != std::string::npos) {
      listener->on_log(s.state.name, k == 1, part.substr(start, nl - start));
      start = nl + 1;
    }
    part.erase(0, start);
    if (final && !part.empty()) {
      listener->on_log(s.state.name, k == 1, part);
      part.clear();
    }
  }
}

}  // namespace runnel
