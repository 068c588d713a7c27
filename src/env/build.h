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

// An environment that names an image and has pip packages (or a requirements file) runs
// in a derived image: `FROM <base>` plus one layer holding the packages, installed by the
// image's own `python3 -m pip install --target /opt/runnel/site` with the effective pip
// options (local --find-links folders are mounted into the build). The step gets
// /opt/runnel/site first on PYTHONPATH, so the environment's versions win over the image's.
// The tag is localhost/runnel-env:<16 hex> of a digest over the base image's ID, the
// packages, the requirements and the pip options; it is built once (a flock on
// .runnel/envs/images/<digest>.lock; podman never pulls: --pull=never), its log kept in
// .runnel/envs/logs/<digest>.image.log. Conda files are not installed into images.
struct ImageBuildRequest {
  std::string envs_dir;  // .runnel/envs
  std::string label;     // "environment 'NAME' version N" for messages
  std::string podman = "podman";
  std::vector<std::string> args;  // environments.podman.args; those `podman build` takes are kept
  std::string base;               // the image to build on (after image_map)
  EnvDefinition definition;
  PipOptions workspace_pip;
  std::function<void(std::string_view)> progress;
};
inline constexpr const char* kImageSitePackages = "/opt/runnel/site";

// An environment registered with a Docker build context (EnvDefinition::build_context)
// runs in the image `podman build --pull=never` makes of it, tagged image_of_context() (the
// context's digest): built once (a flock on .runnel/envs/images/<digest>.lock), its log in
// .runnel/envs/logs/<digest>.image.log. The Dockerfile's FROM image must be local (runnel
// never pulls). Returns the tag; throws Error(kInvalidArgument) with the command, the tail
// of its output and the log path when the build fails. Uses r.envs_dir, label, podman,
// args, definition and progress.
std::string ensure_image_from_context(const ImageBuildRequest& r);

// Returns the derived image's tag, building it first when podman does not have it.
// Throws Error(kInvalidArgument) when the base image cannot be inspected or the build
// fails (with the command, the tail of its output and the log path).
std::string ensure_image_with_packages(const ImageBuildRequest& r);

// The arguments of `podman run` that `podman build` also takes (--runtime, --ulimit,
// -v/--volume, --network, --security-opt, --cap-add, --device), in order.
std::vector<std::string> podman_build_args(const std::vector<std::string>& run_args);

struct PruneResult {
  std::vector<std::string> removed;  // digests
  std::vector<std::string> kept;
};
// Removes built environments not used for `unused_for_s` seconds whose digest is not in
// `keep`, plus unfinished builds; skips any whose lock another process holds.
PruneResult prune(const std::string& envs_dir, int64_t unused_for_s,
                  const std::vector<std::string>& keep);

}  // namespace runnel::env
