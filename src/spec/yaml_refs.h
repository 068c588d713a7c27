// spec/yaml_refs.h: the reference forms of Azure ML v2 YAML — data paths,
// environment and compute names, and ${{parent...}} bindings — turned into runnel terms.
// Internal to the spec subsystem. Pure functions apart from the existence checks of
// local paths; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "spec/pipeline_spec.h"
#include "spec/yaml_util.h"

namespace runnel::internal {

// Resolves a data `path:` value. Local paths (relative to doc.base_dir, or file://) become
// absolute kLocalPath and must exist and match `type` (a file for uri_file, a folder for
// uri_folder); azureml://datastores/<ds>/paths/<p> -> kDatastorePath;
// azureml:NAME[:VERSION|@latest], dataset:NAME[:VERSION] and azureml://.../data/NAME/...
// -> kDataset. With `model` (type: custom_model | mlflow_model | triton_model),
// azureml:NAME[:VERSION|@latest] and azureml://.../models/NAME/versions/V name a registered
// model instead: its files' folder, as a kLocalPath (AssetLookups::model). Azure Blob URLs
// (wasbs://C@A.blob.core.windows.net/P, https://A.blob.core.windows.net/C/P) become
// kDatastorePath on the registered azure_blob datastore of account A and container C
// (AssetLookups::blob_datastore); with none registered, wasbs:// and blob folders throw naming
// how to register one, and an https:// file is fetched as any URL. Other http(s) URLs are
// fetched (uri_file only); other schemes throw with a hint. `node` locates errors.
InputSource resolve_data_path(const YamlDoc& doc, const yaml::Node& node, const std::string& path,
                              const std::string& text, DataType type, bool model = false);

// Azure ML's model asset types (custom_model, mlflow_model, triton_model): folders whose
// path may name a registered model (resolve_data_path's `model`).
inline bool is_model_type(std::string_view t) {
  return t == "custom_model" || t == "mlflow_model" || t == "triton_model";
}

// Splits an output `path:` of the form azureml://datastores/<ds>/paths/<p>; throws for
// anything else (outputs are written through a datastore).
void resolve_output_path(const YamlDoc& doc, const yaml::Node& node, const std::string& path,
                         const std::string& text, std::string* datastore, std::string* out_path);

// azureml:NAME, azureml:NAME:VERSION, azureml:NAME@latest,
// azureml://registries/<r>/environments/NAME/(versions/V|labels/L) -> NAME; NAME -> NAME.
// Whether an `environment:` reference names an Azure ML curated environment:
// azureml://registries/azureml/environments/..., or azureml:AzureML-NAME[:V|@label].
bool is_curated_environment_ref(std::string_view text);

// Whether an output's `path:` is a binding (${{parent.outputs.X}}, the whole value) rather
// than a datastore path that holds Azure ML's runtime expressions ${{name}} /
// ${{output_name}} (azureml://datastores/ds/paths/azureml/${{name}}/${{output_name}}).
bool is_output_path_binding(std::string_view text);

std::string resolve_environment_name(const YamlDoc& doc, const yaml::Node& node,
                                     const std::string& path, const std::string& text);

// azureml:NAME (or an ARM id ending in computes/NAME) -> NAME; NAME -> NAME.
std::string resolve_compute_name(const std::string& text);

// A whole-value ${{parent...}} binding.
struct Binding {
  enum class Kind { kParentInput, kParentOutput, kJobOutput };
  Kind kind;
  std::string name;  // the input/output name
  std::string job;   // for kJobOutput
};

// Parses `text` when it is exactly one ${{parent...}} expression; nullopt when `text`
// holds no "${{". Throws when it holds one that is malformed or not a parent binding.
// With `older_spelling`, ${{jobs.J.outputs.O}} / ${{inputs.X}} / ${{outputs.Y}} (pre-GA, in
// a job's inputs and outputs) read as the parent. forms, with one note per load.
std::optional<Binding> parse_binding(const YamlDoc& doc, const yaml::Node& node,
                                     const std::string& path, const std::string& text,
                                     bool older_spelling = true);

}  // namespace runnel::internal
