// engine/environment.h: what a step's process gets from its environment.
//
// At this stage an environment is a Python interpreter plus variables, registered with
// `runnel env create NAME --python PATH`. The default environment runs `python` as
// /usr/bin/python3 when that exists (else the `python3` on PATH).
// resolve_environment() prepares (once, cached under .runnel/cache/envs/) a bin folder
// whose `python`/`python3` point at the interpreter; steps get it first on PATH.
// Thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runnel/workspace.h"

namespace runnel {

struct ResolvedEnvironment {
  std::string name;     // "" for the default
  int version = 0;
  std::string python;   // absolute interpreter path ("" when none could be found)
  std::string bin_dir;  // folder with python/python3 links, prepended to PATH
  std::map<std::string, std::string> variables;
  std::string digest;   // over interpreter path, version, packages, variables (for reuse)
  std::string python_version;  // "3.11.2" ("" when unknown)
  std::vector<std::string> packages;  // installed distributions "name-version", sorted
  std::string packages_digest;
};

// Resolves `name` ("" = default; "name:version" accepted). Throws Error(kNotFound) when
// the name is not registered, naming the environments that exist and how to add one.
ResolvedEnvironment resolve_environment(const Workspace& ws, const std::string& name);

// The folder of runnel's step-side Python package (python/), for PYTHONPATH.
std::string runnel_python_dir();

}  // namespace runnel
