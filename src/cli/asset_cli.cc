#include "cli/asset_cli.h"

#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "runnel/error.h"

namespace runnel::cli {

TempFile::~TempFile() {
  if (!path.empty()) remove_all(path);
}

std::string create_input_file(const Workspace& ws, const AssetArgs& a,
                              std::map<std::string, std::string>& flags, const std::string& kind,
                              const std::string& what, const std::string& default_type,
                              std::unique_ptr<TempFile>* holder) {
  if (!a.file.empty()) {
    if (!flags["path"].empty() || !flags["type"].empty())
      throw invalid_argument(kind + " create: --path and --type describe " + what +
                             " without -f; with a file use --set path=... or --set type=...");
    return a.file;
  }
  // The flags make the same v2 document a file would hold (relative paths against the
  // current folder, as az resolves them).
  if (a.name.empty() || flags["path"].empty())
    throw invalid_argument(kind + " create: give -f FILE, or --name NAME and --path PATH (with " +
                           "--type, default " + default_type + ")");
  std::string path = flags["path"];
  if (path.find(':') == std::string::npos) path = absolute_path(path);
  nlohmann::json doc = {{"name", a.name},
                        {"type", flags["type"].empty() ? default_type : flags["type"]},
                        {"path", path}};
  if (!flags["description"].empty()) doc["description"] = flags["description"];
  std::string dir = ws.runnel_dir() + "/tmp";
  make_dirs(dir);
  *holder = std::make_unique<TempFile>();
  (*holder)->path = dir + "/" + kind + "-create-" + std::to_string(::getpid()) + ".yml";
  write_file_atomic((*holder)->path, doc.dump(2) + "\n");  // JSON is YAML
  return (*holder)->path;
}

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
