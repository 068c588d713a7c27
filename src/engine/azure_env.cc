#include "engine/azure_env.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace runnel {

namespace {
// The SDK's search order (python/runnel/sdk/workspace_config.py): each folder name, then
// each file name, each looked for from the start folder up to the root.
std::string find_config(const fs::path& start) {
  for (const char* dir : {".azureml", "aml_config", ""}) {
    for (const char* file : {"config.json", "project.json"}) {
      fs::path rel = *dir ? fs::path(dir) / file : fs::path(file);
      std::error_code ec;
      for (fs::path d = start; !d.empty(); d = d.parent_path()) {
        if (fs::is_regular_file(d / rel, ec)) return (d / rel).string();
        if (d == d.parent_path()) break;
      }
    }
  }
  return "";
}

std::string text_member(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
}  // namespace

AzureRunScope azure_run_scope(const Workspace& ws) {
  AzureRunScope s;
  s.workspace_name = ws.name();
  std::string path = find_config(fs::path(ws.root()));
  if (path.empty()) return s;
  std::ifstream in(path);
  nlohmann::json cfg = nlohmann::json::parse(in, nullptr, false);
  if (!cfg.is_object()) return s;
  if (auto v = text_member(cfg, "subscription_id"); !v.empty()) s.subscription = v;
  if (auto v = text_member(cfg, "resource_group"); !v.empty()) s.resource_group = v;
  if (auto v = text_member(cfg, "workspace_name"); !v.empty()) s.workspace_name = v;
  return s;
}

void add_azure_run_variables(const AzureRunScope& scope, const std::string& experiment,
                             std::map<std::string, std::string>* env) {
  (*env)["AZUREML_ARM_SUBSCRIPTION"] = scope.subscription;
  (*env)["AZUREML_ARM_RESOURCEGROUP"] = scope.resource_group;
  (*env)["AZUREML_ARM_WORKSPACE_NAME"] = scope.workspace_name;
  (*env)["AZUREML_ARM_PROJECT_NAME"] = experiment;
}

}  // namespace runnel
