// `runnel compute create|list|show|delete`: compute targets.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "assets/asset_yaml.h"
#include "cli/cli.h"
#include "cli/table.h"
#include "core/ids.h"
#include "core/units.h"
#include "exec/slurm_backend.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

// A v2 compute YAML (`az ml compute create --file`): amlcompute and computeinstance become
// a local process pool of max_instances slots (runnel runs on this machine); runnel's own
// `type: slurm` takes the --partition/--account/--qos/... settings as keys.
template <typename Args>
void apply_compute_file(Args& a) {
  assets::AssetYaml f = assets::read_asset_yaml(a.file, {a.sets, "", ""});
  assets::check_asset_keys(f,
                           {"$schema",
                            "name",
                            "type",
                            "size",
                            "min_instances",
                            "max_instances",
                            "idle_time_before_scale_down",
                            "tier",
                            "location",
                            "description",
                            "tags",
                            "identity",
                            "ssh_public_access_enabled",
                            "ssh_settings",
                            "network_settings",
                            "enable_node_public_ip",
                            "partition",
                            "account",
                            "qos",
                            "max_concurrent_jobs",
                            "cpus",
                            "memory",
                            "gpus",
                            "time",
                            "sbatch_flags"},
                           "a compute");
  if (a.name.empty()) a.name = assets::string_at(f.doc, "name");
  std::string type = assets::string_at(f.doc, "type");
  auto num = [&](const char* key) -> int {
    std::string v = assets::string_at(f.doc, key);
    if (v.empty()) return 0;
    if (v.find_first_not_of("0123456789") != std::string::npos || v.size() > 6)
      throw invalid_argument(a.file + ": " + key + " '" + v + "' is not a whole number");
    return std::stoi(v);
  };
  if (type == "amlcompute" || type == "computeinstance" || type == "local" || type.empty()) {
    a.type = "local";
    a.max_nodes = num("max_instances");
  } else if (type == "slurm") {
    a.type = "slurm";
    a.partition = assets::string_at(f.doc, "partition");
    a.account = assets::string_at(f.doc, "account");
    a.qos = assets::string_at(f.doc, "qos");
    a.max_concurrent_jobs = num("max_concurrent_jobs");
    a.cpus = num("cpus");
    a.gpus = num("gpus");
    a.memory = assets::string_at(f.doc, "memory");
    a.time = assets::string_at(f.doc, "time");
    if (f.doc.contains("sbatch_flags") && f.doc["sbatch_flags"].is_array())
      for (const auto& x : f.doc["sbatch_flags"])
        a.sbatch_flags.push_back(x.is_string() ? x.get<std::string>() : x.dump());
  } else {
    throw invalid_argument(
        a.file + ": compute type '" + type +
        "' cannot run here; use amlcompute (a local pool of max_instances slots) or slurm");
  }
}

}  // namespace

void register_compute(CLI::App& app, CliGlobals& g) {
  CLI::App* compute =
      app.add_subcommand("compute", "compute targets: local process pools and Slurm clusters");
  compute->require_subcommand(1);
  struct Args {
    std::string name, type = "local", partition, account, qos, time, memory;
    int max_nodes = 0, max_concurrent_jobs = 0, cpus = 0, gpus = 0;
    std::string name_flag;  // az's -n/--name
    int max_instances = 0;  // az's --max-instances (amlcompute): the local slots
    std::string size, tier, idle, location, description;
    int min_instances = 0;
    std::vector<std::string> sbatch_flags;
    std::string output = "text";
    std::string file;
    std::vector<std::string> sets;
  };
  auto a = std::make_shared<Args>();
  CLI::App* create = compute->add_subcommand("create", "register a compute target");
  create->add_option("name", a->name, "compute name (as in `compute: NAME` or azureml:NAME)");
  create->add_option(
      "-f,--file", a->file,
      "a v2 compute YAML (amlCompute: name, type, min_instances, max_instances, ...)");
  create->add_option("--set", a->sets,
                     "with -f: override a field of the file, KEY=VALUE (repeatable)");
  create->add_option("-n,--name", a->name_flag, "the compute name (az ml's spelling of NAME)");
  create
      ->add_option("--type", a->type,
                   "local or slurm; az's amlcompute / computeinstance are a local pool")
      ->transform(
          CLI::IsMember({"local", "slurm", "amlcompute", "computeinstance"}, CLI::ignore_case));
  create->add_option("--max-instances", a->max_instances,
                     "amlcompute: the local pool's parallel slots (as --max-nodes)");
  // az ml compute create's other amlcompute flags: accepted, nothing to provision here.
  create->add_option("--min-instances", a->min_instances)->group("az ml (accepted, no effect)");
  create->add_option("--size", a->size)->group("az ml (accepted, no effect)");
  create->add_option("--tier", a->tier)->group("az ml (accepted, no effect)");
  create->add_option("--idle-time-before-scale-down", a->idle)
      ->group("az ml (accepted, no effect)");
  create->add_option("--location", a->location)->group("az ml (accepted, no effect)");
  create->add_option("--description", a->description)->group("az ml (accepted, no effect)");
  create->add_option("--max-nodes", a->max_nodes, "local: parallel slots (default: cores)");
  create->add_option("--partition", a->partition, "slurm: partition");
  create->add_option("--max-concurrent-jobs", a->max_concurrent_jobs,
                     "slurm: jobs in the queue at once (default 100)");
  create->add_option("--account", a->account, "slurm: account");
  create->add_option("--qos", a->qos, "slurm: quality of service");
  create->add_option("--cpus", a->cpus, "default cpus per step");
  create->add_option("--memory", a->memory,
                     "default memory per step: a size such as 4Gi, 4G or 512M (powers of 1024)");
  create->add_option("--gpus", a->gpus, "default gpus per step");
  create->add_option(
      "--time", a->time,
      "default time limit per step: a duration such as 90s, 30m, 2h, 30:00 or 1-00:00:00");
  create->add_option("--sbatch-flag", a->sbatch_flags, "slurm: extra sbatch flag (repeatable)");
  create->callback([a, &g] {
    if (!a->name_flag.empty()) {
      if (!a->name.empty() && a->name != a->name_flag)
        throw invalid_argument("compute create: NAME '" + a->name + "' and --name '" +
                               a->name_flag + "' differ; give one");
      a->name = a->name_flag;
    }
    if (a->type == "amlcompute" || a->type == "computeinstance") {
      // Azure's managed cluster stands for this machine: a local pool (as a -f file's).
      if (a->max_nodes == 0) a->max_nodes = a->max_instances;
      a->type = "local";
    }
    if (!a->file.empty()) apply_compute_file(*a);
    if (a->name.empty())
      throw invalid_argument("give the compute target a NAME (or a `name:` in the -f file)");
    check_name(a->name, "compute");
    if (a->name == "local") throw already_exists("compute 'local' is built in; pick another name");
    check_at_least(a->max_nodes, 0, "--max-nodes",
                   "parallel slots; 0 or leaving it out means one per core");
    check_at_least(a->max_concurrent_jobs, 0, "--max-concurrent-jobs", "jobs in the queue at once");
    check_at_least(a->cpus, 0, "--cpus", "cpus per step");
    check_at_least(a->gpus, 0, "--gpus", "gpus per step");
    const int64_t memory_mb = parse_memory_mb(a->memory, "--memory");
    const int64_t time_limit_s = parse_time_limit_s(a->time, "--time");
    Workspace ws = open_workspace(g);
    json cfg = json::object();
    if (a->type == "local") {
      cfg["max_nodes"] = a->max_nodes;
    } else {
      cfg["partition"] = a->partition;
      cfg["max_concurrent_jobs"] = a->max_concurrent_jobs > 0 ? a->max_concurrent_jobs : 100;
      cfg["account"] = a->account;
      cfg["qos"] = a->qos;
      cfg["extra_sbatch_flags"] = a->sbatch_flags;
      cfg["default_resources"] = {{"cpus", a->cpus},
                                  {"memory_mb", memory_mb},
                                  {"gpus", a->gpus},
                                  {"time_limit_s", time_limit_s}};
      parse_slurm_config(cfg.dump());  // the same checks the engine applies
    }
    ComputeRecord c{a->name, a->type, cfg.dump(), now_ms()};
    ws.store().put_compute(c);
    std::cout << "Created compute target " << a->name << " (" << a->type << ")\n";
  });
  CLI::App* list = compute->add_subcommand("list", "compute targets");
  list->callback([&g] {
    Workspace ws = open_workspace(g);
    Table t({"NAME", "TYPE", "SETTINGS"});
    t.add({"local", "local",
           "slots=" + std::to_string(std::thread::hardware_concurrency()) + " (built in)"});
    for (const auto& c : ws.store().list_computes()) t.add({c.name, c.type, c.config_json});
    t.print();
  });
  CLI::App* show = compute->add_subcommand("show", "one compute target's settings");
  show->add_option("name", a->name)->required();
  show->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto c = ws.store().get_compute(a->name);
    if (!c)
      throw not_found("compute target '" + a->name + "' does not exist; see `runnel compute list`");
    json j = {{"name", c->name}, {"type", c->type}, {"config", json::parse(c->config_json)}};
    if (c->type == "slurm") {
      SlurmConfig sc = parse_slurm_config(c->config_json);
      j["status"] = json::parse(slurm_status_report(sc.partition, sc), nullptr, false);
    }
    std::cout << j.dump(2) << "\n";
  });
  CLI::App* del = compute->add_subcommand("delete", "remove a compute target");
  del->add_option("name", a->name)->required();
  del->callback([a, &g] {
    Workspace ws = open_workspace(g);
    ws.store().delete_compute(a->name);
    std::cout << "Deleted compute target " << a->name << "\n";
  });
}

}  // namespace runnel::cli
