// `runnel plan FILE`: load, validate and decide what would run, executing nothing.
#include <iostream>

#include "assets/component_registry.h"
#include "cli/cli.h"
#include "engine/executor.h"
#include "spec/yaml_loader.h"

namespace runnel::cli {

void register_plan(CLI::App& app, CliGlobals& g) {
  struct Args {
    std::string file;
    bool regenerate = false;
    std::vector<std::string> rerun;
    bool quiet = false;
    bool strict = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub =
      app.add_subcommand("plan", "show what `runnel run FILE` would run and why, running nothing");
  sub->add_option("file", a->file, "pipeline YAML")->required();
  sub->add_flag("--regenerate-outputs", a->regenerate, "plan as if nothing could be reused");
  sub->add_option("--rerun", a->rerun, "plan STEP and its downstream as rerun");
  sub->add_flag("--quiet,-q", a->quiet, "print only the summary line");
  sub->add_flag("--strict", a->strict,
                "keys Azure ML only warns about (unknown settings) are errors");
  sub->callback([a, &g] {
    auto registered = assets::use_registered_components(g.workspace);  // azureml:NAME:V components
    PipelineSpec spec = load_pipeline_file(a->file, a->strict);
    Workspace ws = open_workspace(g);
    ExecutionOptions opts;
    opts.dry_run = true;
    opts.regenerate_outputs = a->regenerate;
    opts.rerun_steps = a->rerun;
    size_t n = spec.steps.size();
    auto exec = PipelineExecution::submit(ws, std::move(spec), opts);
    size_t will_run = 0;
    std::string out;
    for (const auto& s : exec->steps()) {
      bool reuse = s.decision.rfind("eligible", 0) == 0;
      will_run += !reuse;
      if (!a->quiet) out += "step " + s.name + ": " + s.decision + "\n";
    }
    std::cout << out << "plan: " << n << " steps, " << will_run << " would run, " << (n - will_run)
              << " would be reused\n";
  });
}

}  // namespace runnel::cli
