// runnel/workspace.h: the workspace, the folder that holds `.runnel/` (docs/design.md §3).
//
// @code
//   auto ws = runnel::Workspace::create("/data/projects/churn");   // or from_config()
//   runnel::Datastore ds = ws.get_default_datastore();             // workspaceblobstore
// @endcode
//
// A Workspace is a cheap handle: copies share the same open metadata store. Handles may
// be used from several threads; the metadata store serializes its calls.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "runnel/datastore.h"

namespace runnel {

class MetadataStore;
class Workspace;
namespace internal {
std::unique_ptr<MetadataStore>& store_slot(const Workspace& ws);  // src/engine/workspace_impl.h
}

class Workspace {
 public:
  // Creates a workspace in `dir` (creating the folder if needed): `.runnel/config.json`,
  // the metadata database, and the local datastores `workspaceblobstore` (default) and
  // `workspacefilestore`. Opening an existing workspace is not an error: it is returned.
  // Throws Error(kIo) when the folder cannot be written.
  static Workspace create(const std::string& dir, const std::string& name = "");

  // Finds the workspace the way the SDK's from_config() does: `explicit_dir` if given,
  // else $RUNNEL_WORKSPACE, else the nearest folder holding `.runnel/` walking up from
  // the current directory. Throws Error(kNotFound) saying how to create one.
  static Workspace from_config(const std::string& explicit_dir = "");

  // Opens the workspace at exactly `dir`. Throws Error(kNotFound) if it has no `.runnel/`.
  static Workspace get(const std::string& dir);

  const std::string& name() const;
  const std::string& root() const;  // absolute folder holding .runnel/
  std::string runnel_dir() const;   // root()/.runnel

  Datastore get_default_datastore() const;
  // Every registered datastore by name.
  std::map<std::string, Datastore> datastores() const;

  // The workspace configuration (.runnel/config.json) as JSON text, and one value from
  // it by dotted key ("snapshot.max_files"); "" when absent.
  std::string config_value(const std::string& dotted_key) const;

  // Internal: the metadata store. Owned by the workspace; valid while a handle lives.
  MetadataStore& store() const;

  struct Impl;

 private:
  explicit Workspace(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
  friend class Datastore;
  friend std::unique_ptr<MetadataStore>& internal::store_slot(const Workspace& ws);
};

}  // namespace runnel
