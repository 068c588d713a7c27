// cli/asset_cli.h: the flags the asset verbs share, as `az ml <asset> create|list|show|
// archive|restore` spells them: --file/-f, --set KEY=VALUE, --name/-n, --version/-v,
// --label latest, --include-archived.
// Single-threaded (the CLI's main thread).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "assets/asset_yaml.h"
#include "runnel/workspace.h"

namespace runnel::cli {

struct AssetArgs {
  std::string file, name, version, label, output = "table";
  std::vector<std::string> sets;
  bool include_archived = false;
  assets::Overrides overrides() const { return {sets, name, version}; }
};

// create: --file (required unless `file_required` is false), --set, --name, --version.
void add_create_options(CLI::App* cmd, AssetArgs& a, const std::string& what,
                        bool file_required = true);
// show/archive/restore: --name (required), --version, and for show --label latest.
void add_name_version_options(CLI::App* cmd, AssetArgs& a, bool with_label);
// `archive` and `restore` subcommands of `cmd` (--name, --version): each calls
// `set(archived)` and prints "Archived <kind> NAME:V" / "Restored ...".
void add_archive_commands(CLI::App* cmd, AssetArgs& a, const std::string& kind,
                          std::function<void(bool archived)> set);
// A file removed when this goes.
struct TempFile {
  std::string path;
  ~TempFile();
};

// The file `<kind> create` reads: a.file, or without -f a v2 YAML document made from az's
// flags (`flags`: "path" — absolute unless a URI —, "type", else `default_type`, and
// "description") and a.name, written under .runnel/tmp/ and removed with `*holder`. Throws
// invalid_argument, naming `kind` and `what` ("data create: ... describe data ..."), when
// --name/--path are missing without -f or --path/--type are given with it.
std::string create_input_file(const Workspace& ws, const AssetArgs& a,
                              std::map<std::string, std::string>& flags, const std::string& kind,
                              const std::string& what, const std::string& default_type,
                              std::unique_ptr<TempFile>* holder);

// The version a show asks for: "" for --label latest or no version. Throws for another label.
std::string requested_version(const AssetArgs& a);

}  // namespace runnel::cli
