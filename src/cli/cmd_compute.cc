// `runnel compute create|list|show|delete`: compute targets.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/cli.h"
#include "cli/table.h"
#include "exec/slurm_backend.h"
#include "core/ids.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

// "4G" / "512M" / "1T" -> megabytes; "" -> 0.
int64_t parse_memory_mb(const std::string& s) {
  if (s.empty()) return 0;
  size_t pos = 0;
  double v = std::stod(s, &pos);
  std::string unit = s.substr(pos);
  if (unit == "G" || unit == "g" || unit == "GB") return static_cast<int64_t>(v * 1024);
  if (unit == "T" || unit == "t" || unit == "TB") return static_cast<int64_t>(v * 1024 * 1024);
  if (unit == "M" || unit == "m" || unit == "MB" || unit.empty()) return static_cast<int64_t>(v);
  throw invalid_argument("--memory " + s + ": expected a size like 512M or 4G");
}

// "90s" / "30m" / "1h" / "HH:MM:SS" -> seconds; "" -> 0.
int parse_seconds(const std::string& s) {
  if (s.empty()) return 0;
  int h = 0, m = 0, sec = 0;
  if (std::sscanf(s.c_str(), "%d:%d:%d", &h, &m, &sec) == 3) return h * 3600 + m * 60 + sec;
  size_t pos = 0;
  double v = std::stod(s, &pos);
  std::string unit = s.substr(pos);
  if (unit == "h") return static_cast<int>(v * 3600);
  if (unit == "m") return static_cast<int>(v * 60);
  if (unit == "s" || unit.empty()) return static_cast<int>(v);
  throw invalid_argument("--time " + s + ": expected a duration like 30m, 2h or 01:30:00");
}

}  // namespace

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
  create->add_option("--memory", a->memory, "default memory per step, e.g. 4G");
  create->add_option("--gpus", a->gpus, "default gpus per step");
  create->add_option("--time", a->time, "default time limit per step, e.g. 1h or 00:30:00");
  create->add_option("--sbatch-flag", a->sbatch_flags, "slurm: extra sbatch flag (repeatable)");
  create->callback([a, &g] {
    Workspace ws = open_workspace(g);
    if (a->name == "local") throw already_exists("compute 'local' is built in; pick another name");
    json cfg = json::object();
    if (a->type == "local") {
      cfg["max_nodes"] = a->max_nodes;
    } else {
      cfg["partition"] = a->partition;
      cfg["max_concurrent_jobs"] = a->max_concurrent_jobs > 0 ? a->max_concurrent_jobs : 100;
      cfg["account"] = a->account;
      cfg["qos"] = a->qos;
      cfg["extra_sbatch_flags"] = a->sbatch_flags;
      cfg["default_resources"] = {{"cpus", a->cpus}, {"memory_mb", parse_memory_mb(a->memory)}, {"gpus", a->gpus},
                                  {"time_limit_s", parse_seconds(a->time)}};
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
