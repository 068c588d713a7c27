// `runnel why RUN STEP`: why a step ran or was reused — per fingerprint component, what
// differs from the most recent earlier run of that step.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/run_json.h"
#include "engine/fingerprint.h"
#include "runnel/error.h"
#include "server/why_json.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

void why(CliGlobals& g, const std::string& run_id, const std::string& step,
         const std::string& output) {
  Workspace ws = open_workspace(g);
  PipelineRunRecord run = find_run(ws, run_id);
  StepRunRecord s = find_step(ws, run, step);
  json fp = fingerprint_components_of(ws.store(), s);
  json out = why_json(ws, run, s);
  if (output == "json") {
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << "step " << s.name << " (step run " << s.id << " of " << run.id
            << "): " << to_string(s.status) << "\n";
  if (!out["decision"].get<std::string>().empty())
    std::cout << "  decision: " << out["decision"].get<std::string>() << "\n";
  if (s.status == StepStatus::kReused)
    std::cout << "  it took the outputs of run " << s.reused_run_id << ": same fingerprint "
              << s.fingerprint.substr(0, 12)
              << " (code, inputs' content, command, environment, parameters)\n";
  if (out["compared_with"].is_null()) {
    if (!fp.is_null()) std::cout << "  no earlier run of this step to compare with\n";
    return;
  }
  const json& c = out["compared_with"];
  std::cout << "  compared with the previous run of this step: " << c["run_id"].get<std::string>()
            << " (run " << c["pipeline_run_id"].get<std::string>() << ", "
            << c["status"].get<std::string>() << ")\n";
  if (out["changes"].empty()) {
    std::cout << "  nothing in the fingerprint changed";
    if (s.status != StepStatus::kReused) std::cout << "; it ran because of the decision above";
    std::cout << "\n";
  } else {
    std::cout << "  what changed:\n";
    for (const auto& l : out["changes"]) std::cout << "    - " << l.get<std::string>() << "\n";
  }
  if (!out["unchanged"].empty()) {
    std::string u;
    for (const auto& l : out["unchanged"]) u += (u.empty() ? "" : ", ") + l.get<std::string>();
    std::cout << "  unchanged: " << u << "\n";
  }
}

}  // namespace

void register_why(CLI::App& app, CliGlobals& g) {
  struct Args {
    std::string run, step, output = "text";
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub =
      app.add_subcommand("why", "why a step ran or was reused: what changed since its last run");
  sub->add_option("run", a->run, "run id or prefix, or `latest`")->required();
  sub->add_option("step", a->step, "step name or step run id")->required();
  sub->add_option("--output,-o", a->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  sub->callback([a, &g] { why(g, a->run, a->step, a->output); });
}

}  // namespace runnel::cli
