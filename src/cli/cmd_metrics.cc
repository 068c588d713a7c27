// `runnel metrics RUN [STEP]`: what the steps logged.
#include <iostream>

#include "cli/cli.h"
#include "cli/run_json.h"
#include "cli/table.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

std::string compact(const std::string& value_json) {
  json v = json::parse(value_json, nullptr, false);
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  if (v.is_string()) return v.get<std::string>();
  std::string s = v.dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

void show_metrics(CliGlobals& g, const std::string& run_id, const std::string& step,
                  const std::string& output) {
  Workspace ws = open_workspace(g);
  PipelineRunRecord run = find_run(ws, run_id);
  std::vector<MetricRecord> metrics;
  std::map<std::string, std::string> step_names;  // run id -> step name
  step_names[run.id] = "(pipeline)";
  for (const auto& s : ws.store().list_step_runs(run.id)) {
    if (!step.empty() && s.name != step && s.id != step) continue;
    step_names[s.id] = s.name;
    // A reused step shows the metrics of the run it reused.
    std::string source = s.reused_run_id.empty() ? s.id : s.reused_run_id;
    for (auto m : ws.store().get_metrics("", source)) {
      m.run_id = s.id;
      metrics.push_back(m);
    }
  }
  if (!step.empty() && step_names.size() == 1) find_step(ws, run, step);  // throws a clear error
  if (step.empty())
    for (const auto& m : ws.store().get_metrics(run.id, ""))
      if (m.run_id == run.id) metrics.push_back(m);
  if (output == "json") {
    json out = json::object();
    for (const auto& m : metrics) {
      json& node = out[step_names[m.run_id]][m.name];
      json v = json::parse(m.value_json, nullptr, false);
      if (m.kind == "scalar" && node.is_null()) {
        node = v;
      } else if (m.kind == "scalar") {
        if (!node.is_array()) node = json::array({node});
        node.push_back(v);
      } else {
        if (!node.is_array()) node = json::array();
        node.push_back(v);
      }
    }
    std::cout << out.dump(2) << "\n";
    return;
  }
  if (metrics.empty()) {
    std::cout << "no metrics logged in run " << run.id << "\n";
    return;
  }
  Table t({"STEP", "METRIC", "KIND", "VALUE"});
  for (const auto& m : metrics)
    t.add({step_names[m.run_id], m.name, m.kind, compact(m.value_json)});
  t.print();
}

}  // namespace

void register_metrics(CLI::App& app, CliGlobals& g) {
  struct Args {
    std::string run, step, output = "text";
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub =
      app.add_subcommand("metrics", "metrics the steps logged (run.log, log_list, log_row, ...)");
  sub->add_option("run", a->run, "run id or prefix, or `latest`")->required();
  sub->add_option("step", a->step, "only this step");
  sub->add_option("--output,-o", a->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  sub->callback([a, &g] { show_metrics(g, a->run, a->step, a->output); });
}

}  // namespace runnel::cli
