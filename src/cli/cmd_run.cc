// `runnel run FILE`: submit a pipeline and follow it live.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "assets/component_registry.h"
#include "cli/assignments.h"
#include "cli/cli.h"
#include "cli/progress_view.h"
#include "cli/run_command.h"
#include "cli/run_json.h"
#include "core/fs.h"
#include "core/ids.h"
#include "core/units.h"
#include "engine/executor.h"
#include "runnel/error.h"
#include "server/client.h"
#include "spec/yaml_loader.h"

namespace runnel::cli {

namespace {

std::atomic<int> g_interrupts{0};
void on_interrupt(int) { g_interrupts.fetch_add(1); }

// The last `n` lines of a file, for failure messages.
std::string tail_lines(const std::string& path, int n) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string l;
  while (std::getline(in, l)) {
    lines.push_back(l);
    if (static_cast<int>(lines.size()) > n) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& x : lines) out += "    | " + x + "\n";
  return out;
}

// True when `id` is exactly the id of a pipeline or step run (the stores also match
// prefixes; an ambiguous prefix is not a taken id) or names a folder in .runnel/runs/.
bool id_taken(const Workspace& ws, const std::string& id) {
  if (path_exists(ws.runnel_dir() + "/runs/" + id)) return true;
  try {
    auto r = ws.store().get_pipeline_run(id);
    if (r && r->id == id) return true;
    auto s = ws.store().get_step_run(id);
    if (s && s->id == id) return true;
  } catch (const Error&) {
  }
  return false;
}

}  // namespace

void run_command(const RunArgs& a, CliGlobals& g) {
  if (a.output != "text" && a.output != "json")
    throw invalid_argument("--output must be 'text' or 'json', not '" + a.output +
                           "'; use --output json for machine-readable output");
  auto registered = assets::use_registered_components(g.workspace);  // azureml:NAME:V components
  PipelineSpec spec = load_pipeline_file(a.file, a.strict);
  if (spec.experiment_name.empty())
    spec.experiment_name = !a.default_experiment.empty()
                               ? a.default_experiment
                               : std::filesystem::path(a.file).stem().string();
  if (!a.display_name.empty()) spec.display_name = a.display_name;
  Workspace ws = open_workspace(g);
  if (!a.run_id.empty()) {
    check_name(a.run_id, "job");
    // Run ids and step run ids share .runnel/runs/: a name must be free in both.
    if (id_taken(ws, a.run_id))
      throw already_exists("--name " + a.run_id +
                           ": a run of that name exists (runnel job show -n " + a.run_id +
                           "); give another name, or leave --name out for a new one");
  }
  // A server owns the workspace's runs when one is up: the run then outlives this process.
  {
    auto url = server::live_server_url(ws, a.server);
    if (url && server::can_submit_remotely(ws, a.file)) {
      if (!a.run_id.empty() || !a.display_name.empty())
        std::cerr << "note: the server names its runs; --name and display_name are not sent to "
                  << *url << "\n";
      server::RemoteSubmit rs{
          a.file, a.experiment, a.regenerate, a.continue_on_failure, a.compute, a.rerun, {}};
      rs.parameters = parse_parameter_sets(a.sets);
      for (const auto& t : a.tags) {
        auto eq = t.find('=');
        if (eq == std::string::npos) throw invalid_argument("--tag " + t + ": expected KEY=VALUE");
        rs.tags[t.substr(0, eq)] = t.substr(eq + 1);
      }
      g.exit_code =
          server::run_on_server(ws, *url, rs, a.output == "json", [&ws](const std::string& id) {
            std::cout << run_to_json(ws, find_run(ws, id)).dump(2) << "\n";
          });
      return;
    }
    if (url)
      std::cerr << "note: " << a.file
                << " is outside the workspace, so it runs here, not on the server " << *url << "\n";
  }
  ExecutionOptions opts;
  opts.experiment = a.experiment;
  opts.run_id = a.run_id;
  opts.max_parallel = a.jobs;
  opts.regenerate_outputs = a.regenerate;
  opts.default_compute = a.compute;
  opts.rerun_steps = a.rerun;
  if (a.continue_on_failure) opts.continue_on_step_failure = true;
  opts.accept_changed_data = a.accept_changed;
  if (!a.snapshot_max_bytes.empty()) {
    opts.snapshot_max_bytes =
        static_cast<uint64_t>(parse_size(a.snapshot_max_bytes, "--snapshot-max-bytes"));
    if (opts.snapshot_max_bytes == 0)
      throw invalid_argument(
          "--snapshot-max-bytes 0: give a positive size such as 500M (to lift the limit, set "
          "snapshot.max_bytes to 0 in .runnel/config.json)");
  }
  check_at_least(a.snapshot_max_files, 0, "--snapshot-max-files", "files in a code snapshot");
  opts.snapshot_max_files = static_cast<uint64_t>(a.snapshot_max_files);
  for (const auto& [k, v] : parse_parameter_sets(a.sets)) opts.parameters[k].text = v;
  opts.parameters_field = "--set";
  for (const auto& t : a.tags) {
    auto eq = t.find('=');
    if (eq == std::string::npos) throw invalid_argument("--tag " + t + ": expected KEY=VALUE");
    opts.tags[t.substr(0, eq)] = t.substr(eq + 1);
  }
  bool json_out = a.output == "json";
  bool tty = !json_out && ::isatty(STDOUT_FILENO) && std::getenv("TERM") &&
             std::string(std::getenv("TERM")) != "dumb";
  bool color = tty && g.color && !std::getenv("NO_COLOR");
  opts.stream_logs = a.stream && !json_out;
  ProgressView view(tty, color, opts.stream_logs);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  // A closed terminal cancels the run cleanly, as Ctrl-C does (README: "Closing the
  // terminal"): the steps are stopped and recorded Canceled, none is left orphaned.
  ::sigaction(SIGHUP, &sa, nullptr);
  // A closed pipe (`runnel run p.yml | head`) must not kill the run: writes to stdout then
  // fail (EPIPE) and std::cout stops printing, while the run goes on to its end.
  ::signal(SIGPIPE, SIG_IGN);

  auto exec = PipelineExecution::submit(ws, std::move(spec), opts, json_out ? nullptr : &view);
  if (json_out) std::cerr << "Submitted PipelineRun " << exec->run_id() << "\n";
  int seen_interrupts = 0;
  while (!exec->wait_for(std::chrono::milliseconds(tty ? 100 : 50))) {
    if (g_interrupts > seen_interrupts) {
      seen_interrupts = g_interrupts;
      if (seen_interrupts == 1) {
        std::cerr << "\ncanceling run " << exec->run_id() << " (Ctrl-C again to stop waiting)\n";
        exec->cancel();
      } else {
        std::cerr << "not waiting any longer; steps were asked to stop\n";
        throw ExitWith{kExitRunFailed};
      }
    }
    if (view.draws_steps())
      view.redraw(exec->steps());
    else
      view.flush();
  }
  RunStatus status = exec->wait();
  // The steps' states are copied only for what uses them: the TTY view and the text summary.
  std::vector<StepState> steps;
  if (view.draws_steps() || !json_out) steps = exec->steps();
  view.finish(steps);
  auto rec = ws.store().get_pipeline_run(exec->run_id());
  if (json_out) {
    std::cout << run_to_json(ws, *rec).dump(2) << "\n";
  } else {
    int finished = 0, reused = 0, failed = 0, canceled = 0;
    for (const auto& s : steps) {
      finished += s.status == StepStatus::kFinished;
      reused += s.status == StepStatus::kReused;
      failed += s.status == StepStatus::kFailed;
      canceled += s.status == StepStatus::kCanceled;
    }
    std::cout << "PipelineRun " << exec->run_id() << " " << to_string(status) << " in "
              << format_duration((rec->ended_at ? rec->ended_at : now_ms()) - rec->started_at)
              << ": " << finished << " ran";
    if (reused) std::cout << ", " << reused << " reused";
    if (failed) std::cout << ", " << failed << " failed";
    if (canceled) std::cout << ", " << canceled << " canceled";
    std::cout << "\n";
    for (const auto& s : steps) {
      if (s.status != StepStatus::kFailed) continue;
      std::cout << "step '" << s.name << "' failed: " << s.reason << "\n"
                << "  log: " << s.stderr_path << "\n"
                << tail_lines(s.stderr_path, 8);
    }
    if (status == RunStatus::kFinished) {
      for (const auto& s : steps)
        for (const auto& [name, path] : s.outputs)
          std::cout << "  " << s.name << "." << name << ": " << path << "\n";
    }
    std::cout << "details: runnel runs show " << exec->run_id() << "\n";
  }
  g.exit_code = status == RunStatus::kFinished ? kExitOk : kExitRunFailed;
}

void register_run(CLI::App& app, CliGlobals& g) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* sub = app.add_subcommand("run", "submit a pipeline (YAML) and follow it live");
  sub->add_option("file,-f,--file", a->file,
                  "pipeline YAML (type: pipeline); -f as `az ml job create -f`")
      ->required();
  sub->add_option("--experiment,-e", a->experiment,
                  "experiment name (default: experiment_name in the file)");
  sub->add_option("-j,--jobs", a->jobs, "parallel local slots (default: number of cores)")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            int n = 0;
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc() || end != v.data() + v.size() || n < 1)
              return "-j " + v + ": give a whole number of parallel slots, at least 1";
            return "";
          },
          "N>=1"));
  sub->add_flag("--regenerate-outputs", a->regenerate, "run every step; reuse nothing in this run");
  sub->add_option("--rerun", a->rerun, "run STEP and everything downstream of it again");
  sub->add_option("--compute", a->compute, "compute target for steps that do not name one");
  sub->add_option("--tag", a->tags, "tag the run: KEY=VALUE");
  sub->add_option("--set", a->sets,
                  "set a pipeline parameter (a top-level input): NAME=VALUE (also az ml's "
                  "inputs.NAME=VALUE and inputs.NAME.path=PATH)");
  sub->add_flag("--strict", a->strict,
                "keys Azure ML only warns about (unknown settings) are errors");
  sub->add_flag("--continue-on-step-failure", a->continue_on_failure,
                "keep running steps that do not depend on a failed one");
  sub->add_flag("--stream", a->stream, "show the steps' output live");
  sub->add_flag(
      "--accept-changed-data", a->accept_changed,
      "consume registered dataset versions even if their files changed since registration");
  sub->add_option("--snapshot-max-bytes", a->snapshot_max_bytes,
                  "code snapshot size limit for this run: a size such as 500M or 2Gi");
  sub->add_option("--snapshot-max-files", a->snapshot_max_files,
                  "code snapshot file-count limit for this run");
  sub->add_option("--output,-o", a->output, "text (default) or json");
  sub->add_option(
      "--server", a->server,
      "submit to this runnel server (default: $RUNNEL_SERVER, else the workspace's, if up)");
  sub->callback([a, &g] { run_command(*a, g); });
}

}  // namespace runnel::cli
