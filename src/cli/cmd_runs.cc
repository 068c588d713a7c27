// `runnel runs list|show`: what ran, when, and where its results are.
#include <iostream>

#include "cli/cli.h"
#include "cli/run_json.h"
#include "cli/table.h"
#include "core/ids.h"
#include "engine/reconcile.h"
#include "runnel/error.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

std::string duration(int64_t a, int64_t b) { return (a && b) ? format_duration(b - a) : ""; }

void list_runs(CliGlobals& g, const std::string& experiment, int limit, const std::string& output) {
  Workspace ws = open_workspace(g);
  reconcile_dead_runs(ws);
  auto runs = ws.store().list_pipeline_runs(experiment, limit);
  if (output == "json") {
    json arr = json::array();
    for (const auto& r : runs) {
      json j = {{"run_id", r.id}, {"experiment", r.experiment}, {"status", to_string(r.status)},
                {"created", format_time_iso(r.created_at)}, {"source_file", r.source_file}};
      arr.push_back(j);
    }
    std::cout << arr.dump(2) << "\n";
    return;
  }
  if (runs.empty()) {
    std::cout << "no runs yet; start one with `runnel run FILE.yml`\n";
    return;
  }
  Table t({"RUN ID", "EXPERIMENT", "STATUS", "CREATED", "DURATION", "STEPS"});
  for (const auto& r : runs) {
    auto steps = ws.store().list_step_runs(r.id);
    int done = 0, reused = 0;
    for (const auto& s : steps) {
      done += s.status == StepStatus::kFinished;
      reused += s.status == StepStatus::kReused;
    }
    std::string st = std::to_string(done) + " ran";
    if (reused) st += ", " + std::to_string(reused) + " reused";
    st += " / " + std::to_string(steps.size());
    t.add({r.id, r.experiment, to_string(r.status), format_time(r.created_at), duration(r.started_at, r.ended_at), st});
  }
  t.print();
}

void show_run(CliGlobals& g, const std::string& id, const std::string& output) {
  Workspace ws = open_workspace(g);
  reconcile_dead_runs(ws);
  PipelineRunRecord r = find_run(ws, id);
  json j = run_to_json(ws, r);
  if (output == "json") {
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "Run         " << r.id << "\n"
            << "Experiment  " << r.experiment << "\n"
            << "Status      " << to_string(r.status) << "\n";
  if (!r.source_file.empty()) std::cout << "Pipeline    " << r.source_file << "\n";
  std::cout << "Created     " << format_time(r.created_at) << "\n";
  if (r.ended_at) std::cout << "Duration    " << duration(r.started_at, r.ended_at) << "\n";
  if (!r.error.empty()) std::cout << "Error       " << r.error << "\n";
  if (j["git"].is_object()) {
    const json& git = j["git"];
    std::cout << "Git         " << git.value("repository", std::string()) << " " << git.value("branch", std::string())
              << " " << git.value("commit", std::string()).substr(0, 12)
              << (git.value("dirty", false) ? " (dirty)" : "") << "\n";
  }
  std::cout << "\n";
  Table t({"STEP", "STATUS", "STARTED", "DURATION", "EXIT", "RUN ID", "DETAIL"});
  for (const auto& s : ws.store().list_step_runs(r.id)) {
    std::string detail = s.error;
    if (s.status == StepStatus::kReused) detail = "reused " + s.reused_run_id;
    if (!s.backend_job_id.empty() && s.compute != "local") detail += (detail.empty() ? "" : "; ") + s.compute + " job " + s.backend_job_id;
    std::string exit = s.exit_code ? std::to_string(*s.exit_code) : (s.signal ? "sig " + std::to_string(s.signal) : "");
    t.add({s.name, to_string(s.status), s.started_at ? format_time(s.started_at).substr(11) : "", duration(s.started_at, s.ended_at),
           exit, s.id, detail});
  }
  t.print();
  std::cout << "\n";
  for (const auto& s : j["steps"]) {
    std::cout << s["name"].get<std::string>() << "\n";
    if (s["decision"].is_string()) std::cout << "    why:     " << s["decision"].get<std::string>() << "\n";
    std::cout << "    logs:    " << s["log_dir"].get<std::string>() << "\n";
    for (const auto& [name, path] : s["outputs"].items()) std::cout << "    output " << name << ": " << path.get<std::string>() << "\n";
    for (const auto& [name, v] : s["metrics"].items()) std::cout << "    metric " << name << " = " << v.dump() << "\n";
  }
}

}  // namespace

void register_runs(CLI::App& app, CliGlobals& g) {
  CLI::App* runs = app.add_subcommand("runs", "list and inspect pipeline runs");
  runs->require_subcommand(1);
  struct Args {
    std::string experiment, id, output = "text";
    int limit = 20;
  };
  auto a = std::make_shared<Args>();
  CLI::App* list = runs->add_subcommand("list", "pipeline runs, newest first");
  list->add_option("--experiment,-e", a->experiment, "only this experiment");
  list->add_option("--limit,-n", a->limit, "at most N runs (default 20)");
  list->add_option("--output,-o", a->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  list->callback([a, &g] { list_runs(g, a->experiment, a->limit, a->output); });
  CLI::App* show = runs->add_subcommand("show", "a run's steps, statuses, times, exit codes, outputs, metrics");
  show->add_option("run", a->id, "run id or unique prefix (default: the latest run)");
  show->add_option("--output,-o", a->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  show->callback([a, &g] { show_run(g, a->id, a->output); });
}

}  // namespace runnel::cli
