// data/remote_sync.h: bringing the local cache of an object-store datastore (Azure Blob,
// S3) in step with the store before data on it is read: step inputs on a datastore path,
// datasets whose files live there, and committed outputs checked for reuse.
//
// The cache of remote datastore D is D.root() (.runnel/cache/datastores/D/): the objects'
// keys as files, each downloaded once and kept while the object's listing identity (ETag,
// size, Content-MD5, version id; objstore/ops.h sync_cache) is unchanged. A remote input
// therefore costs one listing when nothing changed, and its content digest (core/digest.h,
// with the stat cache) is the digest of exactly the bytes the step reads: a blob changed
// behind the same path changes the digest (its consumers rerun), an unchanged one does not.
// Thread-safety: as sync_cache (one datastore's cache is updated by one caller at a time,
// across processes too).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runnel/workspace.h"
#include "spec/pipeline_spec.h"

namespace runnel::internal {

struct RemoteSync {
  size_t objects = 0;  // objects the listing named
  size_t fetched = 0;  // of them, downloaded now (new or changed)
  int64_t bytes = 0;   // bytes downloaded
};

// Syncs `pattern` (a path or glob) of datastore `datastore`; a no-op for a local one.
// Throws runnel::Error with the store's code (kUnavailable: the endpoint does not answer;
// kInvalidArgument: credentials refused; kNotFound: no container/bucket, or nothing at the
// path) and a message naming the datastore, its endpoint, the path and what to do. Secrets
// never appear in it.
RemoteSync sync_datastore_path(const Workspace& ws, const std::string& datastore,
                               const std::string& pattern);

// Syncs every source of a registered dataset (kDataset input) that lies on a remote
// datastore. Throws as sync_datastore_path and as load_state.
RemoteSync sync_dataset_sources(const Workspace& ws, const InputSource& dataset_source);

// When `local_path` lies in a remote datastore's cache: syncs the datastore path it stands
// for and returns true; false (and nothing done) otherwise.
bool sync_if_remote_path(const Workspace& ws, const std::string& local_path);

// What object-store datastore `datastore` holds at `path` now, from one listing (no object
// is read; objstore::listing_state_digest): how many objects, and a digest of their names,
// sizes, ETags, Content-MD5s and version ids. nullopt when nothing is there or the
// container/bucket is gone. Throws runnel::Error as sync_datastore_path for an unreachable
// store (kUnavailable) or refused credentials (kInvalidArgument); kInvalidArgument as well
// for a local datastore.
struct RemoteListing {
  size_t objects = 0;
  std::string digest;  // 64 hex characters
};
std::optional<RemoteListing> list_remote_path(const Workspace& ws, const std::string& datastore,
                                              const std::string& path);

}  // namespace runnel::internal
