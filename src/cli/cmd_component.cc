// `runnel component create|list|show|archive|restore`: registered components (the
// `az ml component` verbs), used in pipelines as azureml:NAME:VERSION or azureml:NAME@latest.
#include <iostream>
#include <nlohmann/json.hpp>

#include "assets/component_registry.h"
#include "cli/asset_cli.h"
#include "cli/cli.h"
#include "cli/table.h"
#include "core/fs.h"
#include "core/ids.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

json component_json(const assets::ComponentVersion& c) {
  return {{"name", c.name},
          {"version", c.version},
          {"type", c.type},
          {"display_name", c.display_name},
          {"description", c.description},
          {"digest", c.digest},
          {"created", format_time_iso(c.created_at)},
          {"archived", c.archived},
          {"file", c.file},
          {"id", "azureml:" + c.name + ":" + c.version}};
}

}  // namespace

void register_component(CLI::App& app, CliGlobals& g) {
  CLI::App* cmd = app.add_subcommand(
      "component", "registered components: versioned, immutable, azureml:NAME:VERSION");
  cmd->require_subcommand(1);
  auto a = std::make_shared<AssetArgs>();

  CLI::App* create =
      cmd->add_subcommand("create", "register a command or pipeline component from its YAML file");
  add_create_options(create, *a, "component");
  create->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto r = assets::create_component(ws, a->file, a->overrides());
    const auto& c = r.component;
    if (r.created)
      std::cout << "Registered component " << c.name << ":" << c.version << " (" << c.type
                << "); use it as component: azureml:" << c.name << ":" << c.version << "\n";
    else
      std::cout << "Component " << c.name << ":" << c.version
                << " already has this content; nothing changed\n";
  });

  CLI::App* list = cmd->add_subcommand(
      "list", "components (the latest version of each), or every version of --name");
  list->add_option("-n,--name", a->name, "list the versions of this component");
  list->add_flag("--include-archived", a->include_archived, "show archived versions too");
  list->add_option("-o,--output", a->output, "table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));
  list->callback([a, &g] {
    Workspace ws = open_workspace(g);
    std::vector<assets::ComponentVersion> rows;
    if (a->name.empty()) {
      rows = assets::list_components(ws, a->include_archived);
    } else {
      for (auto& c : assets::component_versions(ws, a->name))
        if (a->include_archived || !c.archived) rows.push_back(c);
    }
    if (rows.empty() && a->output == "json") {
      std::cout << "[]\n";
      return;
    }
    if (rows.empty()) {
      std::cout
          << "No components registered; add one with `runnel component create -f component.yml`\n";
      return;
    }
    Table t({"NAME", "VERSION", "TYPE", "CREATED", "DESCRIPTION"});
    for (const auto& c : rows)
      t.add({c.name, c.version + (c.archived ? " (archived)" : ""), c.type,
             format_time(c.created_at), c.description});
    if (a->output == "json")
      t.print_json();
    else
      t.print();
  });

  CLI::App* show = cmd->add_subcommand("show", "one component version (JSON) and its definition");
  add_name_version_options(show, *a, true);
  show->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto c = assets::get_component(ws, a->name, requested_version(*a));
    json j = component_json(c);
    j["definition"] = json::parse(read_file(c.file));
    std::cout << j.dump(2) << "\n";
  });

  add_archive_commands(cmd, *a, "component", [a, &g](bool archive) {
    assets::archive_component(open_workspace(g), a->name, a->version, archive);
  });
}

}  // namespace runnel::cli
