// engine/environment.h: what a step's process gets from its environment.
//
// An environment is a Python interpreter plus variables, registered with
// `runnel env create NAME --python PATH`, and optionally packages (`--pip`,
// `--requirements`, `--conda-file`; the full definition is in env/definition.h). The
// default environment runs `python` as /usr/bin/python3 when that exists (else the
// `python3` on PATH). For an interpreter-only environment resolve_environment() prepares
// (once, cached under .runnel/cache/envs/) a bin folder whose `python`/`python3` point at
// the interpreter; an environment with packages is built once into
// .runnel/envs/<digest>/ (env/build.h) and its bin folder is used. Steps get the bin
// folder first on PATH. Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "env/definition.h"
#include "env/image.h"
#include "runnel/workspace.h"
#include "store/metadata_store.h"

namespace runnel {

struct ResolvedEnvironment {
  std::string name;  // "" for the default
  int version = 0;
  std::string python;   // absolute interpreter path ("" when none could be found)
  std::string bin_dir;  // folder with python/python3 links, prepended to PATH
  std::map<std::string, std::string> variables;
  std::string digest;          // over interpreter path, version, packages, variables (for reuse)
  std::string python_version;  // "3.11.2" ("" when unknown)
  std::vector<std::string> packages;  // installed distributions "name-version", sorted
  std::string packages_digest;
  std::string build_digest;  // .runnel/envs/<digest> for a built environment, else ""
  std::string image;         // the container image the definition names ("" = none; env/image.h)
  // sha256 of a record_only definition's conda file (recorded, fingerprinted), or "".
  std::string conda_digest;
  // The stored definition (nullopt for the default and for versions saved without one).
  std::optional<env::EnvDefinition> definition;
};

// Resolves `name` ("" = default; "name:version" accepted), building it first when its
// definition has packages (progress lines go to stderr). Throws Error(kNotFound) when the
// name is not registered, naming the environments that exist and how to add one, and
// Error(kInvalidArgument) when a build fails (with the failed command and pip's output).
// With `curated` (the name is one of Azure ML's curated environments, which every Azure ML
// workspace has), a name that is not registered resolves to the default interpreter
// instead, and `fallback_note` says so.
ResolvedEnvironment resolve_environment(const Workspace& ws, const std::string& name,
                                        bool curated = false, std::string* fallback_note = nullptr);

// The container image the steps of `renv` (which names one) run in on a backend of `type`
// ("local", "slurm"), as env::decide_image decides under the workspace's `environments`
// settings: a Docker build context is built first (local only), and pip packages over an
// image go into a derived image; each is built once and cached, so a later call (a step,
// `runnel env build`, the SDK's Environment.build) finds it made. `warning` says why the
// steps would run on the host instead. Throws Error(kInvalidArgument) when a build fails
// and the policy does not let the steps run on the host.
env::ImageDecision prepare_image(const Workspace& ws, const ResolvedEnvironment& renv,
                                 const std::string& type);

// The definition of a stored version (versions saved without a definition file are an
// interpreter plus variables).
env::EnvDefinition stored_definition(const Workspace& ws, const EnvironmentRecord& r);

// Registers definition `d` as environment `name`: versions are immutable, so the same
// definition as the latest version returns that version (`*created` false), and a changed
// one becomes the next version, its definition saved beside it (env/definition.h).
// `version` > 0 (a v2 file's `version:`) registers exactly that version: the same
// definition there returns it, another one is refused (Error kAlreadyExists).
EnvironmentRecord register_environment(const Workspace& ws, const std::string& name,
                                       const env::EnvDefinition& d, bool* created = nullptr,
                                       int version = 0);

// pip.index_url, pip.extra_index_urls, pip.find_links and pip.no_index from the workspace
// config. Throws Error(kInvalidArgument) naming the key for a value of the wrong type.
env::PipOptions workspace_pip_options(const Workspace& ws);

// The folder of runnel's step-side Python package (python/), for PYTHONPATH.
std::string runnel_python_dir();

// The runnel CLI a step may run (run.parent.cancel() runs `runnel runs cancel`): $RUNNEL_BIN
// when executable, else this process when it is the CLI, else the one built beside the
// engine; "" when none is there.
std::string runnel_cli_path();

}  // namespace runnel
