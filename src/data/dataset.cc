// FileDataset, TabularDataset and Dataset (include/runnel/dataset.h): building definitions
// and reading them back. Registration lives in register.cc.
#include "runnel/dataset.h"

#include <algorithm>

#include "data/column_types.h"
#include "data/dataset_state.h"
#include "data/file_match.h"
#include "data/registry.h"
#include "data/remote_sync.h"
#include "data/tabular_reader.h"
#include "runnel/error.h"
#include "runnel/workspace.h"

namespace runnel {

namespace {

std::vector<DatasetFile> resolve(const std::vector<DataPath>& paths,
                                 const std::string& partition_format) {
  if (paths.empty()) throw invalid_argument("a dataset needs at least one path");
  std::vector<DatasetFile> out;
  for (const auto& p : paths) {
    // An object-store datastore's files are matched in its local cache, synced first (one
    // listing; only new or changed objects are fetched).
    if (!p.datastore.empty()) {
      // A remote datastore's root is its cache, <workspace>/.runnel/cache/datastores/<name>
      // (engine/workspace.cc), which names the workspace to sync it in.
      const std::string cache = "/.runnel/cache/datastores/" + p.datastore;
      if (p.root.size() > cache.size() &&
          p.root.compare(p.root.size() - cache.size(), cache.size(), cache) == 0)
        internal::sync_datastore_path(
            Workspace::get(p.root.substr(0, p.root.size() - cache.size())), p.datastore, p.path);
    }
    auto matched = p.datastore.empty()
                       ? internal::match_local_files(p.path)
                       : internal::match_datastore_files(p.root, p.path, p.datastore);
    for (auto& m : matched) {
      DatasetFile f;
      f.datastore = p.datastore;
      f.path = p.datastore.empty() ? m.abs : m.rel;
      f.local_path = m.abs;
      f.size = m.size;
      if (!partition_format.empty()) {
        auto part = internal::parse_partition(partition_format, m.rel);
        if (!part)
          throw invalid_argument("file '" + m.rel + "' does not fit partition_format '" +
                                 partition_format + "'; narrow the path or fix the format");
        f.partition = *part;
      }
      bool dup = std::any_of(out.begin(), out.end(), [&](const DatasetFile& o) {
        return o.datastore == f.datastore && o.path == f.path;
      });
      if (!dup) out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace

namespace internal {

std::shared_ptr<DatasetState> resolve_state(DatasetState s) {
  auto st = std::make_shared<DatasetState>(std::move(s));
  st->files = resolve(st->sources, st->partition_format);
  if (st->kind == "tabular") {
    st->options.partition_format = st->partition_format;
    st->columns = infer_columns(st->files, st->options);
  }
  return st;
}

}  // namespace internal

const char* ColumnInfo::type_name() const { return internal::column_type_name(type); }

DatasetConsumptionConfig DatasetConsumptionConfig::as_download(const std::string& p) const {
  DatasetConsumptionConfig c = *this;
  c.mode = "download";
  c.path_on_compute = p;
  return c;
}

DatasetConsumptionConfig DatasetConsumptionConfig::as_mount(const std::string& p) const {
  DatasetConsumptionConfig c = *this;
  c.mode = "ro_mount";
  c.path_on_compute = p;
  return c;
}

const std::string& DatasetBase::name() const { return state_->name; }
int DatasetBase::version() const { return state_->version; }
const std::string& DatasetBase::description() const { return state_->description; }
std::string DatasetBase::kind() const { return state_->kind; }
std::string DatasetBase::definition_json() const {
  return internal::definition_to_json(*state_).dump();
}
const std::vector<DatasetFile>& DatasetBase::files() const { return state_->files; }
std::string DatasetBase::digest() const { return state_->digest; }

std::vector<std::string> DatasetBase::to_path() const {
  // Paths relative to the folder all files share, each with a leading '/', as the SDK does.
  std::vector<std::string> paths;
  for (const auto& f : state_->files) paths.push_back(f.path);
  std::string common = paths.empty() ? "" : paths[0].substr(0, paths[0].rfind('/') + 1);
  for (const auto& p : paths)
    while (!common.empty() && p.rfind(common, 0) != 0) {
      common.pop_back();
      common = common.substr(0, common.rfind('/') + 1);
    }
  for (auto& p : paths) p = "/" + p.substr(common.size());
  return paths;
}

DatasetConsumptionConfig DatasetBase::as_named_input(const std::string& input_name) const {
  DatasetConsumptionConfig c;
  c.name = input_name;
  c.dataset = state_->name;
  c.version = state_->version;
  c.definition_json = definition_json();
  return c;
}

FileDataset FileDataset::register_dataset(const Workspace& ws, const std::string& name,
                                          const std::string& description,
                                          const std::map<std::string, std::string>& tags,
                                          bool create_new_version) const {
  return DatasetAccess::file(
      internal::register_state(ws, *state_, name, description, tags, create_new_version));
}

TabularDataset TabularDataset::register_dataset(const Workspace& ws, const std::string& name,
                                                const std::string& description,
                                                const std::map<std::string, std::string>& tags,
                                                bool create_new_version) const {
  return DatasetAccess::tabular(
      internal::register_state(ws, *state_, name, description, tags, create_new_version));
}

const std::vector<ColumnInfo>& TabularDataset::columns() const { return state_->columns; }
const DelimitedOptions& TabularDataset::options() const { return state_->options; }

std::string TabularDataset::take_json(int n) const {
  return internal::take_rows(state_->files, state_->options, state_->columns, n).dump();
}

std::vector<std::vector<std::string>> TabularDataset::take(int n) const {
  std::vector<std::vector<std::string>> out;
  for (const auto& row : internal::take_rows(state_->files, state_->options, state_->columns, n)) {
    std::vector<std::string> r;
    for (const auto& v : row)
      r.push_back(v.is_null() ? "" : v.is_string() ? v.get<std::string>() : v.dump());
    out.push_back(std::move(r));
  }
  return out;
}

FileDataset Dataset::File::from_files(const std::vector<DataPath>& paths,
                                      const std::string& partition_format) {
  DatasetState s;
  s.kind = "file";
  s.sources = paths;
  s.partition_format = partition_format;
  internal::partition_keys(partition_format);  // validates
  return DatasetAccess::file(internal::resolve_state(std::move(s)));
}

TabularDataset Dataset::Tabular::from_delimited_files(const std::vector<DataPath>& paths,
                                                      const DelimitedOptions& options) {
  DatasetState s;
  s.kind = "tabular";
  s.sources = paths;
  s.options = options;
  s.partition_format = options.partition_format;
  return DatasetAccess::tabular(internal::resolve_state(std::move(s)));
}

std::variant<FileDataset, TabularDataset> Dataset::get_by_name(const Workspace& ws,
                                                               const std::string& name,
                                                               int version) {
  auto st = internal::load_state(ws, name, version);
  if (st->kind == "tabular") return DatasetAccess::tabular(st);
  return DatasetAccess::file(st);
}

FileDataset Dataset::get_file_dataset(const Workspace& ws, const std::string& name, int version) {
  auto st = internal::load_state(ws, name, version);
  if (st->kind != "file")
    throw invalid_argument("dataset '" + name + "' is a " + st->kind +
                           " dataset, not a file dataset");
  return DatasetAccess::file(st);
}

TabularDataset Dataset::get_tabular_dataset(const Workspace& ws, const std::string& name,
                                            int version) {
  auto st = internal::load_state(ws, name, version);
  if (st->kind != "tabular")
    throw invalid_argument("dataset '" + name + "' is a " + st->kind +
                           " dataset, not a tabular dataset");
  return DatasetAccess::tabular(st);
}

}  // namespace runnel
