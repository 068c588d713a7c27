// assets/component_registry.h: components registered with `runnel component create -f`
// (the `az ml component create` of Azure ML): command and pipeline components, versioned
// and immutable, referenced from pipelines as azureml:NAME:VERSION or azureml:NAME@latest.
//
// On disk, one folder per version: .runnel/assets/components/<name>/<version>/ holding
//   meta.json       name, version, type, description, display_name, digest, created_at
//   component.yml   the definition after overrides, as JSON (which YAML reads); a command
//                   component's `code:` points at ./code
//   code/           a command component's code folder, copied (after its ignore file)
//   files/          a pipeline component's folder, copied; its file is files/<basename>
// A version is written into a temporary folder and renamed into place, so it appears whole
// or not at all, and two processes creating the same version race safely: the second sees
// the first's version and compares digests (same content: a no-op; else an error).
// Thread-safe and multi-process safe in that sense.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "assets/asset_yaml.h"
#include "runnel/workspace.h"
#include "spec/registered_refs.h"

namespace runnel::assets {

struct ComponentVersion {
  std::string name;
  std::string version;
  std::string type;  // "command" | "pipeline"
  std::string display_name;
  std::string description;
  std::string digest;  // SHA-256 over the stored definition and the code's tree digest
  int64_t created_at = 0;
  bool archived = false;
  std::string file;  // absolute path of the stored component file
  std::string dir;   // absolute path of the version's folder
};

struct CreateResult {
  ComponentVersion component;
  bool created = false;  // false: the same content was already registered (a no-op)
};

// Registers the component file `yaml_path` with `o` applied. Its name comes from the file
// or --name; a missing version becomes the next whole number after the highest numeric
// version (or the latest version, when its content is the same). Throws invalid_argument
// for a bad file (file:line), already_exists when NAME:VERSION exists with other content.
CreateResult create_component(const Workspace& ws, const std::string& yaml_path,
                              const Overrides& o);

// Every version of `name`, oldest first (archived included). Empty when none.
std::vector<ComponentVersion> component_versions(const Workspace& ws, const std::string& name);

// The latest version of each name, archived ones left out unless `include_archived`.
std::vector<ComponentVersion> list_components(const Workspace& ws, bool include_archived);

// NAME:VERSION, or with `version` "" the latest version not archived (by creation time).
// An archived version still resolves by its version. Throws not_found naming what exists.
ComponentVersion get_component(const Workspace& ws, const std::string& name,
                               const std::string& version);

// Sets or clears the archived flag of one version ("" = every version of `name`). Throws
// not_found for an unknown name or version.
void archive_component(const Workspace& ws, const std::string& name, const std::string& version,
                       bool archived);

// Installs, for this thread, a lookup of azureml: component references in the workspace
// that `workspace_flag` names (as --workspace does; "" = RUNNEL_WORKSPACE or walking up),
// opened on first use, so loading a pipeline that uses no registered component needs none.
std::unique_ptr<internal::ScopedComponentLookup> use_registered_components(
    const std::string& workspace_flag);
std::unique_ptr<internal::ScopedComponentLookup> use_registered_components(const Workspace& ws);

}  // namespace runnel::assets
