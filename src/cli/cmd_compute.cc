// `runnel compute create|list|show|delete`: compute targets.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/ids.h"
#include "core/units.h"
#include "exec/slurm_backend.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

using nlohmann::json;

namespace runnel::cli {

void register_compute(CLI::App& app, CliGlobals& g) {
  CLI::App* compute = app.add_subcommand("compute", "compute targets: local process pools and Slurm clusters");
  compute->require_subcommand(1);
  struct Args {
    std::string name, type = "local", partition, account, qos, time, memory;
    int max_nodes = 0, max_concurrent_jobs = 0, cpus = 0, gpus = 0;
    std::vector<std::string> sbatch_flags;
    std::string output = "text";
  };
  auto a = std::make_shared<Args>();
  CLI::App* create = compute->add_subcommand("create", "register a compute target");
  create->add_option("name", a->name, "compute name (as in `compute: NAME` or azureml:NAME)")->required();
  create->add_option("--type", a->type, "local or slurm")->check(CLI::IsMember({"local", "slurm"}));
  create->add_option("--max-nodes", a->max_nodes, "local: parallel slots (default: cores)");
  create->add_option("--partition", a->partition, "slurm: partition");
  create->add_option("--max-concurrent-jobs", a->max_concurrent_jobs, "slurm: jobs in the queue at once (default 100)");
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
    t.add({"local", "local", "slots=" + std::to_string(std::thread::hardware_concurrency()) + " (built in)"});
    for (const auto& c : ws.store().list_computes()) t.add({c.name, c.type, c.config_json});
    t.print();
  });
  CLI::App* show = compute->add_subcommand("show", "one compute target's settings");
  show->add_option("name", a->name)->required();
  show->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto c = ws.store().get_compute(a->name);
    if (!c) throw not_found("compute target '" + a->name + "' does not exist; see `runnel compute list`");
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
