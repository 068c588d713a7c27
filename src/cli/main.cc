// runnel: the command-line face. Parses, dispatches to one file per subcommand, and maps
// errors to exit codes: 0 ok, 1 a run failed or was canceled, 2 bad usage or bad input,
// 3 a service is unavailable, 4 an internal error (cli.h, README "Exit codes").
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/cli.h"
#include "cli/unknown_command.h"
#include "runnel/error.h"
#include "spec/yaml_loader.h"

namespace runnel::cli {

// cmd_schedule.cc (declared here rather than in cli.h, which every subcommand includes).
void register_schedule(CLI::App& app, CliGlobals& g);
void register_pipeline(CLI::App& app,
                       CliGlobals& g);  // cmd_pipeline.cc (publish, endpoints, drafts)

Workspace open_workspace(const CliGlobals& g) { return Workspace::from_config(g.workspace); }

PipelineSpec load_pipeline_file(const std::string& file, bool strict) {
  LoadOptions options;
  options.strict = strict;
  PipelineSpec spec = load_pipeline_yaml(file, options);
  for (const auto& m : spec.load_messages) std::cerr << m << "\n";
  return spec;
}

void print_error(const std::string& message) {
  std::string m = message;
  size_t nl = m.find('\n');
  std::cerr << "error: " << m.substr(0, nl) << "\n";
  while (nl != std::string::npos) {
    size_t next = m.find('\n', nl + 1);
    std::string line =
        m.substr(nl + 1, next == std::string::npos ? std::string::npos : next - nl - 1);
    if (!line.empty()) std::cerr << "  " << line << "\n";
    nl = next;
  }
}

}  // namespace runnel::cli

int main(int argc, char** argv) {
  using namespace runnel::cli;
  CLI::App app{"runnel: reproducible, cached ML pipelines on a laptop or a Slurm cluster"};
  app.set_version_flag("--version", "runnel 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();  // global options (-w, --no-color) may also follow the subcommand
  CliGlobals g;
  app.add_option(
      "--workspace,-w", g.workspace,
      "workspace folder (default: $RUNNEL_WORKSPACE, else the nearest .runnel/ upwards)");
  app.add_flag_callback(
      "--no-color", [&g] { g.color = false; }, "plain output without colors");
  register_init(app, g);
  register_run(app, g);
  register_plan(app, g);
  register_runs(app, g);
  register_logs(app, g);
  register_metrics(app, g);
  register_why(app, g);
  register_env(app, g);
  register_compute(app, g);
  register_dataset(app, g);
  register_datastore(app, g);
  register_serve(app, g);
  register_token(app, g);
  register_schedule(app, g);
  register_pipeline(app, g);  // cmd_pipeline.cc
  register_component(app, g);
  register_data(app, g);
  register_model(app, g);
  register_job(app, g);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // `runnel rnu`: CLI11 says only "A subcommand is required"; name the word and suggest.
    if (auto unknown =
            unknown_command_message(app, std::vector<std::string>(argv + 1, argv + argc))) {
      print_error(*unknown);
      return kExitUsage;
    }
    print_error(e.what());
    std::cerr << "  run `runnel --help` for usage\n";
    return kExitUsage;
  } catch (const ExitWith& e) {
    return e.code;
  } catch (const runnel::Error& e) {
    print_error(e.code() == runnel::ErrorCode::kInternal
                    ? std::string("internal error: ") + e.what()
                    : e.what());
    return exit_code_for(e.code());
  } catch (const std::exception& e) {
    print_error(std::string("internal error: ") + e.what() +
                "\nthis is a bug in runnel; please report it with the command that caused it");
    return kExitInternal;
  }
  return g.exit_code;
}
