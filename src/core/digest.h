// core/digest.h: content digests of files and folders, the inputs of runnel's
// reuse fingerprints (docs/design.md §6). Identical on every machine; independent of
// timestamps, owners and the folder's own location.
//
// Folder digest (a two-level Merkle tree), version "runnel-tree-v1":
//   leaf per entry = its content digest: SHA-256 of a regular file's bytes;
//   SHA-256 of a
//                    symlink's target text (links are never followed); 32 zero
//                    bytes for a directory (listed so that empty folders
//                    count).
//   root = SHA-256( "runnel-tree-v1\n" ||
//                   for each entry, sorted by relative path bytes (memcmp
//                   order):
//                     kind byte ('f' file, 'x' file with the owner exec bit,
//                     'l' symlink, 'd' directory) || relative path
//                     ('/'-separated, no "./") || '\0' || leaf digest (32 raw
//                     bytes) )
//   An empty folder's digest is therefore SHA-256("runnel-tree-v1\n").
// A single file's digest is its plain content SHA-256 (what `sha256sum`
// prints); its name and mode are not part of it. A root given as a symlink is
// followed; links inside are not. Sockets, FIFOs and devices inside a folder
// are refused (runnel::invalid_argument).
//
// Thread-safety: all functions may be called from any thread; digest_* hash on
// a pool of threads of their own and block until done. A StatCache passed in
// may be shared.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/ignore.h"
#include "core/sha256.h"
#include "core/stat_cache.h"

namespace runnel {

enum class EntryKind { kFile, kExecutable, kSymlink, kDirectory };

// "file", "executable", "symlink", "directory".
const char* entry_kind_name(EntryKind kind);

struct FileEntry {
  std::string path;  // relative to the root, '/'-separated; a single file: its base name
  EntryKind kind = EntryKind::kFile;
  uint64_t size = 0;      // bytes of a file; length of a symlink's target; 0 for a directory
  Digest digest;          // see above; zero until hashed
  FileStat stat;          // identity used by the stat cache (not part of any digest)
  bool via_link = false;  // a symlink stored as its target's content (snapshots): read following it
};

// What list_tree found: the entries to hash, sorted by path.
struct TreeListing {
  std::string root;
  bool is_file = false;  // the root is one file, not a folder
  std::vector<FileEntry> entries;
  uint64_t total_bytes = 0;  // sum of `size` over files and symlinks
  uint64_t file_count = 0;   // files and symlinks (directories not counted)
};

struct TreeDigest {
  Digest digest;
  bool is_file = false;
  std::vector<FileEntry> files;  // every entry with its digest, sorted by path
  uint64_t total_bytes = 0;
  uint64_t file_count = 0;
  uint64_t hashed_files = 0;  // files read from disk (not answered by the stat cache)
  uint64_t hashed_bytes = 0;
};

// Walks `path` (a folder or a single file), leaving out what `ignore` excludes
// (nullptr: nothing) and never descending into an excluded folder. Reads no
// file contents except symlink targets. Throws runnel::io_error naming the path
// if it does not exist or a folder cannot be read; runnel::invalid_argument for
// a socket, FIFO or device inside.
TreeListing list_tree(const std::string& path, const IgnoreMatcher* ignore = nullptr);

// Fills in the digests of `listing` (asking `cache` first, if given, and
// recording what it hashed) on `threads` threads (0: one per core), and
// computes the root digest. Throws runnel::io_error naming the file if one
// cannot be read.
TreeDigest digest_listing(TreeListing listing, StatCache* cache, size_t threads = 0);

// list_tree + digest_listing.
TreeDigest digest_path(const std::string& path, StatCache* cache,
                       const IgnoreMatcher* ignore = nullptr);

// The root digest of entries already hashed and sorted by path (the formula
// above).
Digest tree_digest(const std::vector<FileEntry>& sorted_entries);

// One difference between two file lists, for "why was this step not reused".
struct EntryChange {
  enum class Type { kAdded, kRemoved, kModified };  // kModified: content or kind differs
  Type type;
  std::string path;
};

// Differences between two sorted file lists (as in TreeDigest::files), sorted
// by path.
std::vector<EntryChange> diff_entries(const std::vector<FileEntry>& before,
                                      const std::vector<FileEntry>& after);

}  // namespace runnel
