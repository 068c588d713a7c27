// runnel/pipeline.h: steps, the data between them, and pipelines — the Azure ML SDK's
// object model in C++ (docs/design.md §1).
//
// @code
//   auto ws = runnel::Workspace::from_config();
//   runnel::PipelineData prepped("prepped_data", ws.get_default_datastore());
//   runnel::PythonScriptStep prep({.script_name = "prepare.py", .name = "prep",
//                                  .arguments = {"--output", prepped},
//                                  .outputs = {prepped}, .source_directory = "prep_src"});
//   runnel::PythonScriptStep train({.script_name = "train.py", .name = "train",
//                                   .arguments = {"--data", prepped.as_input()},
//                                   .inputs = {prepped.as_input()},
//                                   .source_directory = "train_src"});
//   runnel::Pipeline pipeline(ws, {train});        // pulls in `prep` through `prepped`
//   auto run = runnel::Experiment(ws, "demo").submit(pipeline);
//   run.wait_for_completion(true);
// @endcode
//
// Steps and PipelineData are handles: copies refer to the same step/data, so a step
// built once can be listed by several pipelines. Not synchronized: build a pipeline on
// one thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runnel/dataset.h"
#include "runnel/datastore.h"
#include "runnel/workspace.h"

namespace runnel {

struct PipelineSpec;
struct StepState_;

// How a consuming step receives another step's output as a dataset object
// (PipelineData::as_dataset_input; the SDK's PipelineData.as_dataset().parse_delimited_files()
// and OutputFileDatasetConfig.read_delimited_files().as_input()).
struct OutputDatasetOptions {
  enum class Format {
    kFiles,      // a FileDataset over the output's files
    kDelimited,  // a TabularDataset of delimited files, columns inferred as for a dataset
    kParquet,    // a TabularDataset of parquet files (read by the step; needs pyarrow there)
  };
  Format format = Format::kDelimited;
  std::string file_glob;  // files read, relative to the output ("**/*.csv"); "" = every file
  // separator, header, include_path, partition_format, set_column_types and
  // support_multi_line are used (parquet: include_path, partition_format, set_column_types).
  DelimitedOptions delimited;
  std::vector<std::string> keep_columns;  // applied after reading; empty = all
  std::vector<std::string> drop_columns;
  // Row splits applied after reading, in order (the SDK's random_split on an output read as a
  // table; tabular formats only). Each keeps one part of a seeded random split of the rows
  // left by the ones before it, as TabularDataset.random_split splits a registered dataset:
  // for a seed, part 0 and part 1 partition those rows, and the same rows give the same parts.
  struct RandomSplit {
    double percentage = 0.5;  // part 0's share of the rows, strictly between 0 and 1
    int64_t seed = 0;         // 0 .. 2^32 - 1
    int part = 0;             // 0: the rows picked (about `percentage` of them); 1: the others
  };
  std::vector<RandomSplit> random_splits;
};

// Data that one step writes and others read (the SDK's PipelineData).
class PipelineData {
 public:
  // `name` is the output's name on its producer step; `datastore` where it is committed
  // (default: the workspace's default datastore). `is_directory` false makes a uri_file.
  explicit PipelineData(const std::string& name, std::optional<Datastore> datastore = std::nullopt,
                        bool is_directory = true);

  const std::string& name() const;
  // A consumer's view of this data; `input_name` names it inside the consuming step
  // (default: the data's name), as in the SDK.
  PipelineData as_input(const std::string& input_name = "") const;
  // A consumer's view that receives its own copy of the committed output (mode download, the
  // SDK's PipelineData.as_download() and as_dataset().as_download()): the step may change its
  // copy, never the producer's output. as_input() views are read-only (ro_mount).
  PipelineData as_download(const std::string& input_name = "") const;
  bool is_input() const { return !input_name_.empty(); }
  bool is_download() const { return download_; }
  const std::string& input_name() const { return input_name_; }
  // A consumer's view that receives this data in mode direct as a dataset object
  // (run.input_datasets[input_name] in a Python step). The options are checked when the
  // pipeline is built (Pipeline::to_spec throws Error(kInvalidArgument)); the files are
  // read when the consumer starts (no matching file fails that step, naming the input).
  PipelineData as_dataset_input(const std::string& input_name,
                                const OutputDatasetOptions& options) const;
  // Set for as_dataset_input() views.
  const std::optional<OutputDatasetOptions>& dataset_options() const { return dataset_options_; }

  struct State;
  const std::shared_ptr<State>& state() const { return state_; }

 protected:
  void set_state(std::shared_ptr<State> s) { state_ = std::move(s); }

 private:
  std::shared_ptr<State> state_;
  std::string input_name_;  // non-empty for as_input() views
  bool download_ = false;   // as_download() views
  std::optional<OutputDatasetOptions> dataset_options_;
};

// A step output that becomes a dataset (the SDK's OutputFileDatasetConfig): written to
// `destination` (datastore, path pattern with {run-id} and {output-name}; default: the
// step run's own folder on the default datastore) and optionally registered as a dataset
// when the step completes.
//
// @code
//   OutputFileDatasetConfig cleaned("cleaned", {{ds, "cleaned/{run-id}"}});
//   cleaned = cleaned.as_upload().register_on_complete("cleaned_data", "rows without nulls");
// @endcode
//
// The builder methods (as_upload, as_mount, register_on_complete, read_delimited_files)
// return a new, separate value and leave this one (and every copy of it) unchanged, as in
// the SDK; call them before the value is listed in a step's `outputs` (afterwards they
// throw Error(kInvalidArgument), since the step already holds the unchanged data).
// Modes: runnel writes every output into a folder of the step run and commits it to its
// destination atomically when the step succeeds (so no partial output is ever visible);
// that is upload semantics, and the default mount mode behaves the same way.
class OutputFileDatasetConfig : public PipelineData {
 public:
  struct Destination {
    Datastore datastore;
    std::string path;  // may hold {run-id} and {output-name}
  };
  explicit OutputFileDatasetConfig(const std::string& name,
                                   std::optional<Destination> destination = std::nullopt);
  // Written locally and committed (uploaded) when the step succeeds. A commit replaces
  // what is at the destination, so `overwrite` false is accepted only where nothing can be
  // there yet: the default destination, or a path holding {run-id}. For a fixed path
  // Pipeline::to_spec() throws Error(kInvalidArgument) unless overwrite is true.
  OutputFileDatasetConfig as_upload(bool overwrite = false) const;
  OutputFileDatasetConfig as_mount() const;
  // Registers the committed output as dataset `name` (a new version when its content
  // changed) when the step completes.
  OutputFileDatasetConfig register_on_complete(
      const std::string& name, const std::string& description = "",
      const std::map<std::string, std::string>& tags = {}) const;
  // Registers it as a tabular dataset of delimited files instead of a file dataset.
  OutputFileDatasetConfig read_delimited_files() const;

  void replace_state(std::shared_ptr<State> s);  // internal: builder copies
};

// A value set when the pipeline is submitted (the SDK's PipelineParameter): in a step's
// `arguments` it becomes its value, the default unless SubmitOptions::pipeline_parameters
// (or a published pipeline's ParameterAssignments) gives another. The value, not the
// name, is part of the step's fingerprint.
//
// @code
//   PipelineParameter lr("learning_rate", 0.01);
//   PythonScriptStep train({.script_name = "train.py", .arguments = {"--lr", lr}});
//   Experiment(ws, "e").submit(Pipeline(ws, {train}), {.pipeline_parameters = {{"learning_rate",
//   "0.1"}}});
// @endcode
class PipelineParameter {
 public:
  enum class Type { kString, kInteger, kNumber, kBoolean };
  PipelineParameter(std::string name, std::string default_value);
  PipelineParameter(std::string name, const char* default_value);
  PipelineParameter(std::string name, long default_value);
  PipelineParameter(std::string name, int default_value)
      : PipelineParameter(std::move(name), long{default_value}) {}
  PipelineParameter(std::string name, double default_value);
  PipelineParameter(std::string name,
                    bool default_value);  // "True" / "False", as Python spells them

  const std::string& name() const { return name_; }
  Type type() const { return type_; }
  const std::string& default_value() const { return default_; }  // as text

 private:
  std::string name_;
  Type type_ = Type::kString;
  std::string default_;
};

// One command-line argument: text, a number, data (which becomes its path), a dataset
// input (its path, or for direct mode the path of its definition) or a pipeline parameter.
class Argument {
 public:
  using Value =
      std::variant<std::string, PipelineData, DatasetConsumptionConfig, PipelineParameter>;
  Argument(const char* s) : value_(std::string(s)) {}
  Argument(std::string s) : value_(std::move(s)) {}
  Argument(int v) : value_(std::to_string(v)) {}
  Argument(long v) : value_(std::to_string(v)) {}
  Argument(double v);
  Argument(PipelineData d) : value_(std::move(d)) {}
  Argument(DatasetConsumptionConfig d) : value_(std::move(d)) {}
  Argument(PipelineParameter p) : value_(std::move(p)) {}

  const Value& value() const { return value_; }

 private:
  Value value_;
};

// A step input: data another step writes, or a registered dataset
// (`dataset.as_named_input("x").as_download()`).
class InputRef {
 public:
  InputRef(PipelineData d) : value_(std::move(d)) {}
  InputRef(OutputFileDatasetConfig d) : value_(PipelineData(std::move(d))) {}
  InputRef(DatasetConsumptionConfig d) : value_(std::move(d)) {}
  const std::variant<PipelineData, DatasetConsumptionConfig>& value() const { return value_; }

 private:
  std::variant<PipelineData, DatasetConsumptionConfig> value_;
};

// What the SDK puts in a RunConfiguration: the environment and the resources a step
// asks of its compute target. Zero/empty means "the compute target's default".
struct RunConfiguration {
  std::string environment;  // a registered environment name; "" = the default
  int node_count = 0;
  int cpus = 0;
  std::string
      memory;  // a size: "4Gi" = "4G" = "4096M" (powers of 1024; see README "Sizes and durations")
  int gpus = 0;
  std::string time_limit;  // a duration: "30:00" = "30m" = "1800"; "1-00:00:00" = "1d"
  std::map<std::string, std::string> environment_variables;
  int max_retries = 0;
  int timeout_seconds = 0;
  // Distributed launch (the SDK's PyTorchConfiguration / MpiConfiguration /
  // TensorflowConfiguration): "" (one process), "pytorch", "mpi" or "tensorflow". node_count
  // is the number of nodes; see README "Distributed jobs".
  std::string distribution;
  int process_count_per_node = 1;  // pytorch, mpi
  int worker_count = 0;            // tensorflow; 0 = one per node
  int parameter_server_count = 0;  // tensorflow
  // A ParallelRunStep: node_count x process_count_per_node workers pulling its mini-batches
  // (on Slurm, one job array of that many tasks); 0 = an ordinary step.
  int parallel_workers = 0;
};

class Step {
 public:
  const std::string& name() const;
  // Orders this step after `other` without data between them (the SDK's run_after).
  void run_after(const Step& other);

  struct State;
  const std::shared_ptr<State>& state() const { return state_; }

 protected:
  Step() = default;
  std::shared_ptr<State> state_;
};

// Runs a Python script from a source folder (the SDK's PythonScriptStep). Fields are in
// the SDK's order so designated initializers read like the Python call.
class PythonScriptStep : public Step {
 public:
  struct Options {
    std::string script_name;  // relative to source_directory
    std::string name;         // default: the script's name
    std::vector<Argument> arguments;
    std::string compute_target;  // default: the pipeline's default compute
    RunConfiguration runconfig;
    std::vector<InputRef> inputs;
    std::vector<PipelineData> outputs;
    std::map<std::string, std::string> params;  // become environment variables AML_PARAMETER_<k>
    std::string source_directory;               // default: the current folder
    bool allow_reuse = true;
    std::string version;  // part of the step's fingerprint: a new version reruns it
    std::vector<std::string> hash_paths;
  };
  // Throws Error(kInvalidArgument) when script_name is empty.
  explicit PythonScriptStep(Options options);
};

// Runs a shell command (the SDK's CommandStep).
class CommandStep : public Step {
 public:
  struct Options {
    std::string name;
    std::string command;              // may name data: use the `arguments` to pass data paths
    std::vector<Argument> arguments;  // appended to `command`, quoted, data as paths
    std::string compute_target;
    RunConfiguration runconfig;
    std::vector<InputRef> inputs;
    std::vector<PipelineData> outputs;
    std::map<std::string, std::string> params;
    std::string source_directory;  // "" = no code folder
    bool allow_reuse = true;
    std::string version;  // part of the step's fingerprint: a new version reruns it
    // Paths on datastores (DataPath(ds, "path")) that the command writes in place, outside
    // its outputs, as DataTransferStep writes its destination. They are part of the
    // fingerprint; when the step finishes, what is there is recorded (a local path's content
    // digest; an object store's listing of names, sizes, ETags and MD5s), and the step is
    // reused only while every one is unchanged: one deleted or altered since reruns it.
    // Pipeline::to_spec() throws Error(kNotFound) for an unknown datastore and
    // kInvalidArgument for a local path or one escaping its datastore.
    std::vector<DataPath> destinations;
  };
  explicit CommandStep(Options options);
};

struct PipelineSettings {
  std::string default_compute;  // "" = local
  bool continue_on_step_failure = false;
  bool force_rerun = false;
  std::string description;
};

class Pipeline {
 public:
  // A pipeline of `steps` and every step they depend on (through data or run_after).
  Pipeline(const Workspace& ws, const std::vector<Step>& steps, PipelineSettings settings = {});

  // The problems found (duplicate names, cycles, data without a producer, missing
  // code); empty when the pipeline is valid. Never throws for user mistakes.
  std::vector<std::string> validate() const;

  // The internal pipeline this builds (the same one a YAML file builds). Throws
  // Error(kInvalidArgument) on the problems validate() lists.
  PipelineSpec to_spec() const;

  const Workspace& workspace() const { return ws_; }
  const std::vector<Step>& steps() const { return steps_; }

 private:
  Workspace ws_;
  std::vector<Step> steps_;  // every step, dependencies first as discovered
  PipelineSettings settings_;
};

}  // namespace runnel
