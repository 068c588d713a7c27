// engine/workspace_impl.h: what a Workspace handle shares (internal).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "runnel/workspace.h"
#include "store/metadata_store.h"

namespace runnel {

struct Workspace::Impl {
  std::string name;
  std::string root;
  std::string runnel_dir;
  nlohmann::json config;
  std::unique_ptr<MetadataStore> store;
};

namespace internal {
// The workspace's metadata store (owned by it; valid while a handle lives). The internal
// accessor for code in src/; users see only the public API.
MetadataStore& store_of(const Workspace& ws);
// The owning slot itself, for test seams that wrap the store (testing/failing_store.h).
std::unique_ptr<MetadataStore>& store_slot(const Workspace& ws);
}  // namespace internal

}  // namespace runnel
