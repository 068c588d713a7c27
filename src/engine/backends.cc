#include "engine/backends.h"

#include <nlohmann/json.hpp>
#include <thread>

#include "exec/local_backend.h"
#include "exec/slurm_backend.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

namespace runnel {

namespace {
int default_slots(int max_parallel) {
  if (max_parallel > 0) return max_parallel;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}
}  // namespace

std::unique_ptr<ComputeBackend> make_backend(const Workspace& ws, const std::string& compute,
                                             int max_parallel) {
  if (compute == "local") return std::make_unique<LocalBackend>(default_slots(max_parallel));
  auto rec = ws.store().get_compute(compute);
  if (!rec) {
    std::string known = "local";
    for (const auto& c : ws.store().list_computes()) known += ", " + c.name;
    throw not_found("compute target '" + compute + "' is not registered (known: " + known +
                    "); create it with `runnel compute create " + compute +
                    " --type local` (or --type slurm), or use compute: local");
  }
  nlohmann::json cfg =
      nlohmann::json::parse(rec->config_json.empty() ? "{}" : rec->config_json, nullptr, false);
  if (rec->type == "local") {
    int slots = max_parallel > 0 ? max_parallel : cfg.value("max_nodes", 0);
    return std::make_unique<LocalBackend>(default_slots(slots));
  }
  if (rec->type == "slurm") {
    SlurmConfig sc = parse_slurm_config(rec->config_json);
    // Steps run in folders under the workspace: the nodes must see it.
    check_shared_path_visible(ws.root(), sc);
    return std::make_unique<SlurmBackend>(sc);
  }
  throw invalid_argument("compute target '" + compute + "' has type '" + rec->type +
                         "', which this build of runnel cannot run");
}

}  // namespace runnel
