#include "engine/reconcile.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "store/metadata_store.h"

namespace runnel {


int reconcile_dead_runs(const Workspace& ws) {
  MetadataStore& store = ws.store();
  int closed = 0;
  std::string host = host_name();
  for (auto& r : store.list_pipeline_runs("", 200)) {
    if (r.status != "Running" && r.status != "NotStarted") continue;
    nlohmann::json o = nlohmann::json::parse(r.options_json.empty() ? "{}" : r.options_json, nullptr, false);
    if (!o.is_object()) continue;
    int pid = o.value("engine_pid", 0);
    if (pid <= 0 || o.value("engine_host", host) != host) continue;
    if (::kill(pid, 0) == 0 || errno == EPERM) continue;  // still alive
    int64_t now = now_ms();
    store.transaction([&] {
      for (auto s : store.list_step_runs(r.id)) {
        if (s.status == "Finished" || s.status == "Reused" || s.status == "Failed" || s.status == "Canceled") continue;
        bool started = s.status == "Running" || s.status == "Queued" || s.status == "Preparing";
        s.status = started ? "Failed" : "Canceled";
        s.error = "the runnel process (pid " + std::to_string(pid) + ") that ran this step is gone";
        s.ended_at = now;
        store.update_step_run(s);
      }
      r.status = "Failed";
      r.error = "the runnel process (pid " + std::to_string(pid) +
                ") that ran it is gone; finished steps were kept and a new run reuses them";
      r.ended_at = now;
      store.update_pipeline_run(r);
    });
    ++closed;
  }
  return closed;
}

}  // namespace runnel
