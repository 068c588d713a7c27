// `runnel logs RUN [STEP] [--follow]`: a step's stdout and stderr.
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/cli.h"
#include "cli/run_json.h"
#include "cli/run_views.h"
#include "core/fs.h"
#include "engine/reconcile.h"

namespace runnel::cli {

namespace {

// Prints what was appended to `path` since `*offset`.
void drain(const std::string& path, std::streamoff* offset, const std::string& prefix) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  in.seekg(*offset);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) {  // an unfinished last line: wait for its end
      break;
    }
    std::cout << prefix << line << "\n";
    *offset = in.tellg();
  }
  std::cout.flush();
}

}  // namespace

void show_logs(CliGlobals& g, const std::string& run_id, const std::string& step, bool follow,
               bool only_stderr) {
  Workspace ws = open_workspace(g);
  PipelineRunRecord run = find_run(ws, run_id);
  std::vector<StepRunRecord> steps;
  if (!step.empty()) {
    steps.push_back(find_step(ws, run, step));
  } else {
    steps = ws.store().list_step_runs(run.id);
  }
  bool many = steps.size() > 1;
  if (!follow) {
    for (const auto& s : steps) {
      std::string dir = s.run_dir + "/logs/";
      if (s.status == StepStatus::kReused) {
        std::cout << "== " << s.name << ": reused run " << s.reused_run_id << "; its logs:\n";
        if (auto src = ws.store().get_step_run(s.reused_run_id)) dir = src->run_dir + "/logs/";
      } else if (many) {
        std::cout << "== " << s.name << " (" << to_string(s.status) << ") " << dir << "\n";
      }
      for (const char* f : {"stdout.txt", "stderr.txt"}) {
        if (only_stderr && std::string(f) == "stdout.txt") continue;
        if (path_exists(dir + f)) std::cout << read_file(dir + f);
      }
    }
    return;
  }
  std::vector<std::streamoff> off(steps.size() * 2, 0);
  for (int round = 1;; ++round) {
    // A run whose runnel process died (killed, its machine rebooted) is closed here too,
    // every 5 s, so that following it ends instead of waiting for ever.
    if (round % 25 == 0) reconcile_dead_runs(ws);
    bool all_done = true;
    for (size_t i = 0; i < steps.size(); ++i) {
      auto cur = ws.store().get_step_run(steps[i].id);
      std::string prefix = many ? "[" + steps[i].name + "] " : "";
      if (!only_stderr) drain(steps[i].run_dir + "/logs/stdout.txt", &off[2 * i], prefix);
      drain(steps[i].run_dir + "/logs/stderr.txt", &off[2 * i + 1], prefix);
      if (!cur || !is_final(cur->status)) all_done = false;
    }
    auto pr = ws.store().get_pipeline_run(run.id);
    if (all_done || (pr && is_final(pr->status))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // Whatever was written last, including an unterminated final line.
  for (size_t i = 0; i < steps.size(); ++i) {
    for (int k = 0; k < 2; ++k) {
      if (only_stderr && k == 0) continue;
      std::string p = steps[i].run_dir + (k ? "/logs/stderr.txt" : "/logs/stdout.txt");
      std::ifstream in(p, std::ios::binary);
      if (!in) continue;
      in.seekg(off[2 * i + k]);
      std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::cout << rest;
    }
  }
}

void register_logs(CLI::App& app, CliGlobals& g) {
  struct Args {
    std::string run, step;
    bool follow = false, only_stderr = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("logs", "print a run's step logs (stdout, then stderr)");
  sub->add_option("run", a->run, "run id or prefix, a step run id, or `latest`")->required();
  sub->add_option("step", a->step, "step name (default: every step)");
  sub->add_flag("--follow,-f", a->follow, "keep printing until the steps end");
  sub->add_flag("--stderr", a->only_stderr, "only stderr");
  sub->callback([a, &g] { show_logs(g, a->run, a->step, a->follow, a->only_stderr); });
}

}  // namespace runnel::cli
