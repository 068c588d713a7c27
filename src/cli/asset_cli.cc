#include "cli/asset_cli.h"

#include <iostream>

#include "runnel/error.h"

namespace runnel::cli {

void add_create_options(CLI::App* cmd, AssetArgs& a, const std::string& what, bool file_required) {
  cmd->add_option("-f,--file", a.file, "the " + what + "'s v2 YAML file")->required(file_required);
  cmd->add_option("--set", a.sets,
                  "override a field: KEY=VALUE, dotted for nested keys (repeatable)");
  cmd->add_option("-n,--name", a.name, "the name (overrides the file's)");
  cmd->add_option("-v,--version", a.version, "the version (overrides the file's)");
}

void add_name_version_options(CLI::App* cmd, AssetArgs& a, bool with_label) {
  cmd->add_option("-n,--name", a.name, "the asset's name")->required();
  cmd->add_option(
      "-v,--version", a.version,
      with_label ? "a version (default: the latest)" : "a version (default: every version)");
  if (with_label) cmd->add_option("-l,--label", a.label, "latest: the latest version not archived");
}

void add_archive_commands(CLI::App* cmd, AssetArgs& a, const std::string& kind,
                          std::function<void(bool archived)> set) {
  for (bool archive : {true, false}) {
    CLI::App* sub = cmd->add_subcommand(
        archive ? "archive" : "restore",
        archive ? "hide a version (or every version) from list and @latest" : "undo archive");
    add_name_version_options(sub, a, false);
    sub->callback([&a, kind, set, archive] {
      set(archive);
      std::cout << (archive ? "Archived " : "Restored ") << kind << " " << a.name
                << (a.version.empty() ? " (every version)" : ":" + a.version) << "\n";
    });
  }
}

std::string requested_version(const AssetArgs& a) {
  if (!a.label.empty() && a.label != "latest")
    throw invalid_argument("--label " + a.label + ": runnel knows the label 'latest' only");
  if (!a.label.empty() && !a.version.empty())
    throw invalid_argument("give --version or --label, not both");
  return a.version;
}

}  // namespace runnel::cli
