// data/dataset_state.h: what a FileDataset / TabularDataset handle holds, and its JSON
// form (the `definition_json` of a DatasetRecord and of a step's context entry).
//
// Definition JSON:
//   {"kind": "file"|"tabular",
//    "sources": [{"datastore": "workspaceblobstore" | "" (local), "path": "raw/*.csv"}],
//    "partition_format": "...",
//    "options": {separator, header, infer_column_types, set_column_types, include_path,
//                support_multi_line, empty_as_string, encoding, ragged_rows},   (tabular)
//    "columns": [{"name", "type", "date_order"}],                               (tabular)
//    "files": [{"datastore", "path", "size", "partition": {...}}]}
// Plain values; not synchronized (handles share an immutable state).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runnel/dataset.h"

namespace runnel {

struct DatasetState {
  std::string kind = "file";
  // A v2 data asset's type (`runnel data create`): "uri_file", "uri_folder" or "mltable";
  // "" for datasets registered the v1 way. In the definition JSON as "asset_type" when set.
  std::string asset_type;
  std::vector<DataPath> sources;
  std::string partition_format;
  DelimitedOptions options;
  std::vector<ColumnInfo> columns;
  std::vector<DatasetFile> files;
  // Set once registered:
  std::string name;
  int version = 0;
  std::string description;
  std::string digest;
  std::string manifest_json;
  std::string tags_json;
};

// Builds handles from a state (the constructors are private to users).
struct DatasetAccess {
  static FileDataset file(std::shared_ptr<const DatasetState> s) {
    return FileDataset(std::move(s));
  }
  static TabularDataset tabular(std::shared_ptr<const DatasetState> s) {
    return TabularDataset(std::move(s));
  }
  static const DatasetState& state(const DatasetBase& d) { return *d.state_; }
};

namespace internal {

// The definition JSON above. `with_files` false leaves "files" out (the identity of a
// definition is its sources and options plus the manifest digest).
nlohmann::json definition_to_json(const DatasetState& s, bool with_files = true);
// Restores sources, options, columns and files; datastore roots are looked up in `roots`
// (name -> folder). Throws Error(kCorruption) for a malformed definition.
DatasetState definition_from_json(const nlohmann::json& j,
                                  const std::map<std::string, std::string>& roots);

const char* header_mode_name(HeaderMode h);
HeaderMode parse_header_mode(const std::string& s);
const char* ragged_rows_name(RaggedRows r);
RaggedRows parse_ragged_rows(const std::string& s);

}  // namespace internal
}  // namespace runnel
