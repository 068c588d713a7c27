// env/build.h: building an environment once into .runnel/envs/<digest>/ and finding it
// again.
//
// A build makes a virtual environment from the definition's interpreter (`python -m venv`,
// with --system-site-packages when asked for), installs its packages with
// `python -m pip install` and the effective pip options, records `pip freeze`, and only
// then writes the marker `<prefix>/.runnel-env.json`: a folder without the marker is never
// used (a killed or failed build is removed and retried next time). One build per digest at
// a time: builders take an exclusive lock on `.runnel/envs/<digest>.lock` (flock, released
// when the process ends); one that has to wait says so through `progress`. The log of the
// last build stays in `.runnel/envs/logs/<digest>.log`.
//
// Thread-safety: ensure_built() may be called from several threads and processes at once.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "env/definition.h"

namespace runnel::env {

struct BuiltEnvironment {
  std::string digest;
  std::string prefix;               // .runnel/envs/<digest>
  std::string python;               // <prefix>/bin/python
  std::string bin_dir;              // <prefix>/bin (first on the step's PATH)
  std::vector<std::string> freeze;  // `pip freeze --all` of the result, "name==version", sorted
  bool built_now = false;           // false when it was there already
  double build_seconds = 0;
};

struct BuildRequest {
  std::string envs_dir;  // .runnel/envs
  std::string label;     // "NAME version N" for messages
  EnvDefinition definition;
  std::string python_version;  // of definition.python ("3.11.2")
  PipOptions workspace_pip;    // from the workspace config; the definition's own win
  std::function<void(std::string_view)> progress;  // one line at a time; may be empty
};

// The digest, prefix and effective pip options a request builds to (computes, builds nothing).
std::string request_digest(const BuildRequest& r);

// Returns the built environment, building it first when needed. Throws
// Error(kInvalidArgument) when the build fails (the message holds the failed command, the
// tail of its output and the log path) or a conda file is given with no conda, mamba or
// micromamba on PATH (naming them, and the pip route for the file's pip section).
BuiltEnvironment ensure_built(const BuildRequest& r);

// The built environment of `digest` when it is complete, else an empty prefix. Records
// the use (the marker's mtime) when `touch`.
BuiltEnvironment find_built(const std::string& envs_dir, const std::string& digest, bool touch);

struct PruneResult {
  std::vector<std::string> removed;  // digests
  std::vector<std::string> kept;
};
// Removes built environments not used for `unused_for_s` seconds whose digest is not in
// `keep`, plus unfinished builds; skips any whose lock another process holds.
PruneResult prune(const std::string& envs_dir, int64_t unused_for_s,
                  const std::vector<std::string>& keep);

}  // namespace runnel::env
