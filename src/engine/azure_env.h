// The variables Azure ML sets in the process of every run, naming where it runs: step
// scripts build their MLClient or Workspace from them (os.environ["AZUREML_ARM_SUBSCRIPTION"],
// ...), so a step of runnel gets them too, with the values the SDK's Workspace reports in it.
#pragma once

#include <map>
#include <string>

#include "runnel/workspace.h"

namespace runnel {

struct AzureRunScope {
  std::string subscription = "local";
  std::string resource_group = "local";
  std::string workspace_name;
};

// The workspace's scope: the keys of the config file the SDK's Workspace.from_config would
// read from the workspace's folder (.azureml/ or aml_config/ config.json or project.json, at
// that folder or above it), else "local" and the workspace's own name, as python/runnel's
// Workspace has them. A file that is not JSON is passed over (the SDK in the step says why).
AzureRunScope azure_run_scope(const Workspace& ws);

// AZUREML_ARM_SUBSCRIPTION, _RESOURCEGROUP, _WORKSPACE_NAME and _PROJECT_NAME (the experiment).
void add_azure_run_variables(const AzureRunScope& scope, const std::string& experiment,
                             std::map<std::string, std::string>* env);

}  // namespace runnel
