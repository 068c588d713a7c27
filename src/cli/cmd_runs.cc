// `runnel runs list|show`: what ran, when, and where its results are.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "cli/run_json.h"
#include "cli/run_views.h"
#include "cli/table.h"
#include "core/ids.h"
#include "engine/reconcile.h"
#include "runnel/error.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

std::string duration(int64_t a, int64_t b) { return (a && b) ? format_duration(b - a) : ""; }

}  // namespace

void list_runs(CliGlobals& g, const std::string& experiment, int limit, const std::string& output) {
  Workspace ws = open_workspace(g);
  reconcile_dead_runs(ws);
  auto runs = ws.store().list_pipeline_runs(experiment, limit);
  if (output == "json") {
    json arr = json::array();
    for (const auto& r : runs) {
      json j = {{"run_id", r.id},
                {"experiment", r.experiment},
                {"status", to_string(r.status)},
                {"created", format_time_iso(r.created_at)},
                {"source_file", r.source_file}};
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
    t.add({r.id, r.experiment, to_string(r.status), format_time(r.created_at),
           duration(r.started_at, r.ended_at), st});
  }
  t.print();
}

namespace {

std::string short_json(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// A parallel step's mini-batch progress, or a sweep's trials sorted by the primary metric.
void print_children(const json& c) {
  if (!c.is_object()) return;
  if (c.value("kind", "") == "parallel") {
    std::cout << "    mini-batches: " << c.value("mini_batches", 0) << " (" << c.value("reused", 0)
              << " reused, " << c.value("done", 0) << " of " << c.value("to_run", 0) << " run, "
              << c.value("failed", 0) << " failed)";
    if (c.contains("items"))
      std::cout << "; items: " << c.value("items", 0) << ", " << c.value("failed_items", 0)
                << " failed";
    if (!c.value("final", false) && c.contains("eta_s") && c["eta_s"].is_number())
      std::cout << "; ETA " << short_json(c["eta_s"]) << " s";
    std::cout << "\n";
    if (c.contains("failed_mini_batches") && c["failed_mini_batches"].is_array())
      for (const auto& f : c["failed_mini_batches"])
        std::cout << "    failed mini-batch " << f.value("index", 0) << ": "
                  << f.value("error", std::string()) << " (" << f.value("log", std::string())
                  << ")\n";
    return;
  }
  const json kids = c.value("children", json::array());
  std::string metric = c.value("primary_metric", std::string());
  std::cout << "    trials: " << kids.size() << " (" << metric << ", "
            << c.value("goal", std::string()) << ", best first)\n";
  Table t(
      {"TRIAL", "STATUS", metric.empty() ? std::string("METRIC") : metric, "PARAMETERS", "RUN ID"});
  for (const auto& k : kids) {
    std::string params;
    const json params_json = k.value("parameters", json::object());
    if (params_json.is_object())
      for (const auto& [n, v] : params_json.items())
        params += (params.empty() ? "" : " ") + n + "=" + short_json(v);
    std::string status = k.value("status", std::string());
    const json reason = k.value("reason", json());
    if (reason.is_string() && !reason.get<std::string>().empty())
      status += " (" + reason.get<std::string>() + ")";
    const json pm = k.value("primary_metric", json::object());
    t.add({std::to_string(k.value("number", 0)), status,
           short_json(pm.is_object() ? pm.value("final", json()) : json()), params,
           k.value("id", std::string())});
  }
  std::ostringstream os;
  t.print(os);
  std::istringstream is(os.str());
  for (std::string line; std::getline(is, line);) std::cout << "    " << line << "\n";
}

}  // namespace

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
    std::cout << "Git         " << git.value("repository", std::string()) << " "
              << git.value("branch", std::string()) << " "
              << git.value("commit", std::string()).substr(0, 12)
              << (git.value("dirty", false) ? " (dirty)" : "") << "\n";
  }
  std::cout << "\n";
  Table t({"STEP", "STATUS", "STARTED", "DURATION", "EXIT", "RUN ID", "DETAIL"});
  for (const auto& s : ws.store().list_step_runs(r.id)) {
    std::string detail = s.error;
    if (s.status == StepStatus::kReused) detail = "reused " + s.reused_run_id;
    if (!s.backend_job_id.empty() && s.compute != "local")
      detail += (detail.empty() ? "" : "; ") + s.compute + " job " + s.backend_job_id;
    std::string exit = s.exit_code ? std::to_string(*s.exit_code)
                                   : (s.signal ? "sig " + std::to_string(s.signal) : "");
    t.add({s.name, to_string(s.status), s.started_at ? format_time(s.started_at).substr(11) : "",
           duration(s.started_at, s.ended_at), exit, s.id, detail});
  }
  t.print();
  std::cout << "\n";
  for (const auto& s : j["steps"]) {
    std::cout << s["name"].get<std::string>() << "\n";
    if (s["decision"].is_string())
      std::cout << "    why:     " << s["decision"].get<std::string>() << "\n";
    std::cout << "    logs:    " << s["log_dir"].get<std::string>() << "\n";
    for (const auto& [name, path] : s["outputs"].items())
      std::cout << "    output " << name << ": " << path.get<std::string>() << "\n";
    for (const auto& [name, v] : s["metrics"].items())
      std::cout << "    metric " << name << " = " << v.dump() << "\n";
    print_children(s["children"]);
  }
}

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
  list->add_option("--output,-o", a->output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  list->callback([a, &g] { list_runs(g, a->experiment, a->limit, a->output); });
  CLI::App* show =
      runs->add_subcommand("show", "a run's steps, statuses, times, exit codes, outputs, metrics");
  show->add_option("run", a->id, "run id or unique prefix (default: the latest run)");
  show->add_option("--output,-o", a->output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  show->callback([a, &g] { show_run(g, a->id, a->output); });
}

}  // namespace runnel::cli
