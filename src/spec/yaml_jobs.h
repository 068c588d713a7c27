// spec/yaml_jobs.h: the `jobs:` entries of a pipeline file: their shape (command, code,
// environment, outputs, resources, from a component or inline) and, once every job's
// outputs are known, their input bindings and the command's placeholders.
// Internal to the spec subsystem; errors are runnel::invalid_argument with file:line.
// Not synchronized; one loader uses these at a time.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "spec/pipeline_spec.h"
#include "spec/yaml_component.h"
#include "spec/yaml_util.h"

namespace runnel::internal {

// A pipeline-level input: a literal, a data spec, or declared without a value.
struct ParentInput {
  std::string name;
  std::optional<DataType> type;       // nullopt when declared without a value
  std::optional<InputSource> source;  // nullopt when declared without a value
  std::optional<InputMode> mode;      // when given
  bool model = false;                 // declared custom_model, mlflow_model or triton_model
  SourceLocation loc;
  yaml::Node node;
};

// A pipeline-level output declaration; `has_mode` when its mode was written.
struct ParentOutput {
  StepOutput decl;
  bool has_mode = false;
};

// The outputs of a `type: pipeline` job: output name -> (inner step, its output).
using PipelineJobOutputs = std::map<std::string, std::pair<std::string, std::string>>;

// One pipeline level being read: the top-level file, or a pipeline component used by a
// `type: pipeline` job. Nested levels are flattened into the one PipelineSpec: their steps
// are named "<job>/<inner job>" (`prefix` "<job>/"), and their ${{parent.*}} bindings
// resolve against the component's inputs and outputs.
struct JobContext {
  const YamlDoc& doc;
  PipelineSpec* pipeline;  // steps (with outputs) of every job after the first pass
  const std::map<std::string, ParentInput>* inputs;
  const std::map<std::string, ParentOutput>* outputs;
  // Job name -> position in pipeline->steps, built once after the first pass (the first job
  // of a name wins, as in PipelineSpec::find_step). The second pass moves the job being
  // bound out of pipeline->steps, which would make find_step miss it and re-index (one
  // rebuild per job: loading was quadratic). nullptr = look up with find_step.
  const std::unordered_map<std::string, size_t>* step_index = nullptr;
  std::string prefix;  // "" at the top level
  // Where ${{parent.outputs.X}} bindings of job outputs are recorded: the pipeline's outputs
  // at the top level, the component's outputs inside a pipeline component.
  std::vector<PipelineOutputSpec>* bound_outputs = nullptr;  // null = &pipeline->outputs
  // At the top level a ${{parent.inputs.X}} binding names pipeline parameter X; inside a
  // component it carries whatever parameter the outer value came from.
  bool names_parameters = true;
  // Full name of every `type: pipeline` job read so far -> its outputs (shared by levels).
  const std::map<std::string, PipelineJobOutputs>* pipeline_jobs = nullptr;

  std::vector<PipelineOutputSpec>& outputs_target() const {
    return bound_outputs ? *bound_outputs : pipeline->outputs;
  }
  bool top_level_outputs() const { return bound_outputs == nullptr; }
};

// One job while it is being read.
struct JobDraft {
  Entry entry;
  std::vector<Entry> es;  // the job's keys
  std::string path;       // "jobs.NAME"
  std::optional<ComponentSpec> component;
  StepSpec step;
  // Fields other than inputs bound to ${{parent.inputs.X}} (compute, environment_variables,
  // resources, limits.timeout): StepSpec::field_refs names, with the entry holding the
  // binding; resolved in the second pass, when the level's inputs are known.
  std::vector<std::pair<std::string, Entry>> field_bindings;
};

// First pass: everything but the inputs. Binds job outputs to pipeline outputs
// (filling ctx.pipeline->outputs).
// `file`: the job's component file when the caller has read it already (to learn its type).
JobDraft parse_job_shape(const JobContext& ctx, const Entry& e,
                         const ComponentFile* file = nullptr);

// A job built from a component takes its command, code, environment, resources, variables,
// determinism and declared outputs.
void apply_component(const ComponentSpec& comp, StepSpec* s);

// The keys every job type shares (compute, resources, display_name, environment_variables,
// run_after, ...) and the job's `outputs:`; parse_job_shape calls it, and so do the
// readers of `type: parallel` and `type: sweep` jobs (yaml_parallel.cc, yaml_sweep.cc).
void read_job_common(const JobContext& ctx, JobDraft* d);

// Second pass: the job's inputs, checked against its component and against the outputs of
// the other jobs.
void bind_job_inputs(const JobContext& ctx, JobDraft* d);

// The value a `type: pipeline` job gives its component's input `decl` (entry `e` of the
// job's inputs, read in the job's scope `ctx`): typed and checked as a job input is, plus
// the mode written on the job or on the declaration.
struct BoundComponentInput {
  StepInput input;
  std::optional<InputMode> mode;
};
BoundComponentInput bind_component_input(const JobContext& ctx, const JobDraft& d, const Entry& e,
                                         const ComponentInput& decl);

// Binds the output `out` of step `step` to the level's ${{parent.outputs.NAME}} named by
// `b` (`node`/`path` for messages); `explicit_mode` when the job wrote a mode itself.
void bind_to_parent_output(const JobContext& ctx, const yaml::Node& node, const std::string& path,
                           const std::string& parent_output, const std::string& step,
                           bool explicit_mode, StepOutput* out);

// Checks that every placeholder of the command names an input or output of the job, and
// that an unset optional input is used only inside $[[ ... ]].
void check_job_command(const JobDraft& d);

}  // namespace runnel::internal
