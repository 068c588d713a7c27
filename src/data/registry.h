// data/registry.h: registering dataset versions in the workspace's metadata store and
// loading them back.
// Thread-safe as the metadata store is (its transaction serializes version numbers).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "data/dataset_state.h"
#include "runnel/workspace.h"

namespace runnel::internal {

// Datastore name -> absolute folder, for every datastore of `ws`.
std::map<std::string, std::string> datastore_roots(const Workspace& ws);

// See FileDataset::register_dataset. Uploads local sources, records the manifest, and
// returns the registered state. Throws Error(kInvalidArgument) for a bad name,
// Error(kAlreadyExists) for a taken name without create_new_version.
// `explicit_version` > 0 (v2 data assets, `runnel data create`) registers exactly that
// version: the same definition and content again returns it unchanged; other content under
// a taken version is Error(kAlreadyExists) (versions are immutable).
std::shared_ptr<const DatasetState> register_state(const Workspace& ws, const DatasetState& s,
                                                   const std::string& name,
                                                   const std::string& description,
                                                   const std::map<std::string, std::string>& tags,
                                                   bool create_new_version,
                                                   int explicit_version = 0);

// A registered version (0 = the latest not archived, assets/archive.h), files as recorded at
// registration. Throws
// Error(kNotFound) saying which names or versions exist.
std::shared_ptr<const DatasetState> load_state(const Workspace& ws, const std::string& name,
                                               int version);

// Parses "NAME", "NAME:VERSION", "NAME@latest", "dataset:NAME[:VERSION]",
// "azureml:NAME[:VERSION]" into (name, version; 0 = latest). Throws Error(kInvalidArgument).
std::pair<std::string, int> parse_dataset_ref(const std::string& ref);

}  // namespace runnel::internal
