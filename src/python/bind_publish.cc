// Published pipelines, pipeline endpoints and drafts for Python: one JSON-in/JSON-out call
// over publish/published_store.h, which python/runnel/sdk/publishing.py wraps in the SDK's
// classes. Runs on the workspace directly (no server needed).
//
// submit_local runs a published pipeline, an endpoint's version or a draft's definition in
// this process when the workspace has no server (as Experiment.submit runs a Pipeline): the
// same request the server's POST takes, resolved by the same code (server/published.h).
#include <pybind11/stl.h>

#include <map>
#include <memory>
#include <mutex>

#include "engine/executor.h"
#include "publish/published_store.h"
#include "python/bindings.h"
#include "runnel/error.h"
#include "server/http_util.h"
#include "server/published.h"
#include "server/schedule/scheduler.h"
#include "server/schedule_api.h"
#include "spec/parameters.h"
#include "spec/spec_json.h"
#include "store/metadata_store.h"

namespace py = pybind11;
using namespace pybind11::literals;
using nlohmann::json;

namespace runnel::python {

namespace {

PublishedStatus status_arg(const json& a) {
  auto s = parse_published_status(a.value("status", ""));
  if (!s) throw invalid_argument("status must be Active or Disabled");
  return *s;
}

json pipeline_out(const PublishedPipelineRecord& r) {
  json j = to_json(r, false);
  j["parameters"] = parameters_json(spec_from_json(r.spec));
  j["spec"] = r.spec;
  return j;
}

json call(const Workspace& ws, const std::string& op, const json& a) {
  PublishedStore ps(ws);
  auto s = [&](const char* k) { return a.value(k, std::string()); };
  if (op == "publish") {
    PipelineSpec spec = spec_from_json(a.at("spec"));
    if (!s("experiment_name").empty()) spec.experiment_name = s("experiment_name");
    return pipeline_out(ps.publish(
        std::move(spec), {.name = s("name"),
                          .description = s("description"),
                          .version = s("version"),
                          .continue_on_step_failure = a.value("continue_on_step_failure", false),
                          .source = a.value("source", std::string("sdk"))}));
  }
  if (op == "get_pipeline") return pipeline_out(ps.require_pipeline(s("id")));
  if (op == "list_pipelines") {
    json out = json::array();
    for (const auto& r : ps.list_pipelines(a.value("active_only", false)))
      out.push_back(to_json(r));
    return out;
  }
  if (op == "set_pipeline_status") return to_json(ps.set_pipeline_status(s("id"), status_arg(a)));
  if (op == "create_endpoint")
    return to_json(ps.create_endpoint(s("name"), s("description"), s("pipeline_id")));
  if (op == "get_endpoint") {
    auto e = ps.get_endpoint(s("id"));
    return e ? to_json(*e) : json(nullptr);
  }
  if (op == "list_endpoints") {
    json out = json::array();
    for (const auto& e : ps.list_endpoints(a.value("active_only", false)))
      out.push_back(to_json(e));
    return out;
  }
  if (op == "add_version")
    return to_json(ps.add_version(s("endpoint"), s("pipeline_id"), a.value("make_default", false)));
  if (op == "set_default_version")
    return to_json(ps.set_default_version(s("endpoint"), s("version")));
  if (op == "set_endpoint_status")
    return to_json(ps.set_endpoint_status(s("endpoint"), status_arg(a)));
  if (op == "rename_endpoint") return to_json(ps.rename_endpoint(s("endpoint"), s("name")));
  if (op == "create_draft") return to_json(ps.create_draft(draft_from_json(a)), true);
  if (op == "get_draft") {
    auto d = ps.get_draft(s("id"));
    return d ? to_json(*d, true) : json(nullptr);
  }
  if (op == "list_drafts") {
    json out = json::array();
    for (const auto& d : ps.list_drafts()) out.push_back(to_json(d, true));
    return out;
  }
  if (op == "update_draft") return to_json(ps.update_draft(draft_from_json(a)), true);
  if (op == "delete_draft") {
    ps.delete_draft(s("id"));
    return nullptr;
  }
  throw invalid_argument("published: unknown operation '" + op + "'");
}

// Runs started by submit_local, kept until they end (the engine drives them while this
// process lives; Python waits for them at exit, then release_local drops them).
std::mutex g_local_mu;
std::map<std::string, std::unique_ptr<PipelineExecution>> g_local_runs;

Error from_api_error(const server::ApiError& e) {
  if (e.status == 404) return not_found(e.what());
  if (e.status == 409) return invalid_argument(e.what());  // disabled: as the server's 409
  return invalid_argument(e.what());
}

// request: {"published": {pipeline_id, endpoint, version}, "experiment", "ParameterAssignments",
// "DataPathAssignments", "DataSetDefinitionValueAssignments", "tags"} or {"spec", "experiment",
// "parameters": {name: scalar}, "continue_on_step_failure", "tags"}. Returns the run id.
std::string submit_local(const Workspace& ws, const json& a) {
  ExecutionOptions opts;
  PipelineSpec spec;
  std::map<std::string, std::string> tags;
  const json tag_json = a.value("tags", json::object());  // named: items() must not outlive it
  for (const auto& [k, v] : tag_json.items())
    tags[k] = v.is_string() ? v.get<std::string>() : v.dump();
  try {
    if (a.contains("published")) {
      const json& t = a["published"];
      server::PublishedTarget target{t.value("pipeline_id", std::string()),
                                     t.value("endpoint", std::string()),
                                     t.value("version", std::string())};
      json req = server::published_submit_request(
          ws, target, a.value("experiment", std::string()),
          a.value("ParameterAssignments", json::object()),
          a.value("DataPathAssignments", json::object()),
          a.value("DataSetDefinitionValueAssignments", json::object()), tags);
      spec = server::resolve_published_request(ws, req, &opts);
      opts.experiment = req.value("experiment", std::string());
      if (req.value("continue_on_step_failure", false)) opts.continue_on_step_failure = true;
      for (const auto& [k, v] : req["tags"].items()) opts.tags[k] = v.get<std::string>();
    } else {
      spec = spec_from_json(a.at("spec"));
      std::map<std::string, std::string> like;
      for (const auto& pp : spec.parameters) like[pp.name] = pp.default_value.value;
      const json params = a.value("parameters", json::object());
      for (const auto& [k, v] : params.items())
        opts.parameters[k].text = parameter_text(v, "pipeline_parameters." + k, like[k]);
      opts.parameters_field = "pipeline_parameters";
      opts.experiment = a.value("experiment", std::string());
      if (a.value("continue_on_step_failure", false)) opts.continue_on_step_failure = true;
      opts.tags = tags;
    }
  } catch (const server::ApiError& e) {
    throw from_api_error(e);
  }
  if (spec.experiment_name.empty())
    spec.experiment_name = spec.name.empty() ? "default" : spec.name;
  auto exec = PipelineExecution::submit(ws, std::move(spec), opts);
  std::string id = exec->run_id();
  std::lock_guard<std::mutex> lock(g_local_mu);
  g_local_runs[id] = std::move(exec);
  return id;
}

// Schedules without a server: the same records `runnel serve` keeps (kv rows of the
// metadata store), made and changed through the same validation; a server started later
// loads them and fires them. Nothing fires while no server runs.
json schedules_local(const Workspace& ws, const std::string& op, const std::string& id,
                     const json& body) {
  const Workspace* wsp = &ws;
  auto store = schedule::make_kv_schedule_store(
      [wsp](const std::string& k) { return wsp->store().get_value(k); },
      [wsp](const std::string& k, const std::string& v) { wsp->store().set_value(k, v); });
  schedule::SystemClock clock;
  schedule::Scheduler scheduler(
      *store,
      [](const schedule::FireRequest&) -> std::string {
        throw unavailable("schedules fire while `runnel serve` runs");
      },
      [wsp](const std::string& name, const std::string& path) {
        Datastore ds(*wsp, name);
        if (ds.is_remote())
          throw invalid_argument("datastore '" + name + "' is of type " + ds.type() +
                                 ": data-change schedules watch local datastores only");
        return path.empty() ? ds.root() : ds.path(path);
      },
      clock);
  auto find = [&](const std::string& key) {
    auto r = scheduler.get(key);
    if (!r) throw not_found("no schedule '" + key + "' in this workspace");
    return *r;
  };
  try {
    if (op == "create")
      return server::schedule_api_json(
          ws, scheduler.create(server::schedule_from_create_body(ws, body)));
    if (op == "get") return server::schedule_api_json(ws, find(id));
    if (op == "list") {
      json out = json::array();
      for (const auto& r : scheduler.list()) out.push_back(server::schedule_api_json(ws, r));
      return {{"schedules", out}};
    }
    if (op == "update") {
      std::string key = find(id).id;
      return server::schedule_api_json(
          ws, scheduler.update(key, server::schedule_update(body, find(key))));
    }
    if (op == "enable" || op == "disable")
      return server::schedule_api_json(
          ws,
          scheduler.set_status(find(id).id, op == "enable" ? schedule::ScheduleStatus::kActive
                                                           : schedule::ScheduleStatus::kDisabled));
    if (op == "delete") {
      std::string key = find(id).id;
      scheduler.remove(key);
      return {{"id", key}, {"deleted", true}};
    }
  } catch (const server::ApiError& e) {
    throw from_api_error(e);
  }
  throw invalid_argument("schedules_local: unknown operation '" + op + "'");
}

}  // namespace

void bind_publish(py::module_& m) {
  m.def(
      "published",
      [](const Workspace& ws, const std::string& op, const std::string& args) {
        json a = json::parse(args);
        json out;
        {
          py::gil_scoped_release release;
          out = call(ws, op, a);
        }
        return out.dump();
      },
      "workspace"_a, "op"_a, "args"_a = "{}",
      "Published pipelines, endpoints and drafts (JSON in, JSON out); see bind_publish.cc.");
  m.def(
      "submit_local",
      [](const Workspace& ws, const std::string& request) {
        json a = json::parse(request);
        py::gil_scoped_release release;
        return submit_local(ws, a);
      },
      "workspace"_a, "request"_a,
      "Runs a published pipeline, endpoint version or draft in this process (no server); "
      "returns the pipeline run id. See bind_publish.cc.");
  m.def(
      "schedules_local",
      [](const Workspace& ws, const std::string& op, const std::string& id,
         const std::string& body) {
        json b = body.empty() ? json::object() : json::parse(body);
        json out;
        {
          py::gil_scoped_release release;
          out = schedules_local(ws, op, id, b);
        }
        return out.dump();
      },
      "workspace"_a, "op"_a, "id"_a = "", "body"_a = "",
      "Schedules kept in the workspace without a server (create/get/list/update/enable/disable/"
      "delete, the REST bodies and answers); `runnel serve` fires them.");
  m.def(
      "cancel_local",
      [](const std::string& run_id) {
        std::lock_guard<std::mutex> lock(g_local_mu);
        auto it = g_local_runs.find(run_id);
        if (it == g_local_runs.end()) return false;
        it->second->cancel();
        return true;
      },
      "run_id"_a, "Cancels a run started by submit_local; false when it is not one.");
  m.def(
      "release_local",
      []() {
        std::map<std::string, std::unique_ptr<PipelineExecution>> runs;
        {
          std::lock_guard<std::mutex> lock(g_local_mu);
          runs.swap(g_local_runs);
        }
        py::gil_scoped_release release;
        runs.clear();  // a run still going is canceled and waited for
      },
      "Drops the runs started by submit_local (at interpreter exit).");
}

}  // namespace runnel::python
