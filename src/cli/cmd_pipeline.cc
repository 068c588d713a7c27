// `runnel pipeline ...`: published pipelines (publish, list, show, enable, disable, submit),
// pipeline endpoints (`pipeline endpoint ...`) and drafts (`pipeline draft ...`).
// Publishing and listing work on the workspace directly; submitting needs `runnel serve`.
#include <filesystem>
#include <iostream>

#include "cli/assignments.h"
#include "cli/cli.h"
#include "cli/table.h"
#include "core/ids.h"
#include "publish/published_store.h"
#include "server/client.h"
#include "server/published.h"
#include "spec/parameters.h"
#include "spec/spec_json.h"
#include "spec/yaml_loader.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

// The server base for endpoint URLs: the live server, else the configured one, else the
// default address `runnel serve` takes.
std::string server_base(const Workspace& ws) {
  try {
    if (auto url = server::live_server_url(ws)) return *url;
  } catch (const Error&) {
  }
  return "http://127.0.0.1:8765";
}

json pipeline_out(const std::string& base, const PublishedPipelineRecord& r, bool detail) {
  json j = to_json(r, false);
  j["endpoint"] = base + "/api/v1/pipelines/" + r.id + "/runs";
  if (detail) j["parameters"] = parameters_json(spec_from_json(r.spec));
  return j;
}

json endpoint_out(const std::string& base, const PipelineEndpointRecord& e) {
  json j = to_json(e);
  j["endpoint"] = base + "/api/v1/pipeline-endpoints/" + e.id + "/runs";
  return j;
}

void print_json(const json& j) { std::cout << j.dump(2) << "\n"; }

// Submits through the workspace's server and follows the run; exit 3 when none is up.
int submit_on_server(const Workspace& ws, const server::PublishedTarget& target,
                     const std::string& experiment, const std::vector<std::string>& sets) {
  auto url = server::live_server_url(ws);
  if (!url)
    throw unavailable(
        "submitting a published pipeline needs the workspace's server; start it with `runnel "
        "serve`");
  json params = json::object();
  for (const auto& [k, v] : parse_parameter_sets(sets)) params[k] = v;
  server::RemoteSubmit rs;
  rs.request = {
      {"ExperimentName", experiment}, {"RunSource", "CLI"}, {"ParameterAssignments", params}};
  if (!target.pipeline_id.empty()) {
    rs.submit_path = "/api/v1/pipelines/" + target.pipeline_id + "/runs";
  } else {
    rs.submit_path = "/api/v1/pipeline-endpoints/" + target.endpoint + "/runs";
    if (!target.version.empty()) rs.request["PipelineVersion"] = target.version;
  }
  return server::run_on_server(ws, *url, rs, false, nullptr);
}

}  // namespace

void register_pipeline(CLI::App& app, CliGlobals& g) {
  CLI::App* pipe = app.add_subcommand(
      "pipeline",
      "published pipelines, pipeline endpoints and drafts (submitting needs `runnel serve`)");
  pipe->require_subcommand(1);

  struct Args {
    std::string file, name, description, version, id, experiment, output = "text", pipeline,
                                                                  endpoint;
    bool continue_on_failure = false, all = false, make_default = false;
    std::vector<std::string> sets;
  };
  auto a = std::make_shared<Args>();

  CLI::App* publish = pipe->add_subcommand(
      "publish",
      "publish a pipeline YAML: an immutable copy (code included) with an id and a REST endpoint");
  publish->add_option("file", a->file, "pipeline YAML (type: pipeline)")->required();
  publish->add_option("--name,-n", a->name, "name of the published pipeline")->required();
  publish->add_option("--description", a->description, "description");
  publish->add_option("--version", a->version, "a version text of your choice");
  publish->add_flag("--continue-on-step-failure", a->continue_on_failure,
                    "keep running independent steps after a failure");
  publish->add_option(
      "--endpoint", a->endpoint,
      "also add it to this pipeline endpoint (created if missing) as its new default version");
  publish->add_option("--output,-o", a->output, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  publish->callback([a, &g] {
    Workspace ws = open_workspace(g);
    PipelineSpec spec = load_pipeline_file(a->file, false);
    if (spec.experiment_name.empty())
      spec.experiment_name = std::filesystem::path(a->file).stem().string();
    PublishedStore ps(ws);
    auto r = ps.publish(std::move(spec),
                        {.name = a->name,
                         .description = a->description,
                         .version = a->version,
                         .continue_on_step_failure = a->continue_on_failure,
                         .source = "yaml:" + std::filesystem::absolute(a->file).string()});
    json out = pipeline_out(server_base(ws), r, true);
    if (!a->endpoint.empty()) {
      auto e = ps.get_endpoint(a->endpoint) ? ps.add_version(a->endpoint, r.id, true)
                                            : ps.create_endpoint(a->endpoint, a->description, r.id);
      out["pipeline_endpoint"] = endpoint_out(server_base(ws), e);
    }
    if (a->output == "json") return print_json(out);
    std::cout << "published pipeline " << r.id << " ('" << r.name
              << "')\n  endpoint: " << out["endpoint"].get<std::string>() << "\n";
    for (const auto& p : out["parameters"])
      std::cout << "  parameter " << p["name"].get<std::string>() << " ("
                << p["type"].get<std::string>() << "), default " << p["default"].dump() << "\n";
    if (out.contains("pipeline_endpoint"))
      std::cout << "  endpoint '" << a->endpoint << "' default version: "
                << out["pipeline_endpoint"]["default_version"].get<std::string>() << "\n";
  });

  CLI::App* list = pipe->add_subcommand(
      "list", "list published pipelines (active ones; --all for disabled too)");
  list->add_flag("--all", a->all, "include disabled pipelines");
  list->add_option("--output,-o", a->output, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  list->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto rs = PublishedStore(ws).list_pipelines(!a->all);
    if (a->output == "json") {
      json arr = json::array();
      std::string base = server_base(ws);
      for (const auto& r : rs) arr.push_back(pipeline_out(base, r, false));
      return print_json(arr);
    }
    Table t({"ID", "NAME", "VERSION", "STATUS", "CREATED"});
    for (const auto& r : rs)
      t.add({r.id, r.name, r.version, to_string(r.status), format_time(r.created_at)});
    t.print();
  });

  CLI::App* show =
      pipe->add_subcommand("show", "a published pipeline: endpoint, status, parameters, steps");
  show->add_option("id", a->id, "published pipeline id (or a unique prefix)")->required();
  show->add_option("--output,-o", a->output, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  show->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto r = PublishedStore(ws).require_pipeline(a->id);
    json out = pipeline_out(server_base(ws), r, true);
    if (a->output == "json") return print_json(out);
    std::cout << "id:          " << r.id << "\nname:        " << r.name
              << "\nversion:     " << r.version << "\ndescription: " << r.description
              << "\nstatus:      " << to_string(r.status)
              << "\ncreated:     " << format_time(r.created_at)
              << "\nendpoint:    " << out["endpoint"].get<std::string>() << "\n";
    for (const auto& p : out["parameters"])
      std::cout << "parameter:   " << p["name"].get<std::string>() << " ("
                << p["type"].get<std::string>() << ") = " << p["default"].dump() << "\n";
  });

  for (const char* verb : {"enable", "disable"}) {
    CLI::App* c = pipe->add_subcommand(
        verb, std::string(verb) + " a published pipeline (a disabled one cannot be submitted)");
    c->add_option("id", a->id, "published pipeline id")->required();
    c->callback([a, &g, verb] {
      Workspace ws = open_workspace(g);
      auto r = PublishedStore(ws).set_pipeline_status(a->id, std::string(verb) == "enable"
                                                                 ? PublishedStatus::kActive
                                                                 : PublishedStatus::kDisabled);
      std::cout << "published pipeline " << r.id << " is " << to_string(r.status) << "\n";
    });
  }

  CLI::App* submit = pipe->add_subcommand(
      "submit", "run a published pipeline on the workspace's server and follow it");
  submit->add_option("id", a->id, "published pipeline id")->required();
  submit->add_option("--experiment,-e", a->experiment, "experiment name")->required();
  submit->add_option("--set", a->sets, "set a pipeline parameter: NAME=VALUE");
  submit->callback([a, &g] {
    Workspace ws = open_workspace(g);
    g.exit_code = submit_on_server(ws, {.pipeline_id = a->id}, a->experiment, a->sets);
  });

  // Endpoints.
  CLI::App* ep = pipe->add_subcommand(
      "endpoint", "pipeline endpoints: versions of published pipelines behind one name");
  ep->require_subcommand(1);
  CLI::App* ec =
      ep->add_subcommand("create", "create an endpoint whose version 0 is a published pipeline");
  ec->add_option("name", a->name, "endpoint name")->required();
  ec->add_option("--pipeline", a->pipeline, "published pipeline id")->required();
  ec->add_option("--description", a->description, "description");
  ec->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto e = PublishedStore(ws).create_endpoint(a->name, a->description, a->pipeline);
    std::cout << "pipeline endpoint " << e.id << " ('" << e.name
              << "'), default version 0\n  endpoint: "
              << endpoint_out(server_base(ws), e)["endpoint"].get<std::string>() << "\n";
  });
  CLI::App* el = ep->add_subcommand("list", "list pipeline endpoints");
  el->add_flag("--all", a->all, "include archived endpoints");
  el->callback([a, &g] {
    Workspace ws = open_workspace(g);
    Table t({"ID", "NAME", "DEFAULT", "VERSIONS", "STATUS"});
    for (const auto& e : PublishedStore(ws).list_endpoints(!a->all))
      t.add({e.id, e.name, e.default_version, std::to_string(e.pipeline_ids.size()),
             to_string(e.status)});
    t.print();
  });
  CLI::App* es = ep->add_subcommand("show", "an endpoint with its versions (JSON)");
  es->add_option("endpoint", a->endpoint, "endpoint id or name")->required();
  es->callback([a, &g] {
    Workspace ws = open_workspace(g);
    print_json(endpoint_out(server_base(ws), PublishedStore(ws).require_endpoint(a->endpoint)));
  });
  CLI::App* ea =
      ep->add_subcommand("add", "add a published pipeline as the endpoint's next version");
  ea->add_option("endpoint", a->endpoint, "endpoint id or name")->required();
  ea->add_option("--pipeline", a->pipeline, "published pipeline id")->required();
  ea->add_flag("--default", a->make_default, "make it the default version");
  ea->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto e = PublishedStore(ws).add_version(a->endpoint, a->pipeline, a->make_default);
    std::cout << "endpoint '" << e.name << "': version " << e.pipeline_ids.size() - 1
              << " added; default " << e.default_version << "\n";
  });
  CLI::App* ed = ep->add_subcommand("set-default", "make VERSION the endpoint's default");
  ed->add_option("endpoint", a->endpoint, "endpoint id or name")->required();
  ed->add_option("version", a->version, "version (\"0\", \"1\", ...)")->required();
  ed->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto e = PublishedStore(ws).set_default_version(a->endpoint, a->version);
    std::cout << "endpoint '" << e.name << "': default version " << e.default_version << "\n";
  });
  for (const char* verb : {"archive", "reactivate"}) {
    CLI::App* c = ep->add_subcommand(
        verb, std::string(verb) + " an endpoint (an archived one cannot be submitted)");
    c->add_option("endpoint", a->endpoint, "endpoint id or name")->required();
    c->callback([a, &g, verb] {
      Workspace ws = open_workspace(g);
      auto e = PublishedStore(ws).set_endpoint_status(
          a->endpoint, std::string(verb) == "reactivate" ? PublishedStatus::kActive
                                                         : PublishedStatus::kDisabled);
      std::cout << "endpoint '" << e.name << "' is " << to_string(e.status) << "\n";
    });
  }
  CLI::App* esub = ep->add_subcommand(
      "submit", "run an endpoint's version (default: its default) on the server");
  esub->add_option("endpoint", a->endpoint, "endpoint id or name")->required();
  esub->add_option("--pipeline-version", a->version,
                   "version to run (default: the default version)");
  esub->add_option("--experiment,-e", a->experiment, "experiment name")->required();
  esub->add_option("--set", a->sets, "set a pipeline parameter: NAME=VALUE");
  esub->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto e = PublishedStore(ws).require_endpoint(a->endpoint);
    g.exit_code =
        submit_on_server(ws, {.endpoint = e.id, .version = a->version}, a->experiment, a->sets);
  });

  // Drafts (created from Python with PipelineDraft.create).
  CLI::App* dr = pipe->add_subcommand(
      "draft", "pipeline drafts (create them with PipelineDraft.create in Python)");
  dr->require_subcommand(1);
  dr->add_subcommand("list", "list drafts")->callback([&g] {
    Workspace ws = open_workspace(g);
    Table t({"ID", "NAME", "EXPERIMENT", "UPDATED", "LAST RUN"});
    for (const auto& d : PublishedStore(ws).list_drafts())
      t.add({d.id, d.name, d.experiment_name, format_time(d.updated_at), d.last_submitted_run_id});
    t.print();
  });
  CLI::App* dd = dr->add_subcommand("delete", "delete a draft");
  dd->add_option("id", a->id, "draft id")->required();
  dd->callback([a, &g] {
    Workspace ws = open_workspace(g);
    PublishedStore(ws).delete_draft(a->id);
    std::cout << "draft " << a->id << " deleted\n";
  });
}

}  // namespace runnel::cli
