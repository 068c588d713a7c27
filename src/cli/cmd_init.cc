// `runnel init [DIR]`: create a workspace.
#include <iostream>

#include "cli/cli.h"
#include "core/fs.h"

namespace runnel::cli {

void register_init(CLI::App& app, CliGlobals& g) {
  auto dir = std::make_shared<std::string>(".");
  auto name = std::make_shared<std::string>();
  CLI::App* sub =
      app.add_subcommand("init", "create a workspace (.runnel/) in DIR (default: here)");
  sub->add_option("dir", *dir, "folder to hold the workspace");
  sub->add_option("--name", *name, "workspace name (default: the folder's name)");
  sub->callback([dir, name, &g] {
    bool existed = path_exists(absolute_path(*dir) + "/.runnel/config.json");
    Workspace ws = Workspace::create(*dir, *name);
    std::cout << (existed ? "Workspace already exists: " : "Created workspace ") << ws.name()
              << " at " << ws.root() << "\n"
              << "  default datastore: " << ws.get_default_datastore().name() << " ("
              << ws.get_default_datastore().root() << ")\n";
    (void)g;
  });
}

}  // namespace runnel::cli
