// runnel/datastore.h: a named place where data lives (DESIGN §1).
//
// At this stage every datastore is a local folder; `workspaceblobstore` (the default)
// and `workspacefilestore` live under .runnel/datastores/. Cheap value handle.
#pragma once

#include <memory>
#include <string>

namespace runnel {

class Workspace;

class Datastore {
 public:
  // The datastore called `name` in `ws`, as the SDK's Datastore(ws, name).
  // Throws Error(kNotFound) listing the datastores that exist.
  Datastore(const Workspace& ws, const std::string& name);

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }  // "local"
  // The absolute local folder of a local datastore.
  const std::string& root() const { return root_; }
  // Absolute local path of `relative` inside this datastore. Throws
  // Error(kInvalidArgument) if it escapes the datastore (`..`, absolute paths).
  std::string path(const std::string& relative) const;

 private:
  friend class Workspace;
  Datastore() = default;
  std::string name_;
  std::string type_;
  std::string root_;
};

}  // namespace runnel
