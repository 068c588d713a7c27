#include "assets/data_asset.h"

#include <filesystem>

#include "core/fs.h"
#include "data/dataset_state.h"
#include "data/file_match.h"
#include "data/registry.h"
#include "runnel/dataset.h"
#include "runnel/error.h"
#include "spec/yaml_refs.h"
#include "spec/yaml_util.h"
#include "store/metadata_store.h"

namespace runnel::internal {
std::shared_ptr<DatasetState> resolve_state(DatasetState s);  // data/dataset.cc
}

namespace runnel::assets {

namespace fs = std::filesystem;
using nlohmann::json;

void check_mltable_folder(const std::string& folder) {
  std::string file = folder + "/MLTable";
  if (!path_exists(file))
    throw invalid_argument(
        folder +
        ": an mltable asset's path must be a folder holding an MLTable file, and "
        "there is none; write one (paths: [{file: ./data.csv}], transformations: "
        "[read_delimited: {delimiter: ','}])");
  internal::YamlDoc d{file, folder};
  internal::yaml::Node root = internal::parse_yaml(d, internal::read_yaml_file(file, file));
  if (!root.IsMap()) throw invalid_argument(file + ": an MLTable file is a mapping with `paths:`");
  auto es = internal::entries(d, root, "");
  const internal::Entry* paths = internal::find_entry(es, "paths");
  if (!paths || !paths->value.IsSequence() || paths->value.size() == 0)
    internal::fail(d, paths ? paths->value : root, "paths", "the MLTable file has no `paths:` list",
                   "add paths: [{file: ./data.csv}] (or folder: / pattern:)");
  int i = 0;
  for (auto it = paths->value.begin(); it != paths->value.end(); ++it, ++i) {
    internal::yaml::Node item = *it;
    std::string where = "paths[" + std::to_string(i) + "]";
    if (!item.IsMap())
      internal::fail(d, item, where, "expected {file: P}, {folder: P} or {pattern: P}", "");
    auto pes = internal::entries(d, item, where);
    internal::check_keys(d, pes, where, {"file", "folder", "pattern"});
    for (const auto& pe : pes) {
      std::string p = internal::as_string(d, pe, where + "." + pe.name);
      if (p.find("://") != std::string::npos) {
        if (p.rfind("azureml://datastores/", 0) == 0 || p.rfind("file://", 0) == 0) continue;
        internal::fail(d, pe.value, where + "." + pe.name, "'" + p + "' cannot be read by runnel",
                       "use a path relative to the MLTable file, file:// or "
                       "azureml://datastores/<ds>/paths/<p>");
      }
      fs::path rel = fs::path(p).lexically_normal();
      if (rel.is_absolute() || (!rel.empty() && *rel.begin() == ".."))
        internal::fail(
            d, pe.value, where + "." + pe.name, "'" + p + "' lies outside the MLTable's folder",
            "keep the data beside the MLTable file (runnel registers the folder as it is)");
      if (pe.name == "pattern") {
        if (internal::match_datastore_files(folder, p, folder).empty())
          internal::fail(d, pe.value, where + ".pattern", "pattern '" + p + "' matches no file",
                         "");
      } else if (!path_exists(folder + "/" + p)) {
        internal::fail(d, pe.value, where + "." + pe.name,
                       "'" + p + "' does not exist in " + folder,
                       "fix the path (relative to the MLTable file)");
      }
    }
  }
}

DataAssetResult create_data_asset(const Workspace& ws, const std::string& yaml_path,
                                  const Overrides& o) {
  AssetYaml f = read_asset_yaml(yaml_path, o);
  check_asset_keys(f,
                   {"$schema", "name", "version", "description", "tags", "type", "path",
                    "properties", "stage", "auto_delete_setting", "datastore"},
                   "a data asset");
  DataAssetResult r;
  r.name = string_at(f.doc, "name");
  if (r.name.empty())
    throw invalid_argument(yaml_path + ": the data asset has no name; add `name:` or pass --name");
  r.type = string_at(f.doc, "type");
  if (r.type.empty()) r.type = "uri_folder";  // Azure ML's default
  DataType dt = DataType::kUriFolder;
  if (r.type == "uri_file")
    dt = DataType::kUriFile;
  else if (r.type == "uri_folder")
    dt = DataType::kUriFolder;
  else if (r.type == "mltable")
    dt = DataType::kMltable;
  else
    throw invalid_argument(yaml_path + ": type '" + r.type + "' is not a data asset type" +
                           internal::did_you_mean(r.type, {"uri_file", "uri_folder", "mltable"}) +
                           "; use uri_file, uri_folder or mltable");
  std::string version = string_at(f.doc, "version");
  if (!version.empty()) {
    if (version.find_first_not_of("0123456789") != std::string::npos || version.size() > 8 ||
        std::stoi(version) < 1)
      throw invalid_argument(
          yaml_path + ": version '" + version +
          "' is not a whole number; runnel numbers data asset versions 1, 2, 3... (it "
          "keeps them with its datasets), so write version: 1 or leave it out");
    r.version = std::stoi(version);
  }
  std::string path = string_at(f.doc, "path");
  if (path.empty())
    throw invalid_argument(yaml_path +
                           ": the data asset has no path; add `path:` (a local file or folder, or "
                           "azureml://datastores/<ds>/paths/<p>)");
  internal::YamlDoc d{yaml_path, f.base_dir};
  InputSource src = internal::resolve_data_path(d, internal::yaml::Node(), "path", path, dt);
  DatasetState s;
  s.kind = "file";
  s.asset_type = r.type;
  if (src.kind == InputSource::Kind::kDatastorePath) {
    Datastore ds(ws, src.datastore);
    std::string local = ds.path(src.path);
    if (dt == DataType::kMltable) {
      if (!is_directory(local) && fs::path(local).filename() == "MLTable")
        src.path = fs::path(src.path).parent_path().string();
      check_mltable_folder(ds.path(src.path));
    }
    if (dt == DataType::kUriFile && is_directory(local))
      throw invalid_argument(yaml_path + ": path '" + path +
                             "' is a folder but the type is uri_file; use uri_folder");
    s.sources.push_back(DataPath(ds, src.path));
  } else if (src.kind == InputSource::Kind::kLocalPath) {
    std::string local = src.path;
    if (dt == DataType::kMltable) {
      if (!is_directory(local) && fs::path(local).filename() == "MLTable")
        local = fs::path(local).parent_path().string();
      check_mltable_folder(local);
    }
    s.sources.push_back(DataPath(is_directory(local) ? local + "/" : local));
  } else {
    throw invalid_argument(yaml_path + ": path '" + path +
                           "' names a registered asset; a data asset's path is a local path or "
                           "azureml://datastores/<ds>/paths/<p>");
  }
  std::map<std::string, std::string> tags;
  if (f.doc.contains("tags") && f.doc["tags"].is_object())
    for (const auto& [k, v] : f.doc["tags"].items())
      tags[k] = v.is_string() ? v.get<std::string>() : v.dump();
  auto resolved = internal::resolve_state(std::move(s));
  size_t n_before = ws.store().list_dataset_versions(r.name).size();
  auto st = internal::register_state(ws, *resolved, r.name, string_at(f.doc, "description"), tags,
                                     /*create_new_version=*/true, r.version);
  r.version = st->version;
  r.files = st->files.size();
  r.created = ws.store().list_dataset_versions(r.name).size() > n_before;
  return r;
}

}  // namespace runnel::assets
