// assets/model_registry.h: registered models, the `az ml model create|list|show|download|
// archive` way. Models live where the Python SDK's Model.register keeps them
// (python/runnel/model.py): .runnel/models/NAME/VERSION/{model.json, BASENAME}, versions
// 1, 2, ... per name taken under a flock on .runnel/models/.lock, each version written to a
// temporary folder and renamed into place (never half there). So a model made here is the
// one `Model(ws, NAME)` and `path: azureml:NAME:V` inputs find, and the other way round.
// Thread-safe across processes (the lock); reads need no lock.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "assets/asset_yaml.h"
#include "runnel/workspace.h"

namespace runnel::assets {

struct ModelVersionInfo {
  std::string name;
  int version = 0;
  std::string dir;      // .runnel/models/NAME/VERSION
  nlohmann::json meta;  // model.json: name, version, type, path, tags, properties, ...
};

// Registered model names, sorted.
std::vector<std::string> model_names(const Workspace& ws);
// The versions of `name`, oldest first (empty when none).
std::vector<ModelVersionInfo> model_versions(const Workspace& ws, const std::string& name);

// The local file or folder a model's `path:` names: a local path (relative to `base_dir`),
// azureml://datastores/<ds>/paths/<p>, a job's files as Azure ML names them
// (azureml://jobs/<id>/outputs/artifacts/paths/<p>, MLflow's runs:/<id>/<p>: what the step
// wrote under ./outputs/<p>) or a job's named output (azureml://jobs/<id>/outputs/<name>).
// <id> is a step run's id or a pipeline run's (its one step, or the one step with that
// output). Throws Error(kNotFound) naming what is missing, kInvalidArgument for another form.
std::string model_source_path(const Workspace& ws, const std::string& path,
                              const std::string& base_dir);

struct ModelCreated {
  std::string name;
  int version = 0;
  std::string type;
  std::string path;  // the registered copy
};

// `runnel model create -f model.yml` (the v2 model schema: name, version, path, type
// (custom_model, mlflow_model, triton_model; default custom_model), description, tags,
// properties, flavors, stage, job_name) with `o` applied. Copies the files in as version
// `version:` (or the next one). Throws Error(kAlreadyExists) when that version exists,
// kInvalidArgument "<file>: ..." for a bad file, a bad type or an unknown key.
ModelCreated create_model(const Workspace& ws, const std::string& yaml_path, const Overrides& o);

}  // namespace runnel::assets
