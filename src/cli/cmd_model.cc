// `runnel model create|list|show|download|archive|restore`: registered models, the `az ml
// model` verbs, kept where the Python SDK's Model.register keeps them (assets/model_registry.h).
#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "assets/model_registry.h"
#include "cli/asset_cli.h"
#include "cli/cli.h"
#include "cli/table.h"
#include "core/fs.h"
#include "data/asset_archive.h"
#include "runnel/error.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

bool archived(const Workspace& ws, const assets::ModelVersionInfo& m) {
  return internal::is_archived(ws, "model", m.name, std::to_string(m.version));
}

std::string text(const json& meta, const char* key) {
  auto it = meta.find(key);
  return it != meta.end() && it->is_string() ? it->get<std::string>() : "";
}

// The version `a` names of model a.name (the latest unarchived one when none), or throws
// naming what exists.
assets::ModelVersionInfo find_model(const Workspace& ws, const AssetArgs& a) {
  auto all = assets::model_versions(ws, a.name);
  if (all.empty()) {
    std::string names;
    for (const auto& n : assets::model_names(ws)) names += (names.empty() ? "" : ", ") + n;
    throw not_found("no model '" + a.name + "' in workspace " + ws.root() +
                    (names.empty() ? "; register one with `runnel model create -f model.yml`"
                                   : " (models: " + names + ")"));
  }
  std::string v = requested_version(a);
  for (auto it = all.rbegin(); it != all.rend(); ++it)
    if (v.empty() ? !archived(ws, *it) : std::to_string(it->version) == v) return *it;
  std::string have;
  for (const auto& m : all) have += (have.empty() ? "" : ", ") + std::to_string(m.version);
  throw not_found("model '" + a.name + "' has no " +
                  (v.empty() ? "unarchived version" : "version " + v) + " (versions: " + have +
                  ")");
}

json model_json(const Workspace& ws, const assets::ModelVersionInfo& m) {
  json j = {{"name", m.name},
            {"version", std::to_string(m.version)},
            {"type", text(m.meta, "type").empty() ? "custom_model" : text(m.meta, "type")},
            {"path", text(m.meta, "path")},
            {"description", m.meta.value("description", json(nullptr))},
            {"tags", m.meta.value("tags", json::object())},
            {"properties", m.meta.value("properties", json::object())},
            {"job_name", m.meta.value("run_id", json(nullptr))},
            {"creation_context", {{"created_at", m.meta.value("created_time", json(nullptr))}}},
            {"archived", archived(ws, m)},
            {"id", "azureml:" + m.name + ":" + std::to_string(m.version)}};
  if (m.meta.contains("flavors")) j["flavors"] = m.meta["flavors"];
  if (m.meta.contains("stage")) j["stage"] = m.meta["stage"];
  return j;
}

}  // namespace

void register_model(CLI::App& app, CliGlobals& g) {
  CLI::App* cmd = app.add_subcommand(
      "model",
      "registered models (custom_model, mlflow_model, triton_model): azureml:NAME:VERSION");
  cmd->require_subcommand(1);
  auto a = std::make_shared<AssetArgs>();

  CLI::App* create = cmd->add_subcommand(
      "create", "register a model from its v2 YAML file (or from --name, --path, --type)");
  add_create_options(create, *a, "model", false);
  auto flags = std::make_shared<std::map<std::string, std::string>>();
  create->add_option("-p,--path", (*flags)["path"],
                     "without -f: a local file or folder, azureml://jobs/ID/outputs/..., "
                     "runs:/ID/PATH");
  create
      ->add_option("-t,--type", (*flags)["type"],
                   "without -f: custom_model (default), mlflow_model or triton_model")
      ->check(CLI::IsMember({"custom_model", "mlflow_model", "triton_model"}));
  create->add_option("-d,--description", (*flags)["description"], "without -f: a description");
  create->callback([a, flags, &g] {
    Workspace ws = open_workspace(g);
    std::unique_ptr<TempFile> made;
    std::string file = create_input_file(ws, *a, *flags, "model", "a model", "custom_model", &made);
    auto r = assets::create_model(ws, file, a->overrides());
    std::cout << "Registered model " << r.name << ":" << r.version << " (" << r.type
              << "); use it as path: azureml:" << r.name << ":" << r.version << "\n";
  });

  CLI::App* list =
      cmd->add_subcommand("list", "models (latest version of each), or every version of --name");
  list->add_option("-n,--name", a->name, "list the versions of this model");
  list->add_flag("--include-archived", a->include_archived, "show archived versions too");
  list->add_option("-o,--output", a->output, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([a, &g] {
    Workspace ws = open_workspace(g);
    std::vector<assets::ModelVersionInfo> rows;
    for (const auto& name : a->name.empty() ? assets::model_names(ws) : std::vector{a->name}) {
      auto vs = assets::model_versions(ws, name);
      for (auto it = vs.rbegin(); it != vs.rend(); ++it) {
        if (!a->include_archived && archived(ws, *it)) continue;
        rows.push_back(*it);
        if (a->name.empty()) break;  // the latest of each
      }
    }
    if (a->output == "json") {
      json out = json::array();
      for (const auto& m : rows) out.push_back(model_json(ws, m));
      std::cout << out.dump(2) << "\n";
      return;
    }
    if (rows.empty()) {
      std::cout << "No models; register one with `runnel model create --name NAME --path PATH` "
                   "(or Model.register in a step)\n";
      return;
    }
    Table t({"NAME", "VERSION", "TYPE", "CREATED", "DESCRIPTION"});
    for (const auto& m : rows) {
      json j = model_json(ws, m);
      t.add({m.name, std::to_string(m.version) + (archived(ws, m) ? " (archived)" : ""),
             j["type"].get<std::string>(), text(m.meta, "created_time").substr(0, 19),
             j["description"].is_string() ? j["description"].get<std::string>() : ""});
    }
    t.print();
  });

  CLI::App* show = cmd->add_subcommand("show", "one model version (JSON)");
  add_name_version_options(show, *a, true);
  show->callback([a, &g] {
    Workspace ws = open_workspace(g);
    std::cout << model_json(ws, find_model(ws, *a)).dump(2) << "\n";
  });

  auto download_path = std::make_shared<std::string>(".");
  CLI::App* download = cmd->add_subcommand(
      "download", "copy a model's files to --download-path (default: here), under NAME/");
  add_name_version_options(download, *a, false);
  download->add_option("-p,--download-path", *download_path, "the folder to copy into");
  download->callback([a, download_path, &g] {
    Workspace ws = open_workspace(g);
    auto m = find_model(ws, *a);
    std::string src = text(m.meta, "path");
    if (src.empty() || !path_exists(src))
      throw corruption(m.dir + "/model.json: its files (" + src + ") are missing");
    // As az ml model download: <download-path>/<name>/<the registered file or folder>.
    std::string dest = absolute_path(*download_path) + "/" + m.name + "/" +
                       std::filesystem::path(src).filename().string();
    if (path_exists(dest))
      throw already_exists(dest + " exists; remove it or choose another --download-path");
    make_dirs(std::filesystem::path(dest).parent_path().string());
    copy_tree(src, dest);
    std::cout << "Downloaded model " << m.name << ":" << m.version << " to " << dest << "\n";
  });

  add_archive_commands(cmd, *a, "model", [a, &g](bool archive) {
    Workspace ws = open_workspace(g);
    AssetArgs one = *a;
    auto all = assets::model_versions(ws, a->name);
    if (all.empty() || !a->version.empty()) find_model(ws, one);  // throws naming what exists
    for (const auto& m : all)
      if (a->version.empty() || std::to_string(m.version) == a->version)
        internal::set_archived(ws, "model", m.name, std::to_string(m.version), archive);
  });
}

}  // namespace runnel::cli
