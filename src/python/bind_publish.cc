// Published pipelines, pipeline endpoints and drafts for Python: one JSON-in/JSON-out call
// over publish/published_store.h, which python/runnel/sdk/publishing.py wraps in the SDK's
// classes. Runs on the workspace directly (no server needed).
#include <pybind11/stl.h>

#include "publish/published_store.h"
#include "python/bindings.h"
#include "runnel/error.h"
#include "spec/parameters.h"
#include "spec/spec_json.h"

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
    return pipeline_out(ps.publish(std::move(spec),
                                   {.name = s("name"), .description = s("description"), .version = s("version"),
                                    .continue_on_step_failure = a.value("continue_on_step_failure", false),
                                    .source = a.value("source", std::string("sdk"))}));
  }
  if (op == "get_pipeline") return pipeline_out(ps.require_pipeline(s("id")));
  if (op == "list_pipelines") {
    json out = json::array();
    for (const auto& r : ps.list_pipelines(a.value("active_only", false))) out.push_back(to_json(r));
    return out;
  }
  if (op == "set_pipeline_status") return to_json(ps.set_pipeline_status(s("id"), status_arg(a)));
  if (op == "create_endpoint") return to_json(ps.create_endpoint(s("name"), s("description"), s("pipeline_id")));
  if (op == "get_endpoint") {
    auto e = ps.get_endpoint(s("id"));
    return e ? to_json(*e) : json(nullptr);
  }
  if (op == "list_endpoints") {
    json out = json::array();
    for (const auto& e : ps.list_endpoints(a.value("active_only", false))) out.push_back(to_json(e));
    return out;
  }
  if (op == "add_version")
    return to_json(ps.add_version(s("endpoint"), s("pipeline_id"), a.value("make_default", false)));
  if (op == "set_default_version") return to_json(ps.set_default_version(s("endpoint"), s("version")));
  if (op == "set_endpoint_status") return to_json(ps.set_endpoint_status(s("endpoint"), status_arg(a)));
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
}

}  // namespace runnel::python
