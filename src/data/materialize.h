// data/materialize.h: turning a step's data input (a registered dataset, a datastore path or
// a local path) into what the step receives. The seam between the engine and data/.
//
// Modes (StepInput::mode):
//   download  copies the files into <step_work_dir>/inputs/<name>/ (reflinks where the
//             filesystem can, else plain copies; never hard links, so a step writing to its
//             copy cannot change the datastore's file).
//   ro_mount  a read-only view: for a dataset, <step_work_dir>/inputs/<name>/ holding
//             symlinks to the datastore's files; for a datastore or local path, that path.
//             The files are listed in read_only_paths, which the local backend binds
//             read-only around the step (exec/sandbox.h, bubblewrap); where that is not
//             possible a warning says so, and a change a step makes to a dataset's files is
//             still caught by the manifest check on next use.
//   direct    for a dataset, the path of a JSON file holding its definition (the step's
//             runtime builds a dataset object from the context entry); for a path, the
//             path itself. Tabular datasets support direct only.
// A dataset version's files are checked against its manifest first: changed files are
// Error(kCorruption) naming them, unless `accept_changed` (then listed in files_changed and
// the digest is the current content's).
// Thread-safe for distinct step_work_dirs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runnel/workspace.h"
#include "spec/pipeline_spec.h"

namespace runnel {

struct ResolvedInput {
  std::string path_for_step;  // what ${{inputs.x}} becomes
  // The step's context.json entry: {"type", "mode", "path", "value": null,
  //   "dataset": {"name", "version", "kind", "digest", "definition", "files_changed"} | null}
  // where definition.files[] carry "local_path" (absolute) for the step's runtime.
  nlohmann::json context_entry;
  std::string content_digest;              // hex SHA-256 of the content (for fingerprints)
  std::vector<std::string> files_changed;  // "datastore:path" changed since registration
  // ro_mount: the datastore files and folders the step must not change (the links'
  // targets for a dataset, the path itself otherwise); the engine makes them read-only.
  std::vector<std::string> read_only_paths;
};

// Sources kDataset, kDatastorePath and kLocalPath. Throws runnel::Error: kNotFound for an
// unknown dataset/version or missing path, kInvalidArgument for a mode a tabular dataset
// does not support, kCorruption for changed files, kIo when copying fails.
ResolvedInput resolve_input(const Workspace& ws, const StepInput& in,
                            const std::string& step_work_dir, bool accept_changed);

// Another step's committed output `output_path` (a file or folder) read as a dataset, for an
// input with StepInput::as_dataset set: a FileDataset, or a TabularDataset of delimited files
// (columns inferred here) or of parquet files (read by the step's runtime, which needs
// pyarrow), over the files matching its file_glob. Writes the definition to
// <step_work_dir>/inputs/<name>/dataset.json, the path the step gets; the context entry's
// "dataset" has name and version null. Throws runnel::Error naming the input: kNotFound
// when no file matches, kInvalidArgument for bad options or a file that does not parse.
ResolvedInput resolve_output_dataset(const StepInput& in, const std::string& output_path,
                                     const std::string& step_work_dir);

// Another step's committed output `output_path` (a file or folder) copied to `to` for an input
// in mode download, as a dataset's files are downloaded (reflinks where the filesystem can,
// else plain copies; never hard links or symlinks to the output's files), so that the step may
// change its copy and never the producer's output. `to` is replaced if it exists. Throws
// Error(kIo) naming both paths when copying fails.
void download_output(const std::string& output_path, const std::string& to);

// The content digest of a local file or folder (core/digest.h: a file's SHA-256, a
// folder's Merkle digest), hex. Throws kNotFound.
std::string path_content_digest(const std::string& path);

}  // namespace runnel
