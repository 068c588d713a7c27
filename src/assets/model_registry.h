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
  std::string path;     // the registered copy
  bool created = true;  // false: the latest version already held these files
};

// A model to register from files on this machine.
struct ModelFiles {
  std::string name;
  int version = 0;  // 0: the next one
  std::string type = "custom_model";
  std::string source_path;  // the file or folder copied in
  std::string source;       // as the user named it (a path or URI), recorded
  std::string description;
  nlohmann::json tags = nlohmann::json::object();
  nlohmann::json properties = nlohmann::json::object();
  nlohmann::json flavors;  // null: none
  std::string stage;
  std::string run_id;  // the job that made it, "" if none
  // With a digest: when the latest version (version 0) or the version asked for already
  // holds files of this digest, nothing is copied (created false), so a rerun that makes the
  // same model registers no new version.
  std::string content_digest;
};

// Copies m.source_path in as version m.version (or the next), under the lock. Throws
// Error(kAlreadyExists) naming the model when that version exists with other files (or,
// without a digest, at all); kInvalidArgument for a bad name or type.
ModelCreated register_model_files(const Workspace& ws, const ModelFiles& m);

// `runnel model create -f model.yml` (the v2 model schema: name, version, path, type
// (custom_model, mlflow_model, triton_model; default custom_model), description, tags,
// properties, flavors, stage, job_name) with `o` applied. Copies the files in as version
// `version:` (or the next one). Throws Error(kAlreadyExists) when that version exists,
// kInvalidArgument "<file>: ..." for a bad file, a bad type or an unknown key.
ModelCreated create_model(const Workspace& ws, const std::string& yaml_path, const Overrides& o);

}  // namespace runnel::assets
