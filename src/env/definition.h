// env/definition.h: what defines an environment (interpreter, pip packages, a requirements
// file, a conda file, variables, system site packages, pip index options), its digest, and
// where a registered version's definition is kept.
//
// A definition is registered with `runnel env create` as a new immutable version of a name
// (the metadata store keeps the name, version, interpreter and variables); the full
// definition is kept beside it as JSON in .runnel/envs/defs/<name>/v<version>.json.
// Thread-safety: plain values and pure functions; the file functions are safe to call from
// several processes (atomic writes).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace runnel::env {

// pip's index options; from the workspace config (`pip.index_url`, `pip.extra_index_urls`,
// `pip.find_links`, `pip.no_index`) and/or the definition. Nothing is hard-coded.
struct PipOptions {
  std::string index_url;
  std::vector<std::string> extra_index_urls;
  std::vector<std::string> find_links;
  bool no_index = false;

  // `over` wins for index_url/no_index when set; lists are joined.
  PipOptions merged_with(const PipOptions& over) const;
  std::vector<std::string> to_args() const;  // --index-url U --extra-index-url ... --no-index
  nlohmann::json to_json() const;
  static PipOptions from_json(const nlohmann::json& j);
};

struct EnvDefinition {
  std::string python = "/usr/bin/python3";  // the base interpreter (absolute)
  std::vector<std::string> pip;             // requirement specifiers ("pkg==1.0", "pkg>=2")
  std::string requirements;                 // the text of a requirements file ("" = none)
  std::string conda_file;                   // the text of a conda environment file
  std::string image;                        // a container image its steps run in (env/image.h)
  bool system_site_packages = false;
  PipOptions pip_options;
  std::map<std::string, std::string> variables;
  std::string description;
  // An inline `environment: {image, conda_file}` of a v2 pipeline or component file: the
  // image and the conda file are recorded (and key reuse) but not built, and the step runs
  // with `python` (Azure ML builds a container from them; runnel has no such build).
  bool record_only = false;
  // A Docker build context (a v2 file's `build: {path, dockerfile_path}`): the folder, once
  // registered a copy under .runnel/envs/contexts/<digest>/ (store_build_context), the
  // Dockerfile's path inside it, and the folder's digest. Its steps run in the image podman
  // builds from it (ensure_image_from_context), tagged image_of_context().
  std::string build_context;
  std::string dockerfile;
  std::string build_context_digest;

  // True when it must be built (packages to install), false for "an interpreter plus
  // variables" environments and record_only ones.
  bool needs_build() const {
    return !record_only && (!pip.empty() || !requirements.empty() || !conda_file.empty());
  }
  nlohmann::json to_json() const;
  static EnvDefinition from_json(const nlohmann::json& j);
};

// The digest of what a build depends on: the interpreter and its version, the packages, the
// requirements and conda texts, system site packages and the effective pip options (hex).
std::string build_digest(const EnvDefinition& d, const std::string& python_version,
                         const PipOptions& effective);

// The pip entries of a conda environment file's `dependencies: [..., {pip: [...]}]`.
// Throws Error(kInvalidArgument) naming `where` when the text is not such a file.
std::vector<std::string> conda_pip_section(const std::string& conda_text, const std::string& where);

// `localhost/runnel-build:<16 hex of the context digest>`: the image of a build context.
std::string image_of_context(const EnvDefinition& d);

// Copies d.build_context (a folder outside the workspace's store) into
// `envs_dir`/contexts/<digest>/ unless that copy exists, and points d there with its
// digest, so a registered version keeps the context it was registered with.
void store_build_context(const std::string& envs_dir, EnvDefinition* d);

// A v2 environment YAML: `name`, `version`, `image`, `build`, `conda_file`, `description`,
// `$schema`, and runnel's `python`, `pip`, `requirements`, `system_site_packages`,
// `environment_variables`. Relative paths are resolved against the file's folder.
struct EnvironmentFile {
  std::string name;
  std::string version;  // as written ("" when absent: the next version)
  EnvDefinition definition;
};
// Throws Error(kInvalidArgument) naming the file, line and key on a bad file.
// `text`, when given, is read instead of the file's content (`--set` overrides applied);
// relative paths still resolve against `path`'s folder.
EnvironmentFile load_environment_yaml(const std::string& path, const std::string* text = nullptr);

// .runnel/envs/defs/<name>/v<version>.json
std::string definition_path(const std::string& runnel_dir, const std::string& name, int version);
void save_definition(const std::string& runnel_dir, const std::string& name, int version,
                     const EnvDefinition& d);
std::optional<EnvDefinition> load_definition(const std::string& runnel_dir, const std::string& name,
                                             int version);

}  // namespace runnel::env
