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

}  // namespace runnel
