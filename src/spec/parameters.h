// spec/parameters.h: pipeline parameters set at submit (docs/design.md §10).
//
// A PipelineSpec may hold parameters (PipelineSpec::parameters) and the places that use
// them: inputs whose source names a parameter, ${{parameters.NAME}} in a command, and
// params keys listed in StepSpec::param_refs. apply_parameters() puts each parameter's
// value (the assigned one, else its default) into those places and leaves no
// ${{parameters...}} placeholder behind, so the engine sees a plain pipeline whose
// fingerprints hold the values, never the parameters' names. The engine calls it once per
// submit (ExecutionOptions::parameters).
// Pure functions (resolving a local data path checks that it exists); thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "spec/pipeline_spec.h"

namespace runnel {

// A value for one parameter: text for a scalar (or a data reference written as text:
// a local path, azureml://datastores/<ds>/paths/<p>, dataset:NAME[:V], azureml:NAME:V),
// or a data source given directly (REST DataPathAssignments and dataset assignments).
struct ParameterValue {
  std::string text;
  std::optional<InputSource> data;
};
using ParameterValues = std::map<std::string, ParameterValue>;

// Applies `values` (by parameter name) to `spec`. `where` names the caller's field in
// messages ("--set", "ParameterAssignments", "pipeline_parameters"). Throws
// Error(kInvalidArgument) for a name that is not a parameter (the message lists them),
// a value that does not fit the parameter's type, or data given to a scalar parameter.
void apply_parameters(PipelineSpec* spec, const ParameterValues& values, const std::string& where);

// Sets the step field `field` (as in StepSpec::field_refs) from the text `value`: a compute
// name (azureml: prefix allowed), an environment variable, a count, a size or a duration
// (core/units.h). Throws Error(kInvalidArgument) "<what>: ..." for a value that does not fit.
void apply_step_field(StepSpec* s, const std::string& field, const std::string& value);

// The text of a JSON scalar as a parameter value: strings as they are, integers in
// decimal, other numbers as the C++ API formats a double ("%.17g"), booleans as
// `like` spells them ("true" when `like` is lower case, else "True"). Throws
// Error(kInvalidArgument) for objects, arrays and null, naming `field`.
std::string parameter_text(const nlohmann::json& v, const std::string& field,
                           const std::string& like = "True");

// The parameters of `spec` as JSON [{name, type, default}] (default: text, or for data
// {datastore, path} / {dataset, version} / {path}).
nlohmann::json parameters_json(const PipelineSpec& spec);

}  // namespace runnel
