// spec/validate.h: the checks every pipeline passes before it runs, whether it came from
// YAML or from the C++ object model, and the graph queries built on them.
//
// The graph: step B depends on step A when one of B's inputs is bound to an output of A
// or when B lists A in run_after.
// Pure functions over a const PipelineSpec; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "spec/pipeline_spec.h"

namespace runnel {

// Checks that the pipeline has steps; step names are unique and well formed; every
// step-output binding names an existing step and output (not the step itself); every
// ${{...}} placeholder of a command names a declared input or output, and an unset
// optional input appears only inside $[[ ... ]]; literal inputs fit their type; run_after
// names exist; no two outputs of a step (nor two inputs) share a name; no pipeline output
// is bound twice; no two outputs write the same datastore path; and the graph has no
// cycle (the message names it: "a -> b -> a").
// Throws runnel::invalid_argument "<file:line:col>: <key>: <what>; <what to do>" on the
// first problem found.
void validate_pipeline(const PipelineSpec& p);

// Step names in an order where every step follows the steps it depends on; among
// independent steps, declaration order. Throws invalid_argument on a cycle or on a
// binding to an unknown step.
std::vector<std::string> topological_order(const PipelineSpec& p);

// The steps that `step` depends on, directly or transitively (not `step` itself), in
// topological order. Throws runnel::not_found when `step` is not in the pipeline.
std::vector<std::string> upstream_of(const PipelineSpec& p, const std::string& step);

// The steps that depend on `step`, directly or transitively (not `step` itself), in
// topological order. Throws runnel::not_found when `step` is not in the pipeline.
std::vector<std::string> downstream_of(const PipelineSpec& p, const std::string& step);

// "" when the literal `v` fits scalar type `t` (string, integer, number, boolean), else
// what is wrong with it ("is not a whole number"). Data types always fit.
std::string literal_type_problem(DataType t, const std::string& v);

// The names of the steps that `s` depends on directly (inputs and run_after), each once,
// in the order first mentioned.
std::vector<std::string> direct_dependencies(const StepSpec& s);

}  // namespace runnel
