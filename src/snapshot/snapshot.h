// snapshot/snapshot.h: content-addressed code snapshots, the copy of a step's
// code folder that a run executes and keeps (docs/design.md §3, §5, §6).
//
// create_snapshot walks the folder once, honouring its root ignore file
// (.runnelignore, else .amlignore, else .gitignore; see core/ignore.h) and
// always leaving out every `.git` and
// `.runnel` entry (nothing else, not even __pycache__, is left out unless the
// ignore file says so). It checks the size limits before reading any file,
// computes the folder digest (core/digest.h) from that same file list, and
// stores the folder once, as
// `<snapshots_root>/<digest hex>.tar.zst`: a pax/ustar tar compressed with
// zstd, entries sorted by path, mtime 0, uid/gid 0, no user names, modes
// 0644/0755 (files), 0755 (dirs) and symlinks as links. The archive is written
// to a temporary file in the same folder, fsynced, then renamed into place; if
// the archive for that digest already exists nothing is written. Files are
// hashed again while they are archived, so a file that changed between digest
// and archive is reported instead of being stored under a wrong digest.
//
// Thread-safety: all functions may run concurrently, also in several processes
// on the same snapshots folder (the rename makes the last writer of identical
// bytes win).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/digest.h"
#include "core/ignore.h"
#include "core/stat_cache.h"

namespace runnel {

// Azure ML's defaults: 300 MB and 2,000 files. 0 means "no limit". The engine
// fills these from the workspace keys snapshot.max_bytes / snapshot.max_files
// and clears max_files when RUNNEL_SNAPSHOT_NO_FILE_LIMIT is set.
struct SnapshotLimits {
  uint64_t max_bytes = 300ull * 1024 * 1024;
  uint64_t max_files = 2000;
};

struct SnapshotInfo {
  Digest digest;                 // folder digest of what was stored
  std::string archive_path;      // <snapshots_root>/<digest hex>.tar.zst
  bool created = false;          // false: an identical snapshot was already stored
  uint64_t file_count = 0;       // files and symlinks stored
  uint64_t total_bytes = 0;      // their uncompressed size
  std::string ignore_file;       // ".runnelignore", ".amlignore", ".gitignore" or ""
  std::vector<FileEntry> files;  // every stored entry with its digest, sorted by path
};

// The matcher create_snapshot uses: the folder's root ignore file plus `.git`
// and `.runnel`. Throws runnel::io_error if the ignore file cannot be read.
IgnoreMatcher snapshot_ignore(const std::string& code_dir);

// Snapshots `code_dir` into `snapshots_root` (created if missing); see above.
// `cache` (optional) answers digests of unchanged files. Throws
// runnel::invalid_argument if a limit is exceeded (the message lists the
// largest files and folders, ignore lines that would fix it and how to raise
// the limits); runnel::io_error naming the path if the folder cannot be read, a
// file changed while it was archived, or the archive cannot be written (then no
// partial archive is left behind).
SnapshotInfo create_snapshot(const std::string& code_dir, const std::string& snapshots_root,
                             const SnapshotLimits& limits = {}, StatCache* cache = nullptr);

// Restores the files, folders and symlinks of a snapshot archive under
// `dest_dir` (created if missing) with their exec bits; file times are the
// extraction time. Entries with absolute paths, ".." or that would write
// through a symlink are refused. Throws runnel::io_error naming the archive or
// the file that could not be written, and runnel::corruption if the archive is
// damaged.
void extract_snapshot(const std::string& archive_path, const std::string& dest_dir);

// Throws runnel::invalid_argument (see create_snapshot) if `listing` exceeds
// `limits`. `ignore_file` is the ignore file in use, for the advice. Exposed
// for tests and callers that walk the folder themselves.
void check_snapshot_limits(const TreeListing& listing, const SnapshotLimits& limits,
                           const std::string& ignore_file);

}  // namespace runnel
