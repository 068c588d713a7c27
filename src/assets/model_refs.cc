// Registered models and Azure Blob datastores for the YAML loader (assets/model_refs.h).
#include "assets/model_refs.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/fs.h"
#include "core/ids.h"
#include "core/sha256.h"
#include "env/definition.h"
#include "runnel/datastore.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

namespace fs = std::filesystem;

namespace runnel::assets {

namespace {

bool all_digits(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::string registered_model_path(const Workspace& ws, const std::string& name,
                                  const std::string& version) {
  std::string root = ws.runnel_dir() + "/models/" + name;
  std::vector<int> versions;
  std::error_code ec;
  if (name.find('/') == std::string::npos && name != "." && name != "..")
    for (const auto& e : fs::directory_iterator(root, ec)) {
      std::string v = e.path().filename().string();
      if (all_digits(v) && path_exists(e.path().string() + "/model.json"))
        versions.push_back(std::stoi(v));
    }
  std::sort(versions.begin(), versions.end());
  if (versions.empty())
    throw not_found("no model '" + name + "' is registered in workspace " + ws.root());
  int v = versions.back();
  if (!version.empty()) {
    if (!all_digits(version) ||
        std::find(versions.begin(), versions.end(), std::stoi(version)) == versions.end()) {
      std::string have;
      for (int x : versions) have += (have.empty() ? "" : ", ") + std::to_string(x);
      throw not_found("model '" + name + "' has no version " + version + " (versions: " + have +
                      ")");
    }
    v = std::stoi(version);
  }
  std::string dir = root + "/" + std::to_string(v);
  nlohmann::json meta = nlohmann::json::parse(read_file(dir + "/model.json"), nullptr, false);
  if (!meta.is_object() || !meta.contains("path") || !meta["path"].is_string())
    throw corruption(dir + "/model.json: not a model record (no \"path\")");
  // The stored copy beside model.json (the recorded absolute path may predate a move).
  std::string files = dir + "/" + fs::path(meta["path"].get<std::string>()).filename().string();
  if (!path_exists(files))
    throw not_found("model '" + name + "' version " + std::to_string(v) + " has no files at " +
                    files);
  return fs::is_directory(files) ? files : dir;
}

std::string blob_datastore_for(const Workspace& ws, const std::string& account,
                               const std::string& container) {
  for (const auto& [name, ds] : ws.datastores()) {
    if (ds.type() != "azure_blob") continue;
    nlohmann::json j = nlohmann::json::parse(ds.describe_json(), nullptr, false);
    if (j.is_object() && j.value("account_name", "") == account &&
        j.value("container_name", "") == container)
      return name;
  }
  return "";
}

std::string inline_environment_name(const Workspace& ws, const std::string& image,
                                    const std::string& conda_text, const std::string& where) {
  env::EnvDefinition d;
  d.image = image;
  d.conda_file = conda_text;
  if (!conda_text.empty()) env::conda_pip_section(conda_text, where + ".conda_file");  // parses
  d.record_only = true;  // recorded and fingerprinted, not built (env/definition.h)
  d.description = "inline environment of " + where;
  env::EnvDefinition keyed = d;
  keyed.description.clear();  // the same definition written elsewhere is the same environment
  std::string name = "anonymous-" + sha256_hex(keyed.to_json().dump()).substr(0, 16);
  if (ws.store().get_environment(name, 0)) return name;
  EnvironmentRecord e;
  e.name = name;
  e.python = d.python;
  e.description = d.description;
  e.created_at = now_ms();
  ws.store().put_environment(e);
  auto saved = ws.store().get_environment(name, 0);
  if (!saved) throw internal_error("environment " + name + " was not recorded");
  env::save_definition(ws.runnel_dir(), saved->name, saved->version, d);
  return name;
}

}  // namespace runnel::assets
