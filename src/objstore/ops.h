// objstore/ops.h: what the CLI and the engine do with a remote datastore: upload and
// download paths, list, copy between any two datastores, and keep a datastore's local
// cache in step with the store for step inputs and datasets.
//
// Paths on a datastore are '/'-separated and relative; "" or "." is the whole datastore.
// A path names one object, or every object below it ("raw" → raw/...); a path with a glob
// (`*`, `?`) lists the objects under its fixed leading folder and keeps those it matches.
// Thread-safety: functions may be called concurrently; sync_cache serializes the updates of
// one datastore's cache within a process.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "objstore/object_store.h"
#include "runnel/workspace.h"

namespace runnel::objstore {

struct TransferCount {
  size_t files = 0;
  size_t skipped = 0;  // already there with the same content
  int64_t bytes = 0;
};

// Glob matching used for remote listings (the same rules as data/file_match).
using GlobMatch = std::function<bool(const std::string& pattern, const std::string& path)>;

// Local file or folder → `dest` on the remote datastore. Throws runnel::Error.
TransferCount upload_path(const Workspace& ws, const std::string& datastore,
                          const std::string& local, const std::string& dest, bool progress);
// `src` on the remote datastore → local file (one object) or folder.
TransferCount download_path(const Workspace& ws, const std::string& datastore,
                            const std::string& src, const std::string& local, bool progress,
                            const GlobMatch& glob);
// The objects `path` names. Throws Error(kNotFound) when it names none. Commit markers
// (publish_output) are read to hide uncommitted files; with `marker_cache` (a folder) a
// marker is fetched once per ETag and kept there, so a listing of unchanged data sends no GET
// of any object.
std::vector<ObjectInfo> list_path(ObjectStore& store, const std::string& path,
                                  const GlobMatch& glob, const std::string& where,
                                  const std::string& marker_cache = "");

// The folder where list_path keeps the commit markers it fetched of `datastore`.
std::string marker_cache_dir(const Workspace& ws, const std::string& datastore);

// A digest of what a listing says is at `path` (list_path's answer): every object's key
// relative to `path` with its listing_digest() (ETag, size, Content-MD5, version id), in key
// order, so the same objects give the same digest whatever order the store listed them in,
// and a renamed, resized, rewritten, added or removed object changes it. Reads nothing.
std::string listing_state_digest(const std::vector<ObjectInfo>& objects, const std::string& path);

// Removes every object `path` names on remote datastore `datastore` (one object, or all
// below it, commit markers included) and returns how many. Throws Error(kNotFound) when it
// names none, kInvalidArgument for "" or "." (the whole datastore is never removed at once).
size_t remove_path(const Workspace& ws, const std::string& datastore, const std::string& path);

// Copies `src_path` of datastore `src` to `dst_path` of `dst` (any kinds), skipping files
// whose content (MD5, or size and modification for local pairs) is already there.
TransferCount copy_path(const Workspace& ws, const std::string& src, const std::string& src_path,
                        const std::string& dst, const std::string& dst_path, bool progress,
                        const GlobMatch& glob);

// Makes the local cache of remote datastore `datastore` (Datastore::root()) hold what the
// store holds under `path`: one listing; an object whose listing digest (ETag, size, MD5,
// version) is the one recorded when its file was fetched, and whose cached file still has
// the size and modification time it was written with, is not fetched again; new and changed
// ones are downloaded (to a temporary name, verified, renamed: a reader holding the old file
// keeps it); local files under `path` with no object are removed. The index is
// .runnel/cache/datastore-index/<datastore>.json; one process at a time updates a datastore's
// cache (flock on <datastore>.lock). Returns files fetched, skipped (unchanged) and bytes
// fetched. Throws runnel::Error as the store does (kUnavailable, kInvalidArgument for refused
// credentials, kNotFound for a missing container or nothing at `path`).
TransferCount sync_cache(const Workspace& ws, const std::string& datastore, const std::string& path,
                         const GlobMatch& glob);

// Publishes a step's local output folder `local` at `path` on the remote datastore: removes
// `path`'s commit marker, uploads the files, then writes the marker (<path>/_RUNNEL_COMMITTED,
// a JSON manifest of the files and their MD5s) last. sync_cache/download treat a folder that
// has ever had a marker as absent while the marker is missing, and keep only the files
// the marker lists, so no runnel reader sees half an output.
void publish_output(const Workspace& ws, const std::string& datastore, const std::string& path,
                    const std::string& local);

// After publish_output: moves the local copy `local` into the datastore's cache at `path`
// and records the objects' listing digests (one listing), so that readers of the output in
// this workspace find it cached and fetch nothing. Returns the cached path (Datastore::path).
std::string adopt_into_cache(const Workspace& ws, const std::string& datastore,
                             const std::string& path, const std::string& local,
                             const GlobMatch& glob);

}  // namespace runnel::objstore
