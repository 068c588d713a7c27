// assets/data_asset.h: v2 data assets (`runnel data create -f data.yml`, the `az ml data
// create` of Azure ML): `type: uri_file | uri_folder | mltable`, `path`, `name`, `version`,
// `description`, `tags`. They are registered datasets (data/registry.h), so one store holds
// them and `runnel dataset ...` sees them too; the v2 type is kept as the definition's
// asset_type. Pipelines use them as `path: azureml:NAME:VERSION` or `azureml:NAME@latest`.
// Paths: local (relative to the YAML file's folder; uploaded to the default datastore) or
// azureml://datastores/<name>/paths/<p>. An mltable asset's path is the folder holding its
// MLTable file (or that file), and every relative path the MLTable names must stay inside it.
// Thread-safe as the dataset registry is.
#pragma once

#include <string>

#include "assets/asset_yaml.h"
#include "runnel/workspace.h"

namespace runnel::assets {

struct DataAssetResult {
  std::string name;
  int version = 0;
  std::string type;  // uri_file, uri_folder, mltable
  size_t files = 0;
  bool created = false;  // false: the same definition and content was already that version
};

// Throws invalid_argument naming the file and key for a bad file, not_found for a missing
// path or datastore, already_exists for a taken version with other content.
DataAssetResult create_data_asset(const Workspace& ws, const std::string& yaml_path,
                                  const Overrides& o);

// Checks the MLTable file in `folder`: a YAML mapping whose `paths` is a list of
// {file|folder|pattern: P}; relative paths must exist (patterns: match) inside `folder`.
// Throws invalid_argument naming the MLTable file.
void check_mltable_folder(const std::string& folder);

}  // namespace runnel::assets
