// runnel/dataset.h: file and tabular datasets, their registration and versions (docs/design.md §1).
//
// @code
//   auto ws = runnel::Workspace::from_config();
//   runnel::Datastore ds = ws.get_default_datastore();
//   auto images = runnel::Dataset::File::from_files({{ds, "train-images/"}, {ds, "raw/**/*.png"}});
//   images.register_dataset(ws, "train_images", "MNIST training images");
//   auto iris = runnel::Dataset::Tabular::from_delimited_files({{ds, "iris/*.csv"}});
//   for (auto& c : iris.columns()) std::cout << c.name << ": " << c.type_name() << "\n";
//   auto v2 = runnel::Dataset::get_by_name(ws, "train_images");   // latest version
// @endcode
//
// A dataset is a definition (paths and glob patterns on datastores, parse options) plus,
// once registered, a version number and a manifest (every file's path, size and SHA-256)
// that fixes its content: consuming a version whose files changed since registration is an
// error naming the files (see data/materialize.h), never a silent change.
//
// Why `register_dataset` and not `register`: `register` is a reserved C++ keyword.
//
// Datasets are immutable value handles (cheap to copy; safe to share between threads).
// Every call that touches files throws runnel::Error naming the path on failure.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runnel/datastore.h"

namespace runnel {

class Workspace;
struct DatasetState;

// One source of a dataset: a path or glob pattern (*, ** and ?) on a datastore, or a local
// file/folder (datastore "" = local), uploaded into the default datastore at registration.
struct DataPath {
  DataPath(const Datastore& ds, std::string p)
      : datastore(ds.name()), root(ds.root()), path(std::move(p)) {}
  DataPath(std::string local_path) : path(std::move(local_path)) {}  // NOLINT: implicit on purpose
  DataPath(const char* local_path) : path(local_path) {}             // NOLINT
  std::string datastore;                                             // "" = local path
  std::string root;                                                  // the datastore's folder
  std::string path;
};

// How the files of a tabular dataset carry their header (the SDK's PromoteHeadersBehavior).
enum class HeaderMode {
  kAllFilesHaveSameHeaders,  // every file starts with the same header line (default)
  kNoHeaders,                // columns are named Column1, Column2, ...
  kOnlyFirstFileHasHeaders,  // the first file's first line is the header
  kCombineAllFilesHeaders,   // every file has a header; columns are their union (by name)
};

enum class ColumnType { kInteger, kFloat, kBoolean, kDatetime, kString };

struct ColumnInfo {
  std::string name;
  ColumnType type = ColumnType::kString;
  std::string date_order;  // datetime only: "ymd", "dmy" or "mdy"
  const char* type_name() const;
};

// What to do with a row whose field count differs from the header's.
enum class RaggedRows { kError, kPadOrTruncate, kSkip };

// Options of from_delimited_files, as the SDK names them.
struct DelimitedOptions {
  std::string separator = ",";
  HeaderMode header = HeaderMode::kAllFilesHaveSameHeaders;
  bool infer_column_types = true;
  std::map<std::string, ColumnType> set_column_types;  // override; unknown names are errors
  bool include_path = false;                           // adds a "Path" column with each row's file
  std::string partition_format;                        // e.g. "{region}/{date:yyyy/MM/dd}/*.csv"
  bool support_multi_line = false;                     // quoted fields may hold line breaks
  bool empty_as_string = false;
  std::string encoding = "utf8";  // utf8, utf8bom, latin1/iso88591, windows1252, ascii
  RaggedRows ragged_rows = RaggedRows::kError;
  int infer_sample_rows = 1000;  // rows per column that inference looks at
};

// One file of a dataset, as resolved now.
struct DatasetFile {
  std::string datastore;   // "" for a local file not yet uploaded
  std::string path;        // relative to the datastore (or absolute when local)
  std::string local_path;  // absolute path on this machine
  int64_t size = 0;
  std::map<std::string, std::string> partition;  // partition_format values
};

// A step's way of receiving a dataset (the SDK's DatasetConsumptionConfig).
struct DatasetConsumptionConfig {
  std::string name;             // the input's name
  std::string mode = "direct";  // "direct" | "download" | "ro_mount"
  std::string dataset;          // registered name ("" for an unregistered definition)
  int version = 0;
  std::string definition_json;
  std::string path_on_compute;  // download/mount target, "" = runnel chooses
  DatasetConsumptionConfig as_download(const std::string& path_on_compute = "") const;
  DatasetConsumptionConfig as_mount(const std::string& path_on_compute = "") const;
};

class DatasetBase {
 public:
  const std::string& name() const;  // "" until registered
  int version() const;              // 0 until registered
  const std::string& description() const;
  std::string kind() const;  // "file" | "tabular"
  // The definition as JSON text (sources, options, columns, and once registered the files).
  std::string definition_json() const;
  // The files now matched, sorted by datastore and path.
  const std::vector<DatasetFile>& files() const;
  // The files as the SDK's to_path() lists them: "/" + path relative to the common base.
  std::vector<std::string> to_path() const;
  // Content digest (hex SHA-256 over the manifest); "" until registered.
  std::string digest() const;
  DatasetConsumptionConfig as_named_input(const std::string& input_name) const;

 protected:
  explicit DatasetBase(std::shared_ptr<const DatasetState> s) : state_(std::move(s)) {}
  std::shared_ptr<const DatasetState> state_;
  friend struct DatasetAccess;
};

class FileDataset : public DatasetBase {
 public:
  // Registers this definition as `name` and returns the registered version:
  //  - a new name: version 1;
  //  - an existing name whose latest version has the same definition and content: that
  //    version, unchanged;
  //  - an existing name otherwise: Error(kAlreadyExists) unless `create_new_version`, then
  //    the next version.
  // Local sources are uploaded first into the default datastore under
  // datasets/<name>/<digest>/. Nothing is recorded when any step fails.
  FileDataset register_dataset(const Workspace& ws, const std::string& name,
                               const std::string& description = "",
                               const std::map<std::string, std::string>& tags = {},
                               bool create_new_version = false) const;

 private:
  using DatasetBase::DatasetBase;
  friend struct DatasetAccess;
};

class TabularDataset : public DatasetBase {
 public:
  TabularDataset register_dataset(const Workspace& ws, const std::string& name,
                                  const std::string& description = "",
                                  const std::map<std::string, std::string>& tags = {},
                                  bool create_new_version = false) const;
  // Columns with their inferred (or set) types.
  const std::vector<ColumnInfo>& columns() const;
  // The first `n` rows, converted (JSON text of an array of arrays; nulls as null).
  // Throws Error(kInvalidArgument) naming file:line for a bad row.
  std::string take_json(int n) const;
  // The same as rows of display strings (null shown as "").
  std::vector<std::vector<std::string>> take(int n) const;
  const DelimitedOptions& options() const;

 private:
  using DatasetBase::DatasetBase;
  friend struct DatasetAccess;
};

struct Dataset {
  struct File {
    // Resolves `paths` now: every glob must match at least one file, every path must exist
    // and stay inside its datastore. `partition_format` names path segments ("{name}",
    // "{date:yyyy/MM/dd}") that become values of each file.
    static FileDataset from_files(const std::vector<DataPath>& paths,
                                  const std::string& partition_format = "");
  };
  struct Tabular {
    // Resolves the files, reads the header(s) and infers the column types from a sample.
    // Throws Error(kInvalidArgument) naming file:line for bad input (see DelimitedOptions).
    static TabularDataset from_delimited_files(const std::vector<DataPath>& paths,
                                               const DelimitedOptions& options = {});
  };
  // A registered dataset; `version` 0 = latest. Throws Error(kNotFound) naming what exists.
  // Whether it is a file or tabular dataset: see kind(); use the typed getters to convert.
  static std::variant<FileDataset, TabularDataset> get_by_name(const Workspace& ws,
                                                               const std::string& name,
                                                               int version = 0);
  static FileDataset get_file_dataset(const Workspace& ws, const std::string& name,
                                      int version = 0);
  static TabularDataset get_tabular_dataset(const Workspace& ws, const std::string& name,
                                            int version = 0);
};

}  // namespace runnel
