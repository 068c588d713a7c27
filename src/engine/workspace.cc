// The Workspace and Datastore handles (include/runnel/workspace.h, datastore.h).
#include "runnel/workspace.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "engine/workspace_impl.h"
#include "runnel/error.h"
#include "store/open_store.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace runnel {

namespace {

constexpr const char* kDefaultDatastore = "workspaceblobstore";

json default_config(const std::string& name) {
  json c;
  c["name"] = name;
  c["version"] = 1;
  c["default_datastore"] = kDefaultDatastore;
  c["datastores"] = {
      {"workspaceblobstore", {{"type", "local"}, {"root", "datastores/workspaceblobstore"}}},
      {"workspacefilestore", {{"type", "local"}, {"root", "datastores/workspacefilestore"}}},
  };
  c["snapshot"] = {{"max_bytes", 300LL * 1000 * 1000}, {"max_files", 2000}};
  return c;
}

std::shared_ptr<Workspace::Impl> open_impl(const std::string& root) {
  auto impl = std::make_shared<Workspace::Impl>();
  impl->root = root;
  impl->runnel_dir = root + "/.runnel";
  std::string cfg_path = impl->runnel_dir + "/config.json";
  try {
    impl->config = json::parse(read_file(cfg_path));
  } catch (const json::exception& e) {
    throw corruption(cfg_path + ": not valid JSON (" + e.what() +
                     "); fix the file or move it away and run `runnel init` again");
  }
  impl->name = impl->config.value("name", fs::path(root).filename().string());
  // The metadata store: RUNNEL_DB (set by `runnel serve --db`), else the config's "db",
  // else the workspace's SQLite file.
  std::string db_url, where;
  if (const char* env = std::getenv("RUNNEL_DB"); env && *env) {
    db_url = env;
    where = "RUNNEL_DB (or runnel serve --db)";
  } else if (impl->config.contains("db") && impl->config["db"].is_string()) {
    db_url = impl->config["db"].get<std::string>();
    where = cfg_path + ": \"db\"";
  }
  impl->store = open_store(db_url, impl->runnel_dir + "/metadata.db", where);
  return impl;
}

}  // namespace

Workspace Workspace::create(const std::string& dir, const std::string& name) {
  std::string root = absolute_path(dir);
  std::string rdir = root + "/.runnel";
  std::string cfg_path = rdir + "/config.json";
  if (!path_exists(cfg_path)) {
    make_dirs(rdir);
    json cfg = default_config(name.empty() ? fs::path(root).filename().string() : name);
    for (auto& [ds_name, ds] : cfg["datastores"].items())
      make_dirs(rdir + "/" + ds["root"].get<std::string>());
    for (const char* sub : {"runs", "snapshots", "cache"}) make_dirs(rdir + "/" + sub);
    write_file_atomic(cfg_path, cfg.dump(2) + "\n");
  }
  return Workspace(open_impl(root));
}

Workspace Workspace::get(const std::string& dir) {
  std::string root = absolute_path(dir);
  if (!path_exists(root + "/.runnel/config.json"))
    throw not_found("no runnel workspace at " + root +
                    " (no .runnel/config.json); create one with `runnel init " + dir + "`");
  return Workspace(open_impl(root));
}

Workspace Workspace::from_config(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) return get(explicit_dir);
  if (const char* env = std::getenv("RUNNEL_WORKSPACE"); env && *env) return get(env);
  fs::path p = fs::current_path();
  while (true) {
    if (path_exists((p / ".runnel" / "config.json").string()))
      return Workspace(open_impl(p.string()));
    if (p == p.root_path() || p.parent_path() == p) break;
    p = p.parent_path();
  }
  throw not_found("no runnel workspace found in " + fs::current_path().string() +
                  " or any parent folder; create one with `runnel init`, or pass "
                  "--workspace DIR / set RUNNEL_WORKSPACE");
}

const std::string& Workspace::name() const { return impl_->name; }
const std::string& Workspace::root() const { return impl_->root; }
std::string Workspace::runnel_dir() const { return impl_->runnel_dir; }
MetadataStore& Workspace::store() const { return *impl_->store; }
MetadataStore& internal::store_of(const Workspace& ws) { return ws.store(); }
std::unique_ptr<MetadataStore>& internal::store_slot(const Workspace& ws) {
  return ws.impl_->store;
}

Datastore Workspace::get_default_datastore() const {
  return Datastore(*this, impl_->config.value("default_datastore", kDefaultDatastore));
}

std::map<std::string, Datastore> Workspace::datastores() const {
  std::map<std::string, Datastore> out;
  for (auto& [name, _] : impl_->config["datastores"].items())
    out.emplace(name, Datastore(*this, name));
  return out;
}

std::string Workspace::config_value(const std::string& dotted_key) const {
  const json* node = &impl_->config;
  size_t start = 0;
  while (start <= dotted_key.size()) {
    size_t dot = dotted_key.find('.', start);
    std::string part =
        dotted_key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object() || !node->contains(part)) return "";
    node = &(*node)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (node->is_string()) return node->get<std::string>();
  return node->dump();
}

Datastore::Datastore(const Workspace& ws, const std::string& name) {
  const json& all = ws.impl_->config["datastores"];
  if (!all.contains(name)) {
    std::string known;
    for (auto& [n, _] : all.items()) known += (known.empty() ? "" : ", ") + n;
    throw not_found("datastore '" + name + "' is not registered in workspace " + ws.root() +
                    " (known: " + known + ")");
  }
  const json& d = all[name];
  name_ = name;
  type_ = d.value("type", "local");
  root_ = type_ == "local"
              ? absolute_path(d.value("root", "datastores/" + name), ws.runnel_dir())
              : ws.runnel_dir() + "/cache/datastores/" + name;  // a remote one's local cache
  settings_json_ = d.dump();
}

std::string Datastore::path(const std::string& relative) const {
  fs::path rel(relative);
  if (rel.is_absolute())
    throw invalid_argument("path '" + relative + "' on datastore " + name_ +
                           " must be relative to the datastore");
  std::string p = absolute_path(relative, root_);
  if (p != root_ && p.rfind(root_ + "/", 0) != 0)
    throw invalid_argument("path '" + relative + "' escapes datastore " + name_ +
                           " (it resolves outside " + root_ + "); remove the '..'");
  return p;
}

}  // namespace runnel
