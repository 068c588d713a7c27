// Materializing step inputs (data/materialize.h).
#include "data/materialize.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <filesystem>

#include "core/digest.h"
#include "core/fs.h"
#include "data/column_types.h"
#include "data/dataset_state.h"
#include "data/file_match.h"
#include "data/manifest.h"
#include "data/registry.h"
#include "runnel/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace runnel {

namespace {

// Copies one file, as a reflink when the filesystem supports it.
void copy_file_cow(const std::string& from, const std::string& to) {
  make_dirs(fs::path(to).parent_path().string());
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in >= 0) {
    int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool cloned = out >= 0 && ::ioctl(out, FICLONE, in) == 0;
    if (out >= 0) ::close(out);
    ::close(in);
    if (cloned) return;
  }
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) throw io_error("cannot copy " + from + " to " + to + ": " + ec.message());
}

void copy_path(const std::string& from, const std::string& to) {
  if (!fs::is_directory(from)) return copy_file_cow(from, to);
  for (const auto& m : internal::match_datastore_files(from, ".", from))
    copy_file_cow(m.abs, to + "/" + m.rel);
}

// Relative names of a dataset's files inside the step's folder: as to_path() gives them.
std::vector<std::string> relative_names(const DatasetState& s) {
  std::vector<std::string> names;
  for (const auto& p : DatasetAccess::file(std::make_shared<DatasetState>(s)).to_path())
    names.push_back(p.substr(1));
  return names;
}

std::string fresh_dir(const std::string& step_work_dir, const std::string& name) {
  std::string dir = step_work_dir + "/inputs/" + name;
  remove_all(dir);
  make_dirs(dir);
  return dir;
}

json context_base(const StepInput& in, const std::string& path) {
  return {{"type", data_type_name(in.type)},
          {"mode", input_mode_name(in.mode)},
          {"path", path},
          {"value", nullptr},
          {"dataset", nullptr}};
}

ResolvedInput resolve_dataset(const Workspace& ws, const StepInput& in, const std::string& work,
                              bool accept) {
  const InputSource& src = *in.source;
  auto [name, version] = internal::parse_dataset_ref(src.dataset);
  if (!src.version.empty() && src.version != "latest")
    version = internal::parse_dataset_ref(name + ":" + src.version).second;
  auto st = internal::load_state(ws, name, version);
  const DatasetState& s = *st;
  ResolvedInput r;
  std::string where = "input '" + in.name + "' (" + in.loc.to_string() + "): dataset '" + s.name +
                      "' version " + std::to_string(s.version);
  if (s.kind == "tabular" && in.mode != InputMode::kDirect)
    throw invalid_argument(
        where + " is tabular, and tabular datasets support mode: direct only (got " +
        input_mode_name(in.mode) + "); use mode: direct and read it with run.input_datasets['" +
        in.name + "'].to_pandas_dataframe(), or register the files as a file dataset");
  auto roots = internal::datastore_roots(ws);
  r.files_changed = internal::changed_files(json::parse(s.manifest_json), roots);
  r.content_digest = s.digest;
  if (!r.files_changed.empty()) {
    if (!accept) {
      std::string list;
      for (const auto& f : r.files_changed) list += "\n  " + f;
      throw corruption(
          where +
          ": these files changed since the version was registered, so it no longer "
          "means its recorded content:" +
          list +
          "\nregister the new content as a new version (runnel dataset register --new-version), "
          "restore the files, or accept the change with --accept-changed-data");
    }
    r.content_digest = internal::manifest_digest(internal::build_manifest(s.files));
  }
  json def = internal::definition_to_json(s);
  for (size_t i = 0; i < s.files.size(); ++i) def["files"][i]["local_path"] = s.files[i].local_path;
  if (in.mode == InputMode::kDirect) {
    std::string dir = fresh_dir(work, in.name);
    r.path_for_step = dir + "/dataset.json";
    write_file_atomic(r.path_for_step, def.dump(2) + "\n");
  } else {
    std::string dir = fresh_dir(work, in.name);
    auto names = relative_names(s);
    for (size_t i = 0; i < s.files.size(); ++i) {
      std::string to = dir + "/" + names[i];
      if (in.mode == InputMode::kDownload) {
        copy_file_cow(s.files[i].local_path, to);
      } else {
        make_dirs(fs::path(to).parent_path().string());
        std::error_code ec;
        fs::create_symlink(s.files[i].local_path, to, ec);
        if (ec) throw io_error("cannot create " + to + ": " + ec.message());
        r.read_only_paths.push_back(s.files[i].local_path);
      }
    }
    // One file: its path, for a uri_file input and for a file dataset made from that one
    // file (Dataset.File.from_files('a.csv'), a DataReference to a file), as Azure ML
    // mounts and downloads those; a folder otherwise.
    const bool one_file_source = s.sources.size() == 1 && s.files.size() == 1 &&
                                 s.files[0].datastore == s.sources[0].datastore &&
                                 s.files[0].path == s.sources[0].path;
    r.path_for_step = ((in.type == DataType::kUriFile || one_file_source) && names.size() == 1)
                          ? dir + "/" + names[0]
                          : dir;
  }
  r.context_entry = context_base(in, r.path_for_step);
  r.context_entry["dataset"] = {{"name", s.name},    {"version", s.version},
                                {"kind", s.kind},    {"digest", r.content_digest},
                                {"definition", def}, {"files_changed", r.files_changed}};
  return r;
}

}  // namespace

ResolvedInput resolve_output_dataset(const StepInput& in, const std::string& output_path,
                                     const std::string& step_work_dir) {
  const OutputDatasetRead& read = *in.as_dataset;
  std::string pattern = output_path;
  if (fs::is_directory(output_path))
    pattern += "/" + (read.file_glob.empty() ? std::string("**") : read.file_glob);
  using Format = OutputDatasetRead::Format;
  DatasetState s;
  try {
    if (read.format == Format::kDelimited) {
      DelimitedOptions o;
      o.separator = read.separator;
      o.header = internal::parse_header_mode(read.header);
      o.include_path = read.include_path;
      o.partition_format = read.partition_format;
      for (const auto& [col, type] : read.set_column_types)
        o.set_column_types[col] = internal::parse_column_type(type);
      o.support_multi_line = read.support_multi_line;
      s = DatasetAccess::state(Dataset::Tabular::from_delimited_files({DataPath(pattern)}, o));
    } else {
      s = DatasetAccess::state(
          Dataset::File::from_files({DataPath(pattern)}, read.partition_format));
    }
  } catch (const Error& e) {
    throw Error(e.code(), "input '" + in.name + "' (" + in.loc.to_string() + "): reading output '" +
                              in.source->output + "' of step '" + in.source->step + "' as " +
                              output_dataset_format_name(read.format) + " files: " + e.what());
  }
  json def = internal::definition_to_json(s);
  for (size_t i = 0; i < s.files.size(); ++i) def["files"][i]["local_path"] = s.files[i].local_path;
  if (read.format == Format::kParquet) {
    // Parquet files are read by the step's runtime (pandas with pyarrow); columns are the files'.
    def["kind"] = "tabular";
    def["format"] = "parquet";
    def["columns"] = json::array();
    def["options"] = {{"include_path", read.include_path},
                      {"set_column_types", read.set_column_types}};
  }
  if (read.format != Format::kFiles) {
    def["options"]["keep_columns"] = read.keep_columns;
    def["options"]["drop_columns"] = read.drop_columns;
    json splits = json::array();
    for (const auto& sp : read.random_splits)
      splits.push_back({{"percentage", sp.percentage}, {"seed", sp.seed}, {"part", sp.part}});
    def["options"]["random_split"] = splits;
  }
  ResolvedInput r;
  r.path_for_step = fresh_dir(step_work_dir, in.name) + "/dataset.json";
  write_file_atomic(r.path_for_step, def.dump(2) + "\n");
  r.context_entry = context_base(in, r.path_for_step);
  r.context_entry["dataset"] = {{"name", nullptr},
                                {"version", nullptr},
                                {"kind", read.format == Format::kFiles ? "file" : "tabular"},
                                {"digest", nullptr},
                                {"definition", def},
                                {"files_changed", json::array()}};
  return r;
}

void download_output(const std::string& output_path, const std::string& to) {
  remove_all(to);
  if (fs::is_directory(output_path)) {
    // A committed output holds only files, folders and links that stay inside it (the commit
    // refuses the others), so its links are recreated as they are, as copy_tree did.
    make_dirs(to);  // an empty output is an empty folder
    std::error_code ec;
    for (fs::recursive_directory_iterator it(output_path, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::string rel = it->path().lexically_relative(output_path).string();
      std::string dst = to + "/" + rel;
      auto st = it->symlink_status(ec);
      if (ec) break;
      if (fs::is_symlink(st)) {
        fs::copy_symlink(it->path(), dst, ec);
        if (ec)
          throw io_error("cannot copy link " + it->path().string() + " to " + dst + ": " +
                         ec.message());
      } else if (fs::is_directory(st)) {
        make_dirs(dst);
      } else if (fs::is_regular_file(st)) {
        copy_file_cow(it->path().string(), dst);
      }
    }
    if (ec)
      throw io_error("cannot download output " + output_path + " to " + to + ": " + ec.message());
  } else {
    copy_file_cow(output_path, to);
  }
}

std::string path_content_digest(const std::string& path) {
  if (!path_exists(path)) throw not_found("path " + path + " does not exist");
  return digest_path(path, nullptr).digest.hex();
}

ResolvedInput resolve_input(const Workspace& ws, const StepInput& in,
                            const std::string& step_work_dir, bool accept_changed) {
  if (!in.source) throw internal_error("resolve_input: input '" + in.name + "' has no source");
  const InputSource& src = *in.source;
  if (src.kind == InputSource::Kind::kDataset)
    return resolve_dataset(ws, in, step_work_dir, accept_changed);
  std::string path;
  if (src.kind == InputSource::Kind::kDatastorePath) {
    path = Datastore(ws, src.datastore).path(src.path);
  } else if (src.kind == InputSource::Kind::kLocalPath) {
    path = src.path;
  } else {
    throw internal_error("resolve_input: input '" + in.name + "' is not a dataset or a path");
  }
  if (!path_exists(path))
    throw not_found("input '" + in.name + "' (" + in.loc.to_string() + "): " +
                    (src.kind == InputSource::Kind::kDatastorePath
                         ? "datastore " + src.datastore + " has no " + src.path + " (" + path + ")"
                         : "path " + path + " does not exist") +
                    "; check the path or upload the data first (runnel datastore upload)");
  ResolvedInput r;
  r.content_digest = path_content_digest(path);
  r.path_for_step = path;
  if (in.mode == InputMode::kRoMount) r.read_only_paths.push_back(path);
  if (in.mode == InputMode::kDownload) {
    std::string dir = fresh_dir(step_work_dir, in.name);
    if (fs::is_directory(path)) {
      copy_path(path, dir);
      r.path_for_step = dir;
    } else {
      r.path_for_step = dir + "/" + fs::path(path).filename().string();
      copy_file_cow(path, r.path_for_step);
    }
  }
  r.context_entry = context_base(in, r.path_for_step);
  return r;
}

}  // namespace runnel
