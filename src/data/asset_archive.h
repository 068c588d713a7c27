// data/asset_archive.h: the archived flag of a registered asset version (component, data,
// environment), as `az ml <asset> archive` / `restore` set it. An archived version is left
// out of lists and of `@latest`, and still resolves when named by its version.
// Kept in the metadata store's key/value table ("archived/<kind>/<name>/<version>"), so
// every store backend has it without a schema change.
// Thread-safe as the metadata store is.
#pragma once

#include <optional>
#include <string>

#include "runnel/workspace.h"
#include "store/metadata_store.h"

namespace runnel::internal {

bool is_archived(const Workspace& ws, const std::string& kind, const std::string& name,
                 const std::string& version);
void set_archived(const Workspace& ws, const std::string& kind, const std::string& name,
                  const std::string& version, bool archived);

// The latest version of environment `name` that is not archived; nullopt when none.
std::optional<EnvironmentRecord> latest_environment(const Workspace& ws, const std::string& name);

}  // namespace runnel::internal
