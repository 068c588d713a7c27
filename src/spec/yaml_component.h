// spec/yaml_component.h: Azure ML v2 command components (commandComponent schema) and
// the parts a component shares with an inline command job (code, environment, resources,
// declared outputs).
// Internal to the spec subsystem; errors are runnel::invalid_argument with file:line.
// Pure functions apart from reading the component file; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spec/pipeline_spec.h"
#include "spec/yaml_util.h"

namespace runnel::internal {

// A typed input declared by a component.
struct ComponentInput {
  std::string name;
  DataType type = DataType::kString;
  bool optional = false;
  std::optional<InputSource> default_value;  // from `default:`
  std::optional<InputMode> mode;
  std::vector<std::string> enum_values;
  std::optional<double> min, max;
  SourceLocation loc;
};

// The input called `n` among `inputs`, or nullptr.
const ComponentInput* find_declared_input(const std::vector<ComponentInput>& inputs,
                                          const std::string& n);

struct ComponentSpec {
  YamlDoc doc;             // the component's file (or the pipeline's, for an inline component)
  std::string key_prefix;  // key path prefix of its keys in messages ("" for a file)
  std::string name, version, display_name;
  std::string command;
  std::string code_dir;
  std::string environment;
  bool environment_curated = false;  // see StepSpec::environment_curated
  bool has_environment = false;
  bool is_deterministic = true;
  std::vector<ComponentInput> inputs;
  std::vector<StepOutput> outputs;
  Resources resources;
  Distribution distribution;
  std::map<std::string, std::string> env_vars;
  std::map<std::string, SourceLocation> key_locs;  // "command", "code", "environment"
  // resources / distribution counts given as ${{inputs.X}} (the component's own input): field
  // ("resources.instance_count", "distribution.process_count_per_instance") -> its entry,
  // resolved with the value each job gives X (yaml_job_inputs.cc bind_job_fields).
  std::vector<std::pair<std::string, Entry>> field_bindings;

  const ComponentInput* find_input(const std::string& n) const;
};

// Loads a component from `node` (a whole component file or an inline `component:` map).
ComponentSpec parse_component(const YamlDoc& doc, const yaml::Node& node,
                              const std::string& key_prefix);

// A component file read but not yet interpreted: its document (for messages and relative
// paths), its root mapping and its `type:` ("command" when absent).
struct ComponentFile {
  YamlDoc doc;
  yaml::Node root;
  std::string type;
};

// Reads the component file `ref` named by the entry `e`: a path relative to `doc.base_dir`
// (a "file:" prefix is allowed) or a registered component (azureml:NAME:VERSION,
// azureml:NAME@latest). Throws on a missing file or a root that is not a mapping.
ComponentFile read_component_file(const YamlDoc& doc, const Entry& e, const std::string& path,
                                  const std::string& ref);

// read_component_file() + parse_component(): a command component file.
ComponentSpec load_component_file(const YamlDoc& doc, const Entry& e, const std::string& path,
                                  const std::string& ref);

// The name, version, display_name, is_deterministic and declared inputs and outputs of a
// component's entries `es` (at `prefix`), for component kinds whose other keys are read
// elsewhere (a parallel component: spec/yaml_parallel.cc). The command stays empty.
ComponentSpec parse_component_ports(const YamlDoc& doc, const std::vector<Entry>& es,
                                    const std::string& prefix);

// A pipeline component (pipelineComponent schema): typed inputs, declared outputs and its
// own `jobs:` (read by the caller in the component's scope, spec/yaml_pipeline_job.h).
struct PipelineComponentSpec {
  YamlDoc doc;             // the component's file (or the enclosing file, when inline)
  std::string key_prefix;  // key path prefix of its keys in messages ("" for a file)
  std::string name, version, display_name;
  std::vector<ComponentInput> inputs;
  std::vector<StepOutput> outputs;
  std::vector<bool> output_has_mode;  // per output: was `mode:` written
  Entry jobs;                         // the `jobs:` entry

  const ComponentInput* find_input(const std::string& n) const;
};

// Loads a pipeline component from `node` (a whole file or an inline `component:` map).
// Throws when it has no jobs, or when a key is unknown.
PipelineComponentSpec parse_pipeline_component(const YamlDoc& doc, const yaml::Node& node,
                                               const std::string& key_prefix);

// The `code:` folder as an absolute path; throws when it is missing or a file.
std::string parse_code(const YamlDoc& doc, const Entry& e, const std::string& path);
// The `environment:` value as a registered name ("" for an inline environment).
std::string parse_environment(const YamlDoc& doc, const Entry& e, const std::string& path);
// " (path is the preview schema's type: ...)" for `path`, which Azure ML refuses today; else "".
std::string preview_type_note(const std::string& type);
// Whether the scalar `environment:` of `e` names an Azure ML curated environment.
bool curated_environment(const Entry& e);
// Overlays the `resources:` mapping on `base`. With `bound`, entries whose value is a
// ${{...}} binding are skipped and appended there (the caller resolves them).
Resources parse_resources(const YamlDoc& doc, const Entry& e, const std::string& path,
                          Resources base, std::vector<Entry>* bound = nullptr);
// The `distribution:` mapping ({type: pytorch|mpi|tensorflow, process_count_per_instance,
// worker_count, parameter_server_count}); null gives an empty Distribution. With `bound`,
// counts given as a ${{...}} binding are left at their default and appended there.
Distribution parse_distribution(const YamlDoc& doc, const Entry& e, const std::string& path,
                                std::vector<Entry>* bound = nullptr);
// An output declaration {type, mode, path, description, ...} overlaid on `base`.
StepOutput parse_output_decl(const YamlDoc& doc, const Entry& e, const std::string& path,
                             StepOutput base);
// Checks a literal `text` for input `in`: type, enum, min/max. Returns "" or a problem.
// With `enum_only` given, a value outside `enum` (the only problem) is not returned but
// put there, for callers that warn: azure-ai-ml checks types and min/max of a job's
// values, not enum, and Azure ML runs such jobs.
std::string check_literal(const ComponentInput& in, const std::string& text,
                          std::string* enum_only = nullptr);

// A valid input/output/step name: [A-Za-z0-9_-]+ (steps also allow '.').
bool is_valid_name(const std::string& n, bool allow_dot);

// Throws unless `e`'s key is a valid input/output name (letters, digits, '_', '-'):
// "<what> name 'x' has characters other than ...; rename the <what>".
void check_port_name(const YamlDoc& doc, const Entry& e, const std::string& path,
                     const std::string& what);

}  // namespace runnel::internal
