// core/confine.h: file operations confined beneath a root folder, decided on resolved paths
// (what the kernel would follow), never on the text of a path.
//
// A datastore or a step output is a folder tree that untrusted code (a step) may fill with
// symlinks. Everything that reads or writes inside such a tree on the user's behalf opens
// files through these calls, so that a link pointing outside cannot be used to read or write
// there:
//   - open_beneath() uses openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (Linux 5.6+):
//     links that stay beneath the root are followed, a link (or "..") leaving it fails with
//     EXDEV. Where openat2 is missing (ENOSYS) it walks the path one component at a time with
//     O_NOFOLLOW, which refuses every symlink (stricter, never looser).
//   - check_links_stay_inside() is the commit-time rule for step outputs: every symlink in the
//     tree must be relative and resolve inside the tree.
// Every failure is an Error naming the path, the root and what to do. Thread-safe (no shared
// state).
#pragma once

#include <sys/types.h>

#include <string>

#include "core/unique_fd.h"

namespace runnel {

// Opens `rel` (relative, '/'-separated) beneath the folder `root` with open(2) `flags` (and
// `mode` with O_CREAT). `root` itself is trusted (it may be a symlink). `what` names the tree
// in messages ("datastore workspaceblobstore"). Throws Error(kInvalidArgument) when `rel` is
// absolute or resolves outside `root` (a symlink or ".." leaving it), Error(kNotFound) when it
// does not exist, Error(kIo) otherwise.
UniqueFd open_beneath(const std::string& root, const std::string& rel, int flags,
                      const std::string& what, mode_t mode = 0644);

// Opens the folder `rel` beneath `root` (creating missing folders one at a time, each one
// resolved beneath `root`, when `create`); "" or "." is the root. Throws like open_beneath.
UniqueFd open_dir_beneath(const std::string& root, const std::string& rel, bool create,
                          const std::string& what);

// Throws Error(kInvalidArgument) unless the absolute `path` (existing or not: its longest
// existing prefix is resolved, symlinks included) lies beneath `root` (also resolved).
void check_resolves_beneath(const std::string& root, const std::string& path,
                            const std::string& what);

// The commit rule for a step output at `path` (a file or a folder): throws
// Error(kInvalidArgument) naming the first offending link when `path` is itself a symlink or
// holds a symlink that is absolute or whose target (followed through further links) resolves
// outside `path`. Relative links that stay inside are allowed (they keep working after the
// output is moved). Does not follow links while walking.
void check_links_stay_inside(const std::string& path, const std::string& what);

}  // namespace runnel
