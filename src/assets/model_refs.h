// assets/model_refs.h: what the YAML loader's asset lookups (spec/registered_refs.h:
// AssetLookups) find in a workspace: registered models, for `type: custom_model` inputs with
// `path: azureml:NAME:VERSION` / `azureml:NAME@latest`, and the azure_blob datastore of an
// Azure Blob URL's account and container (wasbs://, https://ACCOUNT.blob.core.windows.net/).
// Installed with use_registered_components (component_registry.h). Thread-safe (reads only).
#pragma once

#include <string>

#include "runnel/workspace.h"

namespace runnel::assets {

// The files of model `name` at `version` ("" = the highest version): models are kept by the
// Python SDK's Model.register (python/runnel/model.py) as
// .runnel/models/NAME/VERSION/{model.json, BASENAME}. Returns the registered folder
// (BASENAME), or for a model registered from one file the version folder holding it.
// Throws Error(kNotFound) naming the versions that exist, or that none does.
std::string registered_model_path(const Workspace& ws, const std::string& name,
                                  const std::string& version);

// The name of the first registered azure_blob datastore (by name) whose account_name and
// container_name are `account` and `container`; "" when there is none.
std::string blob_datastore_for(const Workspace& ws, const std::string& account,
                               const std::string& container);

// An inline `environment: {image, conda_file}` of a pipeline or component file, registered
// as the anonymous environment "anonymous-<16 hex of its definition's digest>" (version 1;
// the default interpreter, with the image and the conda file recorded but not built:
// EnvDefinition::record_only), so a changed image or conda file reruns the steps using it.
// Registering the same definition again returns the same name. Throws Error(kInvalidArgument)
// naming `where` when the conda text is not a conda environment file.
std::string inline_environment_name(const Workspace& ws, const std::string& image,
                                    const std::string& conda_text, const std::string& where);

}  // namespace runnel::assets
