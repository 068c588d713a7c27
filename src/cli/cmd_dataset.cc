// `runnel dataset register|list|show|versions|preview`: registered datasets and versions.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/fs.h"
#include "core/ids.h"
#include "data/column_types.h"
#include "data/dataset_state.h"
#include "data/manifest.h"
#include "data/registry.h"
#include "runnel/dataset.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

namespace runnel::cli {

namespace {

struct Args {
  std::string name, ref, datastore, description, separator = ",", header = "all_files_same_headers";
  std::string partition_format, encoding = "utf8", ragged = "error";
  std::vector<std::string> paths, set_types, tags;
  bool tabular = false, no_infer = false, include_path = false, multi_line = false;
  bool empty_as_string = false, new_version = false;
  int rows = 10;
};

// "DS:path" on a registered datastore; a path on --datastore; otherwise a local path.
DataPath to_data_path(const Workspace& ws, const std::string& p, const std::string& datastore) {
  auto all = ws.datastores();
  auto colon = p.find(':');
  if (colon != std::string::npos && all.count(p.substr(0, colon)))
    return DataPath(all.at(p.substr(0, colon)), p.substr(colon + 1));
  if (!datastore.empty()) return DataPath(Datastore(ws, datastore), p);
  return DataPath(absolute_path(p));
}

void print_columns_and_rows(const TabularDataset& d, int n) {
  std::vector<std::string> header;
  for (const auto& c : d.columns()) header.push_back(c.name + " (" + c.type_name() + ")");
  Table t(header);
  for (auto& row : d.take(n)) t.add(row);
  t.print();
}

}  // namespace

void register_dataset(CLI::App& app, CliGlobals& g) {
  CLI::App* cmd =
      app.add_subcommand("dataset", "registered datasets: file and tabular, with versions");
  cmd->require_subcommand(1);
  auto a = std::make_shared<Args>();

  CLI::App* reg =
      cmd->add_subcommand("register", "register files (or delimited files with --tabular) as NAME");
  reg->add_option("name", a->name, "dataset name")->required();
  reg->add_option("paths", a->paths,
                  "DATASTORE:PATH, a PATH on --datastore, or a local path (uploaded to the default "
                  "datastore); globs *, **, ? allowed")
      ->required();
  reg->add_option("--datastore", a->datastore, "datastore that plain PATHs are on");
  reg->add_flag("--tabular", a->tabular, "a tabular dataset of delimited files");
  reg->add_option("--separator", a->separator,
                  "field separator (tabular; default ',', '\\t' for tab)");
  reg->add_option("--header", a->header,
                  "all_files_same_headers | no_headers | only_first_file_has_headers | "
                  "combine_all_files_headers");
  reg->add_flag("--no-infer", a->no_infer, "do not infer column types (all strings)");
  reg->add_option("--set-type", a->set_types,
                  "COLUMN=TYPE (integer, float, boolean, datetime, string)");
  reg->add_flag("--include-path", a->include_path, "add a Path column");
  reg->add_option("--partition-format", a->partition_format,
                  "e.g. '{region}/{day:yyyy/MM/dd}/*.csv'");
  reg->add_flag("--multi-line", a->multi_line, "quoted fields may hold line breaks");
  reg->add_flag("--empty-as-string", a->empty_as_string,
                "read empty fields of string columns as \"\"");
  reg->add_option("--encoding", a->encoding, "utf8 | utf8bom | latin1 | windows1252 | ascii");
  reg->add_option("--ragged", a->ragged, "rows with a wrong field count: error | pad | skip");
  reg->add_option("--description", a->description, "what it holds");
  reg->add_option("--tag", a->tags, "KEY=VALUE (repeatable)");
  reg->add_flag("--new-version", a->new_version,
                "add a version when NAME exists (create_new_version)");
  reg->callback([a, &g] {
    Workspace ws = open_workspace(g);
    std::vector<DataPath> paths;
    for (const auto& p : a->paths) paths.push_back(to_data_path(ws, p, a->datastore));
    std::map<std::string, std::string> tags;
    for (const auto& t : a->tags) {
      auto eq = t.find('=');
      if (eq == std::string::npos || eq == 0)
        throw invalid_argument("--tag " + t + ": expected KEY=VALUE");
      tags[t.substr(0, eq)] = t.substr(eq + 1);
    }
    int version = 0;
    size_t files = 0;
    if (a->tabular) {
      DelimitedOptions o;
      o.separator = a->separator;
      o.header = internal::parse_header_mode(a->header);
      o.infer_column_types = !a->no_infer;
      for (const auto& s : a->set_types) {
        auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0)
          throw invalid_argument("--set-type " + s + ": expected COLUMN=TYPE");
        o.set_column_types[s.substr(0, eq)] = internal::parse_column_type(s.substr(eq + 1));
      }
      o.include_path = a->include_path;
      o.partition_format = a->partition_format;
      o.support_multi_line = a->multi_line;
      o.empty_as_string = a->empty_as_string;
      o.encoding = a->encoding;
      o.ragged_rows = internal::parse_ragged_rows(a->ragged);
      auto d = Dataset::Tabular::from_delimited_files(paths, o).register_dataset(
          ws, a->name, a->description, tags, a->new_version);
      version = d.version();
      files = d.files().size();
    } else {
      auto d = Dataset::File::from_files(paths, a->partition_format)
                   .register_dataset(ws, a->name, a->description, tags, a->new_version);
      version = d.version();
      files = d.files().size();
    }
    std::cout << "Registered dataset " << a->name << ":" << version << " (" << files << " files)\n";
  });

  CLI::App* list = cmd->add_subcommand("list", "registered datasets (latest version of each)");
  list->callback([&g] {
    Workspace ws = open_workspace(g);
    Table t({"NAME", "VERSION", "KIND", "FILES", "REGISTERED", "DESCRIPTION"});
    for (const auto& d : ws.store().list_datasets())
      t.add({d.name, std::to_string(d.version), d.kind,
             std::to_string(nlohmann::json::parse(d.manifest_json).size()),
             format_time(d.created_at), d.description});
    if (t.size() == 0)
      std::cout << "No datasets registered; add one with `runnel dataset register NAME PATH...`\n";
    else
      t.print();
  });

  CLI::App* show = cmd->add_subcommand("show", "one version's definition, files and columns");
  show->add_option("ref", a->ref, "NAME[:VERSION]")->required();
  show->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto [name, version] = internal::parse_dataset_ref(a->ref);
    auto rec = ws.store().get_dataset(name, version);
    auto st = internal::load_state(ws, name, version);  // throws a clear not-found
    std::cout << "Name:        " << rec->name << "\nVersion:     " << rec->version
              << "\nKind:        " << rec->kind << "\nDescription: " << rec->description
              << "\nRegistered:  " << format_time(rec->created_at)
              << "\nDigest:      " << rec->digest << "\nTags:        " << rec->tags_json
              << "\nSources:\n";
    for (const auto& s : st->sources) std::cout << "  " << s.datastore << ":" << s.path << "\n";
    if (rec->kind == "tabular") {
      std::cout << "Columns:\n";
      for (const auto& c : st->columns)
        std::cout << "  " << c.name << "  " << c.type_name()
                  << (c.date_order.empty() ? "" : " (" + c.date_order + ")") << "\n";
    }
    auto manifest = nlohmann::json::parse(rec->manifest_json);
    std::cout << "Files (" << manifest.size() << "):\n";
    for (const auto& f : manifest)
      std::cout << "  " << f["datastore"].get<std::string>() << ":" << f["path"].get<std::string>()
                << "  " << f["size"].get<int64_t>() << " B  "
                << f["digest"].get<std::string>().substr(0, 12) << "\n";
  });

  CLI::App* versions = cmd->add_subcommand("versions", "every version of a dataset");
  versions->add_option("name", a->name, "dataset name")->required();
  versions->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto all = ws.store().list_dataset_versions(a->name);
    if (all.empty()) internal::load_state(ws, a->name, 0);  // throws naming what exists
    Table t({"VERSION", "KIND", "FILES", "DIGEST", "REGISTERED", "DESCRIPTION"});
    for (const auto& d : all)
      t.add({std::to_string(d.version), d.kind,
             std::to_string(nlohmann::json::parse(d.manifest_json).size()), d.digest.substr(0, 12),
             format_time(d.created_at), d.description});
    t.print();
  });

  CLI::App* preview =
      cmd->add_subcommand("preview", "first rows of a tabular dataset, with column types");
  preview->add_option("ref", a->ref, "NAME[:VERSION]")->required();
  preview->add_option("-n,--rows", a->rows, "rows to show (default 10)");
  preview->callback([a, &g] {
    Workspace ws = open_workspace(g);
    auto [name, version] = internal::parse_dataset_ref(a->ref);
    auto d = Dataset::get_by_name(ws, name, version);
    auto rec = ws.store().get_dataset(name, version);
    auto changed = internal::changed_files(nlohmann::json::parse(rec->manifest_json),
                                           internal::datastore_roots(ws));
    for (const auto& f : changed)
      std::cerr << "warning: " << f << " changed since " << name << ":" << rec->version
                << " was registered; the preview shows the current content\n";
    if (auto* tab = std::get_if<TabularDataset>(&d)) {
      std::cout << name << ":" << tab->version() << "\n";
      print_columns_and_rows(*tab, a->rows);
    } else {
      auto& f = std::get<FileDataset>(d);
      std::cout << name << ":" << f.version() << " is a file dataset; its files:\n";
      int shown = 0;
      for (const auto& p : f.to_path())
        if (shown++ < a->rows) std::cout << "  " << p << "\n";
    }
  });
}

}  // namespace runnel::cli
