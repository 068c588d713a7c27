#include "server/run_manager.h"

#include <filesystem>

#include "assets/component_registry.h"
#include "core/ids.h"
#include "engine/reconcile.h"
#include "runnel/error.h"
#include "server/confine.h"
#include "server/http_util.h"
#include "server/published.h"
#include "spec/parameters.h"
#include "spec/spec_json.h"
#include "spec/yaml_loader.h"
#include "store/metadata_store.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace runnel::server {

namespace {

// The unfinished runs of the server of one workspace: "server.active_runs:<root>", so that
// servers of several workspaces sharing one PostgreSQL store each resume only their own.
std::string active_key(const Workspace& ws) { return "server.active_runs:" + ws.root(); }

json step_event(const std::string& run_id, const StepState& s) {
  return {{"type", "step"},
          {"run_id", run_id},
          {"step", s.name},
          {"step_run_id", s.step_run_id},
          {"status", to_string(s.status)},
          {"time", format_time_iso(now_ms())}};
}

std::string string_field(const json& req, const char* name) {
  if (!req.contains(name) || req[name].is_null()) return "";
  if (!req[name].is_string()) throw bad_field(name, "must be a string");
  return req[name].get<std::string>();
}

bool bool_field(const json& req, const char* name) {
  if (!req.contains(name) || req[name].is_null()) return false;
  if (!req[name].is_boolean()) throw bad_field(name, "must be true or false");
  return req[name].get<bool>();
}

// Local paths that the pipeline reads (code folders, local inputs) must be inside the
// workspace: a request may not make the server read elsewhere.
void check_paths_inside(const PipelineSpec& spec, const std::string& root) {
  std::string real_root = fs::canonical(root).string();
  auto check = [&](const std::string& path, const std::string& what) {
    if (path.empty()) return;
    std::error_code ec;
    std::string r = fs::weakly_canonical(path, ec).string();
    if (ec || !is_within(real_root, r))
      throw ApiError(
          400, "invalid_argument",
          what + ": '" + path +
              "' is outside the workspace; a submitted pipeline may only use files inside it",
          {{"field", what}});
  };
  for (const auto& st : spec.steps) {
    check(st.code_dir, "jobs." + st.name + ".code");
    for (const auto& p : st.hash_paths) check(p, "jobs." + st.name + ".code");
    for (const auto& in : st.inputs)
      if (in.source && in.source->kind == InputSource::Kind::kLocalPath)
        check(in.source->path, "jobs." + st.name + ".inputs." + in.name);
  }
}

}  // namespace

// `strict: true` in a submit: unknown settings are errors (runnel run --strict).
static LoadOptions submit_load_options(const json& req) {
  LoadOptions o;
  if (req.contains("strict")) {
    if (!req["strict"].is_boolean()) throw bad_field("strict", "must be true or false");
    o.strict = req["strict"].get<bool>();
  }
  return o;
}

PipelineSpec load_submitted_pipeline(const Workspace& ws, const json& req, std::string* stem) {
  if (!req.is_object())
    throw ApiError(400, "invalid_argument", "the body must be a JSON object (SubmitRequest)",
                   {{"field", "body"}});
  std::string yaml = string_field(req, "yaml");
  std::string path = string_field(req, "path");
  std::string base_dir = string_field(req, "base_dir");
  bool has_spec = req.contains("spec");
  if (has_spec + !yaml.empty() + !path.empty() != 1)
    throw ApiError(400, "invalid_argument",
                   "give exactly one of `yaml` (the pipeline text), `path` (a pipeline file in "
                   "the workspace) or `spec` (a pipeline definition as the SDK builds it)",
                   {{"field", yaml.empty() ? "yaml" : "path"}});
  PipelineSpec spec;
  if (has_spec) {
    try {
      spec = spec_from_json(req["spec"]);
    } catch (const Error& e) {
      throw bad_field("spec", e.what());
    }
    *stem = spec.name.empty() ? "default" : spec.name;
  } else if (!path.empty()) {
    std::string file = confine_request(ws.root(), path, "path");
    if (fs::is_directory(file))
      throw bad_field("path", "'" + path + "' is a folder; name the pipeline YAML file");
    spec = load_pipeline_yaml(file, submit_load_options(req));
    *stem = fs::path(file).stem().string();
  } else {
    std::string dir = confine_request(ws.root(), base_dir, "base_dir");
    if (!fs::is_directory(dir)) throw bad_field("base_dir", "'" + base_dir + "' is not a folder");
    spec =
        load_pipeline_yaml_string(yaml, dir + "/submitted-pipeline.yml", submit_load_options(req));
    *stem = "default";
  }
  check_paths_inside(spec, ws.root());
  return spec;
}

struct RunManager::Tracked : RunListener {
  RunManager* mgr = nullptr;
  std::string run_id;
  std::string experiment;
  std::unique_ptr<PipelineExecution> exec;

  void on_submitted(const std::string& id, const std::vector<StepState>&) override { run_id = id; }
  void on_step(const StepState& s) override {
    mgr->hub_.publish("step", run_id, step_event(run_id, s).dump());
    if (mgr->metrics_ && s.started_at && s.ended_at && (is_final(s.status)))
      mgr->metrics_->observe_step(s.compute, to_string(s.status),
                                  static_cast<double>(s.ended_at - s.started_at) / 1000.0);
  }
  void on_finished(RunStatus status) override {
    mgr->hub_.publish("run", run_id,
                      json{{"type", "run"},
                           {"run_id", run_id},
                           {"experiment", experiment},
                           {"status", to_string(status)},
                           {"time", format_time_iso(now_ms())}}
                          .dump());
    mgr->on_finished(run_id);
  }
};

RunManager::RunManager(Workspace ws, EventHub& hub, int max_parallel, ServerMetrics* metrics)
    : ws_(std::move(ws)),
      hub_(hub),
      max_parallel_(max_parallel),
      metrics_(metrics),
      reaper_([this] { reap_loop(); }) {}

RunManager::~RunManager() {
  drain(std::chrono::milliseconds(0));
  {
    std::lock_guard lock(reap_mu_);
    stopping_ = true;
  }
  reap_cv_.notify_all();
  reaper_.join();
}

void RunManager::reap_loop() {
  while (true) {
    std::vector<std::string> ids;
    bool stop = false;
    {
      std::unique_lock lock(reap_mu_);
      reap_cv_.wait(lock, [&] { return stopping_ || (!finished_.empty() && pinned_ == 0); });
      if (pinned_ == 0) ids.swap(finished_);
      stop = stopping_;
    }
    std::vector<std::unique_ptr<Tracked>> dead;
    {
      std::lock_guard lock(mu_);
      for (const auto& id : ids) {
        auto it = active_.find(id);
        if (it == active_.end()) {
          ended_early_.insert(id);  // start() has not tracked it yet; it hands it back
          continue;
        }
        dead.push_back(std::move(it->second));
        active_.erase(it);
      }
      if (!dead.empty()) save_active_list();
    }
    for (auto& t : dead) t->exec->wait();
    dead.clear();  // joins the executions' threads
    if (stop) return;
  }
}

void RunManager::on_finished(const std::string& run_id) {
  {
    std::lock_guard lock(reap_mu_);
    finished_.push_back(run_id);
  }
  reap_cv_.notify_all();
}

void RunManager::save_active_list() {
  json ids = json::array();
  for (const auto& [id, t] : active_) ids.push_back(id);
  try {
    ws_.store().set_value(active_key(ws_), ids.dump());
  } catch (const Error&) {
    // The list only matters for resuming after a crash; the run itself goes on.
  }
}

void RunManager::set_submit_nice(int nice) {
  submit_pool_ = nice > 0 ? std::make_unique<NicedPool>(4, nice) : nullptr;
}

json RunManager::submit(const json& request) {
  if (submit_pool_) return submit_pool_->run([&] { return submit_here(request); });
  return submit_here(request);
}

json RunManager::submit_here(const json& request) {
  {
    std::lock_guard lock(mu_);
    if (!accepting_)
      throw ApiError(
          503, "unavailable",
          "the server is shutting down and accepts no new runs; submit again once it is back");
  }
  json answer;
  start(request, "", &answer);
  return answer;
}

std::string RunManager::start(const json& req, const std::string& resumed_from, json* answer) {
  if (!req.is_object())
    throw ApiError(400, "invalid_argument", "the body must be a JSON object (SubmitRequest)",
                   {{"field", "body"}});
  ExecutionOptions opts;
  PipelineSpec spec;
  std::string stem;
  auto registered = assets::use_registered_components(ws_);  // azureml:NAME:V components
  if (req.contains("published_pipeline_id")) {
    if (req.contains("yaml") || req.contains("path"))
      throw ApiError(400, "invalid_argument",
                     "give one of `published_pipeline_id`, `yaml` or `path`",
                     {{"field", "published_pipeline_id"}});
    spec = resolve_published_request(ws_, req, &opts);
    stem = spec.name;
  } else {
    spec = load_submitted_pipeline(ws_, req, &stem);
  }
  if (spec.experiment_name.empty()) spec.experiment_name = stem;

  if (req.contains("parameters")) {  // {name: value}, for YAML submits (runnel run --set)
    if (!req["parameters"].is_object())
      throw bad_field("parameters", "must be an object of {name: value}");
    for (const auto& [k, v] : req["parameters"].items())
      opts.parameters[k].text = parameter_text(v, "parameters." + k);
  }
  opts.experiment = string_field(req, "experiment");
  opts.max_parallel = max_parallel_;
  opts.regenerate_outputs = resumed_from.empty() && bool_field(req, "regenerate_outputs");
  opts.default_compute = string_field(req, "compute");
  if (bool_field(req, "continue_on_step_failure")) opts.continue_on_step_failure = true;
  if (req.contains("rerun_steps") && resumed_from.empty()) {
    if (!req["rerun_steps"].is_array())
      throw bad_field("rerun_steps", "must be a list of step names");
    for (const auto& s : req["rerun_steps"]) {
      if (!s.is_string()) throw bad_field("rerun_steps", "must be a list of step names");
      opts.rerun_steps.push_back(s.get<std::string>());
    }
  }
  if (req.contains("tags")) {
    if (!req["tags"].is_object()) throw bad_field("tags", "must be an object of string values");
    for (const auto& [k, v] : req["tags"].items()) {
      if (!v.is_string()) throw bad_field("tags." + k, "must be a string");
      opts.tags[k] = v.get<std::string>();
    }
  }
  if (!resumed_from.empty()) opts.tags["resumed_from"] = resumed_from;

  auto t = std::make_unique<Tracked>();
  t->mgr = this;
  t->experiment = opts.experiment.empty() ? spec.experiment_name : opts.experiment;
  Tracked* raw = t.get();
  json warnings = spec.load_messages;  // the loader's warnings and notes, for the caller
  raw->exec = PipelineExecution::submit(ws_, std::move(spec), opts, raw);
  std::string id = raw->exec->run_id();
  std::unique_lock lock(mu_);
  active_[id] = std::move(t);
  if (ended_early_.erase(id)) on_finished(id);
  try {
    ws_.store().set_value("server.submit." + id, req.dump());
  } catch (const Error&) {
  }
  save_active_list();
  lock.unlock();
  hub_.publish("run", id,
               json{{"type", "run"},
                    {"run_id", id},
                    {"experiment", raw->experiment},
                    {"status", "Running"},
                    {"time", format_time_iso(now_ms())}}
                   .dump());
  if (answer)
    *answer = {{"run_id", id},
               {"experiment", raw->experiment},
               {"status", "Running"},
               {"url", "/api/v1/runs/" + id},
               {"warnings", warnings}};
  return id;
}

bool RunManager::cancel(const std::string& run_id) {
  std::lock_guard lock(mu_);
  auto it = active_.find(run_id);
  if (it == active_.end()) return false;
  it->second->exec->cancel();
  return true;
}

bool RunManager::is_active(const std::string& run_id) const {
  std::lock_guard lock(mu_);
  return active_.count(run_id) > 0;
}

size_t RunManager::active_count() const {
  std::lock_guard lock(mu_);
  return active_.size();
}

std::map<std::string, int> RunManager::active_step_counts(const std::string& compute) const {
  std::map<std::string, int> out;
  std::lock_guard lock(mu_);
  for (const auto& [id, t] : active_)
    for (const auto& s : t->exec->steps())
      if (compute.empty() || s.compute == compute) out[to_string(s.status)]++;
  return out;
}

std::vector<std::pair<std::string, std::string>> RunManager::resume_orphans() {
  std::vector<std::pair<std::string, std::string>> out;
  auto list = ws_.store().get_value(active_key(ws_));
  if (!list) return out;
  json ids = parse_json_or(*list, json::array());
  reconcile_dead_runs(ws_);  // closes the runs whose engine (the dead server) is gone
  for (const auto& idj : ids) {
    if (!idj.is_string()) continue;
    std::string old_id = idj.get<std::string>();
    auto rec = ws_.store().get_pipeline_run(old_id);
    auto req = ws_.store().get_value("server.submit." + old_id);
    if (!rec || !req || ws_.store().get_value("server.resumed_as." + old_id)) continue;
    if (rec->status == RunStatus::kFinished || rec->status == RunStatus::kCanceled) continue;
    json body = parse_json_or(*req, nullptr);
    try {
      std::string new_id = start(body, old_id, nullptr);
      ws_.store().set_value("server.resumed_as." + old_id, new_id);
      out.emplace_back(old_id, new_id);
    } catch (const std::exception&) {
      ws_.store().set_value("server.resumed_as." + old_id, "");
    }
  }
  std::lock_guard lock(mu_);
  save_active_list();
  return out;
}

std::string RunManager::resumed_as(const std::string& run_id) const {
  auto v = ws_.store().get_value("server.resumed_as." + run_id);
  return v ? *v : "";
}

void RunManager::stop_accepting() {
  std::lock_guard lock(mu_);
  accepting_ = false;
}

void RunManager::drain(std::chrono::milliseconds grace) {
  stop_accepting();
  auto deadline = std::chrono::steady_clock::now() + grace;
  std::vector<PipelineExecution*> execs;
  {
    std::lock_guard lock(reap_mu_);  // the reaper destroys nothing until we are done
    ++pinned_;
  }
  {
    std::lock_guard lock(mu_);
    for (auto& [id, t] : active_) execs.push_back(t->exec.get());
  }
  struct Unpin {
    RunManager* m;
    ~Unpin() {
      {
        std::lock_guard lock(m->reap_mu_);
        --m->pinned_;
      }
      m->reap_cv_.notify_all();
    }
  } unpin{this};
  bool all_done = true;
  for (auto* e : execs) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!e->wait_for(std::max(left, std::chrono::milliseconds(0)))) all_done = false;
  }
  if (all_done) return;
  for (auto* e : execs) e->cancel();  // not-started steps end Canceled, running ones are stopped
  for (auto* e : execs) e->wait();
}

}  // namespace runnel::server
