// `runnel job create|show|list|stream|cancel|download`: the `az ml job` verbs over runnel's
// runs, so commands from Azure ML READMEs (`az ml job create -f pipeline.yml --web`) work
// with `runnel` in place of `az ml`. They reuse `run` (run_command.h) and the views of
// `runs`, `logs` and `runs cancel` (run_views.h).
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/assignments.h"
#include "cli/cli.h"
#include "cli/detached_submit.h"
#include "cli/json_query.h"
#include "cli/run_command.h"
#include "cli/run_json.h"
#include "cli/run_views.h"
#include "core/fs.h"
#include "core/ids.h"
#include "engine/reconcile.h"
#include "runnel/error.h"
#include "server/client.h"
#include "spec/spec_json.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace runnel::cli {

namespace {

struct JobArgs {
  std::string file, name, experiment, output = "json", download_path, output_name, query;
  std::string resource_group, workspace_name, subscription;
  std::vector<std::string> sets;
  bool stream = false, web = false, all = false, skip_validation = false;
  bool detached_child = false;  // the process submit_detached starts (hidden flag)
  int max_results = 100;
};

// The studio's address ("<server>/#/runs/", to which a run id is added) when a server is
// up, else "". Asked once per command: a configured server that is down takes a second.
std::string studio_runs_url(const Workspace& ws) {
  try {
    if (auto url = server::live_server_url(ws)) return *url + "/#/runs/";
  } catch (const Error&) {
  }
  return "";
}

// A run's status as az ml names a job's: a finished run is "Completed" (Azure ML v2's
// JobStatus; "Finished" is the v1 SDK's word for a PipelineRun), the others as runnel's.
// A recorded run whose engine has not begun is "Starting" (Azure ML's word once the service
// has the job; az ml scripts wait while a job is Queued, Starting, Preparing, Running or
// Finalizing).
std::string job_status(RunStatus s) {
  if (s == RunStatus::kFinished) return "Completed";
  if (s == RunStatus::kNotStarted) return "Starting";
  return to_string(s);
}

// A run as az ml prints a job (name, display_name, experiment_name, status, type,
// creation_context, services) with runnel's run JSON (run_json.h) beside those keys.
// `studio`: studio_runs_url().
json job_json(const Workspace& ws, const PipelineRunRecord& r, bool with_steps,
              const std::string& studio) {
  json j = with_steps ? run_to_json(ws, r) : json::object();
  j["name"] = r.id;
  j["display_name"] = r.display_name;
  j["experiment_name"] = r.experiment;
  j["status"] = job_status(r.status);
  j["type"] = "pipeline";
  j["creation_context"] = {{"created_at", format_time_iso(r.created_at)}};
  if (!with_steps)
    j["tags"] = json::parse(r.tags_json.empty() ? "{}" : r.tags_json, nullptr, false);
  j["services"] = {
      {"Studio", {{"endpoint", studio.empty() ? json(nullptr) : json(studio + r.id)}}}};
  return j;
}

void print_web(const std::string& studio, const std::string& id) {
  if (!studio.empty())
    std::cerr << "Web View: " << studio << id << "\n";
  else
    std::cerr << "Web View: none, no runnel server is up (`runnel serve` serves the studio); "
                 "follow it with `runnel job stream -n "
              << id << "`\n";
}

// az ml's resource flags name an Azure workspace; runnel's is -w/--workspace (a folder).
void note_ignored(const JobArgs& a) {
  if (!a.resource_group.empty() || !a.workspace_name.empty() || !a.subscription.empty())
    std::cerr << "note: --resource-group, --workspace-name and --subscription name an Azure "
                 "workspace and are ignored; runnel uses the workspace folder (-w DIR, else the "
                 "nearest .runnel/)\n";
}

// `job create` as `runnel run` does it. az's --set sets any property of the job: the run's
// experiment_name, display_name, compute, tags.KEY, continue_on_step_failure; the rest
// (NAME=VALUE, inputs.NAME=VALUE) sets pipeline parameters.
RunArgs run_args_of(const JobArgs& a) {
  RunArgs r;
  r.file = a.file;
  r.experiment = a.experiment;
  // az ml: experiment_name from the file, else the name of the current folder.
  r.default_experiment = fs::current_path().filename().string();
  r.run_id = a.name;
  r.output = a.detached_child ? "json" : "text";
  r.stream = a.stream;
  for (const auto& [k, v] : parse_assignments(a.sets, "--set")) {
    if (k == "experiment_name") {
      if (r.experiment.empty()) r.experiment = v;
    } else if (k == "display_name") {
      r.display_name = v;
    } else if (k == "name") {
      if (r.run_id.empty()) r.run_id = v;
    } else if (k == "compute" || k == "settings.default_compute") {
      r.compute = v.rfind("azureml:", 0) == 0 ? v.substr(8) : v;
    } else if (k == "settings.continue_on_step_failure") {
      r.continue_on_failure = v == "true" || v == "True" || v == "1";
    } else if (k.rfind("tags.", 0) == 0) {
      r.tags.push_back(k.substr(5) + "=" + v);
    } else {
      r.sets.push_back(k + "=" + v);
    }
  }
  return r;
}

// Prints `doc` as az would with --query and -o json/tsv (cli/json_query.h).
void print_job_output(const JobArgs& a, const json& doc) {
  json v = a.query.empty() ? doc : query_json(doc, a.query);
  if (a.output == "tsv")
    std::cout << tsv_text(v) << std::flush;
  else
    std::cout << v.dump(2) << "\n";
}

void job_create(const JobArgs& a, CliGlobals& g) {
  note_ignored(a);
  if (a.output != "json" && a.output != "tsv" && a.output != "none")
    throw invalid_argument("--output " + a.output + ": job create prints json, tsv or none");
  if (!a.query.empty()) query_json(json::object(), a.query);  // a bad --query before submitting
  if (a.stream || a.detached_child) {
    RunArgs r = run_args_of(a);
    run_command(r, g);
    return;
  }
  if (!path_exists(a.file)) throw not_found("--file " + a.file + ": no such file");
  // Without --stream az ml returns once the job is submitted; the run goes on in a process
  // of its own session, as it would on Azure, so a closed terminal does not end it.
  Workspace ws = open_workspace(g);
  // The child has this process's current folder: the file as given, so messages name it so.
  std::vector<std::string> args = {"-w", ws.root(), "job", "create", "--detached-child"};
  args.insert(args.end(), {"-f", a.file});
  if (!g.color) args.push_back("--no-color");
  for (const auto& s : a.sets) args.insert(args.end(), {"--set", s});
  if (!a.name.empty()) args.insert(args.end(), {"--name", a.name});
  if (!a.experiment.empty()) args.insert(args.end(), {"--experiment-name", a.experiment});
  std::string dir = ws.runnel_dir() + "/jobs";
  make_dirs(dir);
  std::string log =
      dir + "/submit-" + std::to_string(now_ms()) + "-" + std::to_string(::getpid()) + ".log";
  std::string id = submit_detached(args, log);
  PipelineRunRecord r = find_run(ws, id);
  std::string studio = studio_runs_url(ws);
  if (a.output != "none") print_job_output(a, job_json(ws, r, true, studio));
  std::cerr << "Submitted job " << id << "; it runs in the background (its runnel process "
            << "writes to " << log << ")\n"
            << "  follow it: runnel job stream -n " << id << "\n"
            << "  cancel it: runnel job cancel -n " << id << "\n";
  if (a.web) print_web(studio, id);
}

void job_show(const JobArgs& a, CliGlobals& g) {
  note_ignored(a);
  if (a.output == "table") {
    show_run(g, a.name, "text");
    return;
  }
  Workspace ws = open_workspace(g);
  reconcile_dead_runs(ws);
  PipelineRunRecord r = find_run(ws, a.name);
  std::string studio = studio_runs_url(ws);
  print_job_output(a, job_json(ws, r, true, studio));
  if (a.web) print_web(studio, r.id);
}

void job_list(const JobArgs& a, CliGlobals& g) {
  note_ignored(a);
  check_at_least(a.max_results, 1, "--max-results", "jobs to list");
  if (a.output == "table") {
    list_runs(g, "", a.max_results, "text");
    return;
  }
  Workspace ws = open_workspace(g);
  reconcile_dead_runs(ws);
  json arr = json::array();
  std::string studio = studio_runs_url(ws);
  for (const auto& r : ws.store().list_pipeline_runs("", a.max_results))
    arr.push_back(job_json(ws, r, false, studio));
  print_job_output(a, arr);
}

// az ml job stream: the logs as they come, then an execution summary; the exit code says
// how the run ended.
void job_stream(const JobArgs& a, CliGlobals& g) {
  note_ignored(a);
  std::string id;
  {
    Workspace ws = open_workspace(g);
    id = find_run(ws, a.name).id;
    std::cout << "RunId: " << id << "\n" << std::flush;
  }
  show_logs(g, id, "", true, false);
  Workspace ws = open_workspace(g);
  reconcile_dead_runs(ws);
  PipelineRunRecord r = find_run(ws, id);
  std::cout << "\nExecution Summary\n=================\nRunId: " << r.id
            << "\nStatus: " << job_status(r.status) << "\n";
  if (!r.error.empty()) std::cout << "Error: " << r.error << "\n";
  g.exit_code = r.status == RunStatus::kFinished ? kExitOk : kExitRunFailed;
}

// Copies `from` (a file or a folder) to `to`, replacing what was there.
void copy_out(const std::string& from, const std::string& to, const std::string& what) {
  if (!path_exists(from))
    throw not_found(what + ": " + from +
                    " does not exist (a step that did not finish writes "
                    "no output; see runnel job show -n RUN)");
  remove_all(to);
  make_dirs(fs::path(to).parent_path().string());
  if (is_directory(from)) {
    copy_tree(from, to);
  } else {
    std::error_code ec;
    fs::copy_file(from, to, ec);
    if (ec) throw io_error("cannot copy " + from + " to " + to + ": " + ec.message());
  }
}

// az ml job download: logs into <path>/artifacts/<step>/, named outputs into
// <path>/named-outputs/<name>/. A name is a pipeline output, or STEP.OUTPUT.
void job_download(const JobArgs& a, CliGlobals& g) {
  note_ignored(a);
  Workspace ws = open_workspace(g);
  PipelineRunRecord r = find_run(ws, a.name);
  std::string root = absolute_path(a.download_path.empty() ? "." : a.download_path);
  auto steps = ws.store().list_step_runs(r.id);
  // Every name a download can ask for, and the path it names.
  std::vector<std::pair<std::string, std::string>> outputs;
  std::map<std::string, const StepRunRecord*> by_name;
  for (const auto& s : steps) by_name[s.name] = &s;
  json spec = json::parse(r.spec_json.empty() ? "{}" : r.spec_json, nullptr, false);
  if (spec.is_object() && !spec.empty()) {
    for (const auto& o : spec_from_json(spec).outputs) {
      auto it = by_name.find(o.step);
      if (it == by_name.end()) continue;
      auto p = it->second->outputs.find(o.output);
      if (p != it->second->outputs.end()) outputs.emplace_back(o.name, p->second);
    }
  }
  for (const auto& s : steps)
    for (const auto& [n, p] : s.outputs) outputs.emplace_back(s.name + "." + n, p);
  int copied = 0;
  if (!a.output_name.empty() && !a.all) {
    for (const auto& [n, p] : outputs) {
      if (n != a.output_name) continue;
      copy_out(p, root + "/named-outputs/" + n, "output " + n);
      std::cout << "downloaded output " << n << " to " << root << "/named-outputs/" << n << "\n";
      return;
    }
    std::string names;
    for (const auto& [n, p] : outputs) names += (names.empty() ? "" : ", ") + n;
    throw not_found("run " + r.id + " has no output '" + a.output_name +
                    "' (outputs: " + (names.empty() ? "none yet" : names) + ")");
  }
  for (const auto& s : steps) {
    std::string dir = s.run_dir + "/logs";
    if (s.status == StepStatus::kReused)
      if (auto src = ws.store().get_step_run(s.reused_run_id)) dir = src->run_dir + "/logs";
    if (!is_directory(dir)) continue;
    copy_out(dir, root + "/artifacts/" + s.name, "logs of step " + s.name);
    ++copied;
  }
  std::cout << "downloaded the logs of " << copied << " steps to " << root << "/artifacts\n";
  if (!a.all) return;
  for (const auto& [n, p] : outputs) {
    if (!path_exists(p)) continue;
    copy_out(p, root + "/named-outputs/" + n, "output " + n);
    std::cout << "downloaded output " << n << " to " << root << "/named-outputs/" << n << "\n";
  }
}

CLI::App* add_job_verb(CLI::App* job, const char* name, const char* help,
                       std::shared_ptr<JobArgs> a) {
  CLI::App* sub = job->add_subcommand(name, help);
  sub->add_option("--resource-group,-g", a->resource_group, "az ml's; ignored (with a note)");
  sub->add_option("--workspace-name", a->workspace_name,
                  "az ml's Azure workspace; ignored (runnel's is -w DIR, a folder)");
  sub->add_option("--subscription", a->subscription, "az ml's; ignored (with a note)");
  return sub;
}

}  // namespace

void register_job(CLI::App& app, CliGlobals& g) {
  CLI::App* job = app.add_subcommand(
      "job", "az ml job verbs: create, show, list, stream, cancel, download (runs as jobs)");
  job->require_subcommand(1);
  auto a = std::make_shared<JobArgs>();

  CLI::App* create = add_job_verb(job, "create",
                                  "submit a pipeline YAML; returns once it is "
                                  "submitted (--stream: follow it to its end)",
                                  a);
  create->add_option("--file,-f", a->file, "the job's YAML (a pipeline job)")->required();
  create->add_option("--set", a->sets,
                     "KEY=VALUE: a pipeline parameter (NAME=, inputs.NAME=), or experiment_name, "
                     "display_name, compute, tags.KEY, settings.continue_on_step_failure");
  create->add_option("--name,-n", a->name, "the job's name (its run id; default: a new id)");
  create->add_option("--experiment-name", a->experiment,
                     "experiment (default: experiment_name in the file, else the current "
                     "folder's name)");
  create->add_flag("--stream,-s", a->stream, "follow the run here, its steps' output live");
  create->add_flag("--web,-e", a->web, "print the run's studio link (when a server is up)");
  create->add_flag("--skip-validation", a->skip_validation, "az ml's; runnel always validates");
  create->add_option("--output,-o", a->output, "json (default), tsv or none");
  create->add_option("--query", a->query, "a JMESPath field path of the job to print (name)");
  create->add_flag("--detached-child", a->detached_child)->group("");
  create->callback([a, &g] { job_create(*a, g); });

  CLI::App* show = add_job_verb(job, "show", "a job (run) as JSON: status, steps, outputs", a);
  show->add_option("--name,-n", a->name, "run id or unique prefix")->required();
  show->add_option("--output,-o", a->output, "json (default), tsv or table")
      ->check(CLI::IsMember({"json", "tsv", "table"}));
  show->add_option("--query", a->query, "a JMESPath field path to print (status)");
  show->add_flag("--web,-e", a->web, "print the run's studio link (when a server is up)");
  show->callback([a, &g] { job_show(*a, g); });

  CLI::App* list = add_job_verb(job, "list", "jobs (pipeline runs), newest first", a);
  list->add_option("--max-results,-r", a->max_results, "at most N jobs (default 100)");
  list->add_option("--output,-o", a->output, "json (default), tsv or table")
      ->check(CLI::IsMember({"json", "tsv", "table"}));
  list->add_option("--query", a->query, "a JMESPath path to print ([].name)");
  list->callback([a, &g] { job_list(*a, g); });

  CLI::App* stream =
      add_job_verb(job, "stream", "print a job's logs as they come until it ends", a);
  stream->add_option("--name,-n", a->name, "run id or unique prefix")->required();
  stream->callback([a, &g] { job_stream(*a, g); });

  CLI::App* cancel = add_job_verb(job, "cancel", "cancel a running job", a);
  cancel->add_option("--name,-n", a->name, "run id or unique prefix")->required();
  cancel->callback([a, &g] {
    note_ignored(*a);
    cancel_run(g, a->name, "");
  });

  CLI::App* download = add_job_verb(
      job, "download", "copy a job's logs (artifacts/) and outputs (named-outputs/) here", a);
  download->add_option("--name,-n", a->name, "run id or unique prefix")->required();
  download->add_option("--download-path,-p", a->download_path,
                       "folder to download into (default: the current folder)");
  download->add_option("--output-name", a->output_name,
                       "only this output: a pipeline output, or STEP.OUTPUT");
  download->add_flag("--all", a->all, "the logs and every output");
  download->callback([a, &g] { job_download(*a, g); });
}

}  // namespace runnel::cli
