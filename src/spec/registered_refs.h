// spec/registered_refs.h: `component: azureml:NAME:VERSION` (and `@latest`, and the
// azureml://.../components/NAME/(versions/V|labels/latest) forms) in pipeline files, resolved
// to the file of a component registered with `runnel component create` (assets/).
//
// The spec subsystem knows no workspace; a caller that has one installs a lookup for the
// duration of a load (assets/component_registry.h: use_registered_components(ws)). The
// lookup is per thread, so loads on other threads are unaffected.
#pragma once

#include <functional>
#include <string>

#include "spec/yaml_util.h"

namespace runnel::internal {

// Returns the absolute path of the stored component file for NAME and VERSION ("" = the
// latest version that is not archived). Throws runnel::Error saying what exists.
using ComponentLookup =
    std::function<std::string(const std::string& name, const std::string& version)>;

// Fetches an http(s) URL input (`path: https://host/file.csv`, Azure ML downloads those for
// the job) into the workspace and returns the local file's absolute path. Throws
// runnel::Error saying what failed.
using UrlFetch = std::function<std::string(const std::string& url)>;

// The workspace's registered models and Azure Blob datastores, for model-typed inputs
// (type: custom_model | mlflow_model | triton_model with path: azureml:NAME:VERSION or
// azureml:NAME@latest) and Azure Blob URLs (wasbs://, https://ACCOUNT.blob.core.windows.net/).
struct AssetLookups {
  // The absolute path of model NAME's files at VERSION ("" = the latest): its folder, or
  // for a model registered from one file, the folder holding it. Throws runnel::Error
  // saying which versions exist.
  std::function<std::string(const std::string& name, const std::string& version)> model;
  // The name of a registered azure_blob datastore of ACCOUNT and CONTAINER; "" when none.
  std::function<std::string(const std::string& account, const std::string& container)>
      blob_datastore;
  // An inline `environment:` ({image, conda_file}) registered as an anonymous environment
  // (as Azure ML does), named after its definition: the same definition gives the same
  // name. `conda_text` is the conda file's content ("" when none); `where` names the YAML
  // location for messages. Returns the registered name; throws runnel::Error.
  std::function<std::string(const std::string& image, const std::string& conda_text,
                            const std::string& where)>
      inline_environment;
};

// Installs `lookup` (and `fetch` and `assets`, when given) on this thread until destroyed
// (restoring the ones before). Without a fetch, URL inputs are refused with an error;
// without asset lookups, model references and Azure Blob URLs are.
class ScopedComponentLookup {
 public:
  explicit ScopedComponentLookup(ComponentLookup lookup, UrlFetch fetch = {},
                                 AssetLookups assets = {});
  ~ScopedComponentLookup();
  ScopedComponentLookup(const ScopedComponentLookup&) = delete;
  ScopedComponentLookup& operator=(const ScopedComponentLookup&) = delete;

 private:
  ComponentLookup previous_;
  UrlFetch previous_fetch_;
  AssetLookups previous_assets_;
};

// The fetch installed on this thread (empty when none).
const UrlFetch& current_url_fetch();
// The asset lookups installed on this thread (empty functions when none).
const AssetLookups& current_asset_lookups();

// True for "azureml:..." component references (not local files).
bool is_registered_component_ref(const std::string& ref);

// Splits a registered reference into NAME and VERSION ("" = latest): azureml:NAME:V,
// azureml:NAME@latest, azureml:NAME, azureml://[...]/components/NAME[/versions/V|/labels/latest].
// Returns false when `ref` has none of these forms.
bool split_component_ref(const std::string& ref, std::string* name, std::string* version);

// The stored file of the registered component `ref`. Throws invalid_argument naming the
// file:line of `node` and `path` when the form is bad, no lookup is installed, or the
// lookup fails (its message follows).
std::string registered_component_file(const YamlDoc& doc, const yaml::Node& node,
                                      const std::string& path, const std::string& ref);

}  // namespace runnel::internal
