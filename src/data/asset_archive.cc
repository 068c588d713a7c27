#include "data/asset_archive.h"

#include "store/metadata_store.h"

namespace runnel::internal {

namespace {
std::string key_of(const std::string& kind, const std::string& name, const std::string& version) {
  return "archived/" + kind + "/" + name + "/" + version;
}
}  // namespace

bool is_archived(const Workspace& ws, const std::string& kind, const std::string& name,
                 const std::string& version) {
  auto v = ws.store().get_value(key_of(kind, name, version));
  return v && *v == "1";
}

void set_archived(const Workspace& ws, const std::string& kind, const std::string& name,
                  const std::string& version, bool archived) {
  ws.store().set_value(key_of(kind, name, version), archived ? "1" : "0");
}

std::optional<EnvironmentRecord> latest_environment(const Workspace& ws, const std::string& name) {
  auto rec = ws.store().get_environment(name, 0);
  for (int v = rec ? rec->version : 0; v >= 1; --v) {
    auto r = v == rec->version ? rec : ws.store().get_environment(name, v);
    if (r && !is_archived(ws, "environment", name, std::to_string(v))) return r;
  }
  return std::nullopt;
}

}  // namespace runnel::internal
