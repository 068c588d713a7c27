// engine/reconcile.cc: closing the runs of runnel processes that are gone (reconcile.h).
#include "engine/reconcile.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/fs.h"
#include "core/ids.h"
#include "engine/process_identity.h"
#include "engine/workspace_impl.h"
#include "spec/command_template.h"
#include "store/metadata_store.h"

namespace runnel {

std::string process_key(const std::string& step_run_id) { return "proc:" + step_run_id; }

std::string container_key(const std::string& step_run_id) { return "container:" + step_run_id; }

std::string container_value(const std::string& runtime, const std::string& program,
                            const std::string& name) {
  return nlohmann::json{{"runtime", runtime}, {"program", program}, {"name", name}}.dump();
}

std::string process_value(pid_t pid) {
  return std::to_string(pid) + " " + std::to_string(process_start_time(pid));
}

namespace {

// Kills what is left of a step whose engine died: its process group, if the recorded pid
// is still the same process (same start time; a reused pid is left alone).
void kill_orphan(MetadataStore& store, const StepRunRecord& s) {
  auto v = store.get_value(process_key(s.id));
  if (!v || v->empty()) return;
  std::istringstream in(*v);
  pid_t pid = 0;
  uint64_t start = 0;
  if (!(in >> pid >> start) || pid <= 0 || start == 0) return;
  if (!process_is_alive(pid, start)) return;
  ::kill(-pid, SIGKILL);  // its group (the step started one of its own)
  ::kill(pid, SIGKILL);
}

// Removes the podman container of a step whose engine died (container_key), if any.
void remove_orphan_container(MetadataStore& store, const StepRunRecord& s) {
  auto v = store.get_value(container_key(s.id));
  if (!v || v->empty()) return;
  nlohmann::json j = nlohmann::json::parse(*v, nullptr, false);
  if (!j.is_object() || j.value("runtime", "") != "podman") return;
  std::string program = j.value("program", "");
  std::string cmd = shell_quote(program.empty() ? "podman" : program) + " rm -f -t 0 --ignore " +
                    shell_quote(j.value("name", "")) + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0)
    std::cerr << "runnel: could not remove container " << j.value("name", "") << " of step run "
              << s.id << " (`podman ps` shows it)\n";
}

bool runs_on_slurm(MetadataStore& store, const StepRunRecord& s) {
  auto c = store.get_compute(s.compute);
  return c && c->type == "slurm";
}

}  // namespace

std::string slurm_orphan_key(const std::string& step_run_id) {
  return "slurm_orphan:" + step_run_id;
}

int reconcile_dead_runs(const Workspace& ws) {
  MetadataStore& store = internal::store_of(ws);
  int closed = 0;
  std::string host = host_name();
  std::string staging = ws.get_default_datastore().root() + "/.staging/";
  for (auto& r : store.list_pipeline_runs("", 200)) {
    if (r.status != RunStatus::kRunning && r.status != RunStatus::kNotStarted) continue;
    nlohmann::json o =
        nlohmann::json::parse(r.options_json.empty() ? "{}" : r.options_json, nullptr, false);
    if (!o.is_object()) continue;
    int pid = o.value("engine_pid", 0);
    if (pid <= 0 || o.value("engine_host", host) != host) continue;
    if (process_is_alive(pid, o.value("engine_start", uint64_t{0}))) continue;  // still running it
    int64_t now = now_ms();
    std::vector<std::string> to_remove;
    store.transaction([&] {
      for (auto s : store.list_step_runs(r.id)) {
        if (is_final(s.status)) continue;
        bool started = s.status == StepStatus::kRunning || s.status == StepStatus::kQueued ||
                       s.status == StepStatus::kPreparing;
        s.error = "the runnel process (pid " + std::to_string(pid) + ") that ran this step is gone";
        if (started && !s.backend_job_id.empty() && runs_on_slurm(store, s)) {
          // A Slurm job outlives its engine: it is left running, with its staging folder,
          // for the next run of this step to re-attach to (engine/step_lifecycle.cc).
          s.error += "; its Slurm job " + s.backend_job_id + " was left running";
          store.set_value(slurm_orphan_key(s.id), s.backend_job_id);
        } else {
          if (started) {
            kill_orphan(store, s);
            remove_orphan_container(store, s);
          }
          to_remove.push_back(staging + s.id);
        }
        s.status = started ? StepStatus::kFailed : StepStatus::kCanceled;
        s.ended_at = now;
        store.update_step_run(s);
      }
      r.status = RunStatus::kFailed;
      r.error = "the runnel process (pid " + std::to_string(pid) +
                ") that ran it is gone; finished steps were kept and a new run reuses them";
      r.ended_at = now;
      store.update_pipeline_run(r);
    });
    // Dead staging folders (issue 10 #9): a step that never committed leaves nothing.
    for (const auto& dir : to_remove) {
      if (!path_exists(dir)) continue;
      try {
        remove_all(dir);
      } catch (const std::exception& e) {
        std::cerr << "runnel: cannot remove the staging folder " << dir
                  << " of a dead run: " << e.what() << "\n";
      }
    }
    ++closed;
  }
  return closed;
}

}  // namespace runnel
