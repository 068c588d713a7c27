// spec/pipeline_spec.h: the internal pipeline that both the YAML loader and the C++
// object model build. Everything downstream (validation, fingerprints, the scheduler)
// reads only this; nothing here knows where it came from except through `loc`.
//
// Paths held here are absolute (the loader and the C++ model resolve them).
// Plain value types; not synchronized.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace runnel {

// The typed values an input or output can have (Azure ML v2 names).
enum class DataType { kUriFolder, kUriFile, kMltable, kString, kInteger, kNumber, kBoolean };

const char* data_type_name(DataType t);                       // "uri_folder", ...
std::optional<DataType> parse_data_type(std::string_view s);  // nullopt when unknown
inline bool is_data_type(DataType t) {
  return t == DataType::kUriFolder || t == DataType::kUriFile || t == DataType::kMltable;
}

// How a data input reaches the step. Default for data is ro_mount, as in Azure ML.
enum class InputMode { kRoMount, kDownload, kDirect };
const char* input_mode_name(InputMode m);                       // "ro_mount", ...
std::optional<InputMode> parse_input_mode(std::string_view s);  // accepts "mount" too

// How a step's output leaves it. Default rw_mount, as in Azure ML.
enum class OutputMode { kRwMount, kUpload };
const char* output_mode_name(OutputMode m);
std::optional<OutputMode> parse_output_mode(std::string_view s);

// Where a definition came from, for error messages: "pipeline.yml:12:5".
struct SourceLocation {
  std::string file;               // "" for pipelines built in C++
  int line = 0;                   // 1-based; 0 when unknown
  int column = 0;                 // 1-based; 0 when unknown
  std::string to_string() const;  // "file:line:col", "file:line", "file" or "<c++>"
};

// Where one input's value comes from.
struct InputSource {
  enum class Kind {
    kLiteral,        // `value` holds the text of a string/integer/number/boolean
    kLocalPath,      // `path`: an absolute local file or folder
    kStepOutput,     // `step`.`output`: another step's output
    kDatastorePath,  // `datastore` + `path` (azureml://datastores/<ds>/paths/<p>)
    kDataset,        // registered dataset `dataset`, `version` ("" = latest)
  };
  Kind kind = Kind::kLiteral;
  std::string value;
  std::string path;
  std::string step;
  std::string output;
  std::string datastore;
  std::string dataset;
  std::string version;
  // The pipeline parameter this value came from (docs/design.md §10), "" if none. Not part
  // of any fingerprint: a step keys on the value, never on the parameter's name.
  std::string parameter;
};

// Another step's output received as a dataset object, in mode direct (the SDK's
// PipelineData.as_dataset() / .parse_delimited_files() / .parse_parquet_files(), and
// OutputFileDatasetConfig.read_delimited_files() / .read_parquet_files() consumed with
// as_input()): run.input_datasets[name] is a FileDataset or TabularDataset over the files of
// the output (data/materialize.h resolve_output_dataset). Header modes and column types are
// held by their names in data/dataset_state.h and data/column_types.h, parsed there.
struct OutputDatasetRead {
  enum class Format { kFiles, kDelimited, kParquet };
  Format format = Format::kDelimited;
  std::string file_glob;  // files read, relative to the output ("**/*.csv"); "" = every file
  std::string separator = ",";
  std::string header = "all_files_same_headers";
  bool include_path = false;
  std::string partition_format;  // matched against the end of each file's path
  std::map<std::string, std::string> set_column_types;  // column -> "integer", "float", ...
  bool support_multi_line = false;
  // Column selections applied after reading (the SDK's keep_columns / drop_columns on an
  // output read as a table); empty = every column.
  std::vector<std::string> keep_columns;
  std::vector<std::string> drop_columns;
  // Seeded random row splits applied after reading, in order (the SDK's random_split; see
  // OutputDatasetOptions::RandomSplit): run by the step's runtime (python/runnel/dataset.py).
  struct RandomSplit {
    double percentage = 0.5;  // part 0's share, in (0, 1)
    int64_t seed = 0;         // 0 .. 2^32 - 1
    int part = 0;             // 0 or 1
    bool operator==(const RandomSplit&) const = default;
  };
  std::vector<RandomSplit> random_splits;
  bool operator==(const OutputDatasetRead&) const = default;
};
const char* output_dataset_format_name(OutputDatasetRead::Format f);  // "files", ...
std::optional<OutputDatasetRead::Format> parse_output_dataset_format(std::string_view s);

struct StepInput {
  std::string name;
  DataType type = DataType::kString;
  InputMode mode = InputMode::kRoMount;
  bool optional = false;
  std::optional<InputSource> source;  // nullopt only for an optional input left unset
  // Set only for a step output read as a dataset (mode is then kDirect).
  std::optional<OutputDatasetRead> as_dataset;
  SourceLocation loc;
};

struct StepOutput {
  std::string name;
  DataType type = DataType::kUriFolder;
  OutputMode mode = OutputMode::kRwMount;
  std::string datastore;        // "" = the workspace's default datastore
  std::string path;             // "" = runnel's default location on that datastore
  std::string pipeline_output;  // the pipeline output this is bound to, "" if none
  // Register the committed output as a dataset of this name (a new version when its
  // content changed): YAML `name:` on an output, C++ register_on_complete().
  std::string register_name;
  std::string register_description;
  std::map<std::string, std::string> register_tags;
  bool register_tabular = false;  // read_delimited_files(): register as a tabular dataset
  // Declared custom_model, mlflow_model or triton_model (type is then kUriFolder): a
  // register_name registers a model (assets/model_registry.h), not a data asset.
  std::string register_model_type;
  std::string register_version;  // YAML `version:` of a named output; "" = the next one
  SourceLocation loc;
};

// What a step asks of its compute. Zero means "the compute target's default".
struct Resources {
  int cpus = 0;
  int64_t memory_mb = 0;
  int gpus = 0;
  int time_limit_s = 0;
  int nodes = 0;
};

// A command job's `distribution:` (Azure ML's PyTorch / MPI / TensorFlow launch). An empty
// type is a job run as one process. The step's command is started once per process by
// python/runnel/launch.py, with the framework's rendezvous variables; Resources::nodes is
// the instance_count.
struct Distribution {
  std::string type;                    // "" | "pytorch" | "mpi" | "tensorflow"
  int process_count_per_instance = 1;  // pytorch, mpi
  int worker_count = 0;                // tensorflow; 0 = one per instance
  int parameter_server_count = 0;      // tensorflow
  bool operator==(const Distribution&) const = default;
};

// A path on a datastore that a step writes in place, outside its outputs (the SDK's
// DataTransferStep with a DataReference destination). The engine records what is there when
// the step finishes (engine/destinations.cc) and reuses the step only while that still holds.
struct DatastoreDestination {
  std::string datastore;  // a registered datastore: local, azure_blob or s3
  std::string path;       // relative, '/'-separated, no leading or trailing '/'; "" = all of it
  bool operator==(const DatastoreDestination&) const = default;
};

struct StepSpec {
  std::string name;              // unique in the pipeline; [A-Za-z0-9_.-]+ in YAML
  std::string display_name;      // shown to people; defaults to name
  std::string kind = "command";  // "command" | "python_script" (part of the fingerprint)
  // The command template, run by /bin/sh -c in the step's working folder. It may hold
  // ${{inputs.NAME}} and ${{outputs.NAME}} placeholders and $[[ ... ]] optional blocks
  // (dropped when an input inside them is unset). See spec/command_template.h.
  std::string command;
  std::string code_dir;     // absolute path of the code folder; "" = none
  std::string environment;  // registered environment name; "" = the default
  // The reference names one of Azure ML's curated environments (the `azureml` registry, or
  // a workspace name starting "AzureML-"), which every Azure ML workspace has: when no
  // environment of that name is registered here, the step runs with the default
  // interpreter (and a note) instead of failing.
  bool environment_curated = false;
  std::string compute;  // compute target name; "" = the pipeline's default
  std::vector<StepInput> inputs;
  std::vector<StepOutput> outputs;
  std::vector<std::string> run_after;         // extra ordering: names of steps
  std::map<std::string, std::string> params;  // extra parameters (fingerprinted)
  // params keys whose value is a pipeline parameter: key -> parameter name. The value in
  // `params` (and env var AML_PARAMETER_<key>) is replaced when parameters are applied.
  std::map<std::string, std::string> param_refs;
  // Fields bound to a pipeline parameter in YAML (compute: ${{parent.inputs.c}}): field ->
  // parameter name. Fields: "compute", "env:NAME", "resources.cpus|gpus|memory|
  // instance_count|time_limit", "distribution.process_count_per_instance|worker_count|
  // parameter_server_count", "limits.timeout"; apply_parameters() sets them again.
  std::map<std::string, std::string> field_refs;
  std::map<std::string, std::string> env_vars;  // environment variables for this step
  std::map<std::string, std::string> tags;      // the job's `tags:`: the step run's first tags
  bool allow_reuse = true;
  std::vector<std::string> hash_paths;  // extra absolute paths fingerprinted with the code
  std::vector<DatastoreDestination> destinations;  // written in place; checked on reuse
  Resources resources;
  Distribution distribution;
  // A ParallelRunStep / `type: parallel` job: node_count x process_count_per_node, the
  // workers that pull its mini-batches; on Slurm the size of the step's one job array
  // (LaunchSpec::array_tasks). 0 = not a parallel step.
  int parallel_workers = 0;
  int max_retries = 0;
  int timeout_s = 0;   // 0 = none
  SourceLocation loc;  // where the step is defined
  // Where individual keys were written ("environment", "compute", "code", "command"),
  // so that errors found after loading (an unknown environment) can still name the line.
  std::map<std::string, SourceLocation> key_locs;

  // The location of `key` if recorded, else the step's own location.
  const SourceLocation& loc_of(const std::string& key) const;
  // Amortized O(1) (a join over 100k inputs is validated in linear time).
  const StepInput* find_input(std::string_view n) const;
  const StepOutput* find_output(std::string_view n) const;

  // Cache behind find_input (not part of the step's meaning).
  mutable std::unordered_map<std::string, size_t> input_index_cache;
  mutable size_t input_index_size = static_cast<size_t>(-1);
};

struct PipelineOutputSpec {
  std::string name;
  DataType type = DataType::kUriFolder;
  std::string step;    // producer step, "" when not bound to a job output
  std::string output;  // the producer's output name
  std::string datastore;
  std::string path;
  SourceLocation loc;
};

// A pipeline parameter (the SDK's PipelineParameter, a v2 pipeline input): a value set at
// submit or left at its default. Steps use it through inputs whose source names it
// (InputSource::parameter), ${{parameters.NAME}} in a command (C++/Python arguments), or
// params (StepSpec::param_refs). spec/parameters.h applies assignments.
struct PipelineParameterSpec {
  std::string name;
  DataType type = DataType::kString;  // kString/kInteger/kNumber/kBoolean, or a data type
  // Declared custom_model, mlflow_model or triton_model (type is then kUriFolder): a value
  // given at submit may be a registered model's reference (azureml:NAME:VERSION).
  bool model = false;
  InputSource default_value;  // a kLiteral for scalars; a data source for data
  SourceLocation loc;
};

struct PipelineSpec {
  std::string name;
  std::string display_name;
  std::string description;
  std::string experiment_name;  // "" = the caller decides (CLI: the file's stem)
  std::string default_compute;  // "" = "local"
  // Where default_compute was written ("compute" or "settings.default_compute"), so that
  // an unknown compute found when the run starts can still name the line.
  SourceLocation default_compute_loc;
  std::string default_compute_key = "settings.default_compute";
  std::string default_datastore;  // "" = the workspace default
  bool continue_on_step_failure = false;
  bool force_rerun = false;
  // The steps of the job named by `settings.on_finalize` (one step, or the inner steps of a
  // pipeline job): they run after every other step has ended, whatever happened to it (a
  // failure, or the on_init job failing), but not after a cancel or an engine error. The
  // loader also lists every other step in their run_after, so they come last in any
  // order. `settings.on_init` needs no field: every other step has its steps in run_after.
  std::vector<std::string> finalize_steps;
  std::map<std::string, std::string> tags;
  std::vector<StepSpec> steps;  // in declaration order
  std::vector<PipelineOutputSpec> outputs;
  std::vector<PipelineParameterSpec> parameters;  // declaration order; names unique
  std::string source_file;                        // absolute path of the YAML, "" when built in C++
  // What the YAML loader had to say besides errors: "warning: <file:line:col>: <key>: ..."
  // and "note: ..." lines, for the caller to print. Not part of the pipeline's meaning.
  std::vector<std::string> load_messages;
  std::string base_dir;  // folder that relative paths were resolved against

  // The step called `n`, or nullptr. Amortized O(1): a name index is rebuilt whenever
  // `steps` changed since it was built.
  const StepSpec* find_step(std::string_view n) const;

  // "<file>:<line>:<col>: settings.default_compute" (or ": compute") for messages about the
  // default compute; the source file alone, or "<c++>", when the line is unknown.
  std::string default_compute_where() const;

  // Cache behind find_step (not part of the pipeline's meaning).
  mutable std::unordered_map<std::string, size_t> step_index_cache;
  mutable size_t step_index_size = static_cast<size_t>(-1);
};

}  // namespace runnel
