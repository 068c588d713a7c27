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
std::shared_ptr<const DatasetState> register_state(const Workspace& ws, const DatasetState& s,
                                                   const std::string& name,
                                                   const std::string& description,
                                                   const std::map<std::string, std::string>& tags,
                                                   bool create_new_version);

// A registered version (0 = latest), files as recorded at registration. Throws
// Error(kNotFound) saying which names or versions exist.
std::shared_ptr<const DatasetState> load_state(const Workspace& ws, const std::string& name,
                                               int version);

// Parses "NAME", "NAME:VERSION", "NAME@latest", "dataset:NAME[:VERSION]",
// "azureml:NAME[:VERSION]" into (name, version; 0 = latest). Throws Error(kInvalidArgument).
std::pair<std::string, int> parse_dataset_ref(const std::string& ref);

}  // namespace runnel::internal
