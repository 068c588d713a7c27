// `runnel data create|list|show|archive|restore`: v2 data assets (the `az ml data` verbs):
// uri_file, uri_folder and mltable, kept with the registered datasets (`runnel dataset`).
#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "assets/data_asset.h"
#include "cli/asset_cli.h"
#include "cli/cli.h"
#include "cli/table.h"
#include "core/fs.h"
#include "core/ids.h"
#include "data/asset_archive.h"
#include "data/registry.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

std::string type_of(const DatasetRecord& d) {
  json def = json::parse(d.definition_json, nullptr, false);
  std::string t = def.is_object() ? def.value("asset_type", "") : "";
  return t.empty() ? d.kind + " (v1)" : t;
}

bool archived(const Workspace& ws, const DatasetRecord& d) {
  return internal::is_archived(ws, "data", d.name, std::to_string(d.version));
}

int version_number(const std::string& v) {
  if (v.empty()) return 0;
  if (v.find_first_not_of("0123456789") != std::string::npos || v.size() > 8)
    throw invalid_argument("--version " + v + ": data asset versions are whole numbers");
  return std::stoi(v);
}

}  // namespace

void register_data(CLI::App& app, CliGlobals& g) {
  CLI::App* cmd = app.add_subcommand(
      "data", "data assets (uri_file, uri_folder, mltable): azureml:NAME:VERSION");
  cmd->require_subcommand(1);
  auto a = std::make_shared<AssetArgs>();

  CLI::App* create = cmd->add_subcommand(
      "create", "register a data asset from its v2 YAML file (or from --name, --path, --type)");
  add_create_options(create, *a, "data asset", false);
  // az ml data create's flags, for a data asset without a file.
  auto flags = std::make_shared<std::map<std::string, std::string>>();
  create->add_option("-p,--path", (*flags)["path"], "without -f: the data's path or URI");
  create->add_option("-t,--type", (*flags)["type"], "without -f: uri_file, uri_folder or mltable")
      ->check(CLI::IsMember({"uri_file", "uri_folder", "mltable"}));
  create->add_option("-d,--description", (*flags)["description"], "without -f: a description");
  create->callback([a, flags, &g] {
    Workspace ws = open_workspace(g);
    std::unique_ptr<TempFile> made;
    std::string file = create_input_file(ws, *a, *flags, "data", "data", "uri_folder", &made);
    auto r = assets::create_data_asset(ws, file, a->overrides());
    if (r.created)
      std::cout << "Registered data asset " << r.name << ":" << r.version << " (" << r.type << ", "
                << r.files << " files); use it as path: azureml:" << r.name << ":" << r.version
                << "\n";
    else
      std::cout << "Data asset " << r.name << ":" << r.version
                << " already has this content; nothing changed\n";
  });

  CLI::App* list = cmd->add_subcommand(
      "list", "data assets (latest version of each), or every version of --name");
  list->add_option("-n,--name", a->name, "list the versions of this asset");
  list->add_flag("--include-archived", a->include_archived, "show archived versions too");
  list->add_option("-o,--output", a->output, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([a, &g] {
    Workspace ws = open_workspace(g);
    std::vector<DatasetRecord> rows;
    if (a->name.empty()) {
      for (const auto& d : ws.store().list_datasets()) {
        auto vs = ws.store().list_dataset_versions(d.name);
        for (auto it = vs.rbegin(); it != vs.rend(); ++it)
          if (a->include_archived || !archived(ws, *it)) {
            rows.push_back(*it);
            break;
          }
      }
    } else {
      for (const auto& d : ws.store().list_dataset_versions(a->name))
        if (a->include_archived || !archived(ws, d)) rows.push_back(d);
    }
    if (rows.empty() && a->output == "json") {
      std::cout << "[]\n";
      return;
    }
    if (rows.empty()) {
      std::cout << "No data assets; add one with `runnel data create -f data.yml`\n";
      return;
    }
    Table t({"NAME", "VERSION", "TYPE", "FILES", "CREATED", "DESCRIPTION"});
    for (const auto& d : rows)
      t.add({d.name, std::to_string(d.version) + (archived(ws, d) ? " (archived)" : ""), type_of(d),
             std::to_string(json::parse(d.manifest_json).size()), format_time(d.created_at),
             d.description});
    if (a->output == "json")
      t.print_json();
    else
      t.print();
  });

  CLI::App* show = cmd->add_subcommand("show", "one data asset version (JSON)");
  add_name_version_options(show, *a, true);
  show->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto st = internal::load_state(ws, a->name, version_number(requested_version(*a)));
    auto rec = ws.store().get_dataset(st->name, st->version);
    json files = json::array();
    for (const auto& f : st->files)
      files.push_back({{"datastore", f.datastore}, {"path", f.path}, {"size", f.size}});
    json j = {{"name", rec->name},
              {"version", rec->version},
              {"type", type_of(*rec)},
              {"description", rec->description},
              {"tags", json::parse(rec->tags_json.empty() ? "{}" : rec->tags_json)},
              {"digest", rec->digest},
              {"created", format_time_iso(rec->created_at)},
              {"archived", archived(ws, *rec)},
              {"id", "azureml:" + rec->name + ":" + std::to_string(rec->version)},
              {"files", files}};
    std::cout << j.dump(2) << "\n";
  });

  add_archive_commands(cmd, *a, "data asset", [a, &g](bool archive) {
    Workspace ws = open_workspace(g);
    int v = version_number(a->version);
    auto all = ws.store().list_dataset_versions(a->name);
    if (all.empty()) internal::load_state(ws, a->name, 0);  // throws naming what exists
    bool found = false;
    for (const auto& d : all)
      if (v == 0 || d.version == v) {
        internal::set_archived(ws, "data", d.name, std::to_string(d.version), archive);
        found = true;
      }
    if (!found) internal::load_state(ws, a->name, v);  // throws: no such version
  });
}

}  // namespace runnel::cli
