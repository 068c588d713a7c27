// spec/plan_cache.h: parsed pipeline files, cached by the content of every file they came
// from, so that re-running an unchanged pipeline does not parse its YAML again.
//
// An entry (one JSON file per pipeline path in `cache_dir`) holds the loaded, validated
// spec (spec_json.h), the loader's messages, and what the load consulted (LoadTrace in
// spec/yaml_util.h): every file read, with the SHA-256 of its content, and every path
// whose kind it checked (a code folder, a local input). A lookup reads and hashes those
// files again and re-checks those paths; any difference is a miss and the file is loaded
// as usual. Loads that consult something other than files (registered components, URL
// inputs) are never cached. The key also covers the loader's options, the YAML size limit
// and the identity of the loading binary (its size and mtime), so a rebuilt runnel never
// reads an entry written by another build. A damaged entry is a miss, never an error.
// Thread-safe; concurrent writers replace the entry atomically (last one wins).
#pragma once

#include <string>

#include "spec/pipeline_spec.h"
#include "spec/yaml_loader.h"

namespace runnel {

// load_pipeline_yaml(path, options) through the cache in `cache_dir` (created when
// missing). Errors are those of load_pipeline_yaml; a cache that cannot be written is
// ignored. `hit` (when given) says whether the entry was used.
PipelineSpec load_pipeline_yaml_cached(const std::string& path, const LoadOptions& options,
                                       const std::string& cache_dir, bool* hit = nullptr);

}  // namespace runnel
