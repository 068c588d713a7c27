// spec/yaml_pipeline_job.h: the `jobs:` of one pipeline level, with `type: pipeline` jobs
// (pipeline components, nested to any depth) flattened into the one PipelineSpec.
//
// A pipeline job `train` whose component has jobs `prep` and `fit` adds the steps
// `train/prep` and `train/fit`. Inside the component, ${{parent.inputs.X}} is the value
// the job gives input X (or the component's default), ${{parent.outputs.Y}} is the job's
// output Y, and ${{parent.jobs.J...}} names a sibling inside the same component. Outside,
// ${{parent.jobs.train.outputs.Y}} reads the inner step output bound to Y. A job's
// `compute:` is the default of its inner steps; `run_after: [train]` waits for all of them.
// Because a step's fingerprint holds what it runs and reads, not its name, two uses of one
// component with the same inputs share results.
//
// Internal to the spec subsystem; errors are runnel::invalid_argument with file:line.
// Not synchronized; one loader uses a level at a time.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "spec/yaml_jobs.h"

namespace runnel::internal {

// What every level of one load shares.
struct PipelineJobIndex {
  std::map<std::string, PipelineJobOutputs> outputs;      // full job name -> its outputs
  std::map<std::string, std::vector<std::string>> steps;  // full job name -> its inner steps
  // Step name -> position in the pipeline, built once after the first pass (see
  // JobContext::step_index); empty before.
  std::unordered_map<std::string, size_t> positions;
  bool positions_built = false;
  void build_positions(const PipelineSpec& p) {
    positions.reserve(p.steps.size());
    for (size_t i = 0; i < p.steps.size(); ++i) positions.emplace(p.steps[i].name, i);
    positions_built = true;
  }
};

class JobLevel {
 public:
  // `doc`: the file this level's jobs are written in; `prefix`: "" at the top, "a/b/" inside.
  // `pipeline_outputs_here`: the top level, whose ${{parent.outputs}} are the pipeline's.
  JobLevel(const YamlDoc& doc, PipelineSpec* p, std::string prefix, bool top,
           PipelineJobIndex* index);
  ~JobLevel();

  std::map<std::string, ParentInput> inputs;    // set before read_shapes
  std::map<std::string, ParentOutput> outputs;  // set before read_shapes
  std::vector<PipelineOutputSpec> bound;        // below the top: which job output feeds each output

  // First pass over the `jobs:` entry: every job's shape and outputs (steps are appended to
  // the pipeline; nested levels read theirs recursively).
  void read_shapes(const Entry& jobs, const std::string& path);
  // The same for one job `j` (a standalone job file is one job read as `jobs.<name>`).
  void read_job(const Entry& j, const std::string& path);
  // Second pass: inputs and commands, in declaration order, nested levels included.
  void bind();

 private:
  struct Item;
  JobContext context();
  void read_pipeline_job(const Entry& e, const std::vector<Entry>& es, const std::string& path,
                         const ComponentFile* file);

  YamlDoc doc_;
  PipelineSpec* p_;
  std::string prefix_;
  bool top_;
  PipelineJobIndex* index_;
  std::vector<std::unique_ptr<Item>> items_;
};

// The pipeline component named by the entry `c` (at `path`): an inline mapping, a file or a
// registered reference (`file`: that file when the caller has read it already). Throws when
// it is not a pipeline component; `hint` says what to write instead.
PipelineComponentSpec load_pipeline_component(const YamlDoc& doc, const Entry& c,
                                              const std::string& path, const ComponentFile* file,
                                              const std::string& hint);

// A component input as its jobs see ${{parent.inputs.NAME}} before the caller gives a value:
// its type, mode, location and default.
ParentInput declared_parent_input(const ComponentInput& decl);

// After the last level: run_after entries naming a pipeline job become its inner steps.
void expand_pipeline_run_after(const PipelineJobIndex& index, PipelineSpec* p);

}  // namespace runnel::internal
