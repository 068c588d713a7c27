// Syncing remote datastore caches before their data is read (data/remote_sync.h).
#include "data/remote_sync.h"

#include "data/file_match.h"
#include "data/registry.h"
#include "objstore/ops.h"
#include "objstore/remote.h"
#include "runnel/error.h"

namespace runnel::internal {

namespace {

std::string hint_for(ErrorCode code, const std::string& datastore) {
  switch (code) {
    case ErrorCode::kUnavailable:
      return "; start the service or fix the endpoint (runnel datastore show " + datastore +
             "), then run again";
    case ErrorCode::kInvalidArgument:
      return "; register the datastore again with working credentials (runnel datastore "
             "register " +
             datastore + " ... --overwrite)";
    case ErrorCode::kNotFound:
      return "; check the container/bucket and the path (runnel datastore ls --datastore " +
             datastore + ")";
    default:
      return "";
  }
}

}  // namespace

RemoteSync sync_datastore_path(const Workspace& ws, const std::string& datastore,
                               const std::string& pattern) {
  Datastore ds(ws, datastore);
  if (!ds.is_remote()) return {};
  std::string where = "datastore '" + datastore + "'";
  try {
    where += " (" + objstore::open_store(ws, datastore)->describe() + ")";
    auto c = objstore::sync_cache(
        ws, datastore, pattern,
        [](const std::string& p, const std::string& k) { return glob_match(p, k); });
    return {c.files + c.skipped, c.files, c.bytes};
  } catch (const Error& e) {
    throw Error(e.code(), objstore::redact(ws, where + ", path '" + pattern + "': " + e.what() +
                                                   hint_for(e.code(), datastore)));
  }
}

RemoteSync sync_dataset_sources(const Workspace& ws, const InputSource& src) {
  auto [name, version] = parse_dataset_ref(src.dataset);
  if (!src.version.empty() && src.version != "latest")
    version = parse_dataset_ref(name + ":" + src.version).second;
  auto st = load_state(ws, name, version);
  RemoteSync total;
  for (const auto& p : st->sources) {
    if (p.datastore.empty() || !Datastore(ws, p.datastore).is_remote()) continue;
    RemoteSync r = sync_datastore_path(ws, p.datastore, p.path);
    total.objects += r.objects;
    total.fetched += r.fetched;
    total.bytes += r.bytes;
  }
  return total;
}

std::optional<RemoteListing> list_remote_path(const Workspace& ws, const std::string& datastore,
                                              const std::string& path) {
  Datastore ds(ws, datastore);
  if (!ds.is_remote())
    throw invalid_argument("datastore '" + datastore + "' is local; it has no listing");
  std::string where = "datastore '" + datastore + "'";
  try {
    auto store = objstore::open_store(ws, datastore);
    where += " (" + store->describe() + ")";
    auto objects = objstore::list_path(
        *store, path, [](const std::string& p, const std::string& k) { return glob_match(p, k); },
        datastore, objstore::marker_cache_dir(ws, datastore));
    return RemoteListing{objects.size(), objstore::listing_state_digest(objects, path)};
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound) return std::nullopt;
    throw Error(e.code(), objstore::redact(ws, where + ", path '" + path + "': " + e.what() +
                                                   hint_for(e.code(), datastore)));
  }
}

bool sync_if_remote_path(const Workspace& ws, const std::string& local_path) {
  for (const auto& [name, ds] : ws.datastores()) {
    if (!ds.is_remote()) continue;
    const std::string& root = ds.root();
    if (local_path.rfind(root + "/", 0) != 0) continue;
    sync_datastore_path(ws, name, local_path.substr(root.size() + 1));
    return true;
  }
  return false;
}

}  // namespace runnel::internal
