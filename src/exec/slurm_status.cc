// exec/slurm_status.cc: slurm_status_report and check_shared_path_visible (see
// slurm_backend.h).
#include <filesystem>
#include <nlohmann/json.hpp>

#include "exec/slurm_backend.h"
#include "runnel/error.h"

namespace runnel {
namespace fs = std::filesystem;

std::string slurm_status_report(const std::string& partition, const SlurmConfig& config,
                                CommandRunner* runner) {
  ProcessCommandRunner real;
  if (!runner) runner = &real;
  std::vector<std::string> argv = config.command_prefix;
  argv.insert(argv.end(), {"sinfo", "-h", "-N", "-o", "%N|%P|%T|%c|%m|%G|%C|%E"});
  if (!partition.empty()) argv.push_back("--partition=" + partition);
  CommandResult r = runner->run(argv, std::chrono::milliseconds(config.command_timeout_ms));
  if (!r.ok()) {
    nlohmann::json j = {{"type", "slurm"},
                        {"reachable", false},
                        {"partition", partition},
                        {"error", "sinfo failed: " + r.describe()}};
    return j.dump();
  }
  return build_status_json(partition, parse_sinfo_nodes(r.out));
}

void check_shared_path_visible(const std::string& path, const SlurmConfig& config,
                               CommandRunner* runner) {
  ProcessCommandRunner real;
  if (!runner) runner = &real;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    throw not_found("shared path check: '" + path + "' is not a folder on this machine");
  }
  std::vector<std::string> argv = config.command_prefix;
  argv.insert(argv.end(), {"srun", "-N1", "-n1", "--immediate=60", "--time=1", "--chdir=/", "-J",
                           "runnel-path-check", "--quiet"});
  if (!config.partition.empty()) argv.push_back("--partition=" + config.partition);
  if (!config.account.empty()) argv.push_back("--account=" + config.account);
  if (!config.qos.empty()) argv.push_back("--qos=" + config.qos);
  argv.insert(argv.end(), {"test", "-d", path});
  CommandResult r = runner->run(argv, std::chrono::milliseconds(90000));
  if (r.ok()) return;
  // A partition, account or QOS that Slurm does not know is the target's settings, not an outage.
  for (const char* bad : {"invalid partition", "Invalid account", "Invalid qos"}) {
    if (r.err.find(bad) != std::string::npos) {
      throw invalid_argument(
          "Slurm refused the compute target's settings: " + r.describe() +
          "; fix them with `runnel compute create` (see `sinfo` for partitions)");
    }
  }
  if (r.spawn_failed || r.timed_out || is_slurm_unreachable_error(r.err) ||
      r.err.find("srun: error:") != std::string::npos) {
    throw unavailable("shared path check: could not run a job on a Slurm node to look for '" +
                      path + "': " + r.describe());
  }
  throw io_error("the Slurm nodes cannot see '" + path +
                 "': the workspace must be on a filesystem shared with the "
                 "compute nodes (NFS, "
                 "Lustre, ...), at the same path. Move the workspace there, or "
                 "use an object "
                 "datastore. (srun test -d: " +
                 r.describe() + ")");
}

}  // namespace runnel
