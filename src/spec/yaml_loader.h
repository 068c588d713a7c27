// spec/yaml_loader.h: reads an Azure ML v2 pipeline-job YAML file (type: pipeline, with
// command jobs inline or as `component: ./file.yml`) into a runnel::PipelineSpec.
//
// What it accepts, and how references resolve, is described in docs/design.md §4; local paths
// are made absolute against the YAML file's folder and must exist. The result has been
// checked by validate_pipeline() (spec/validate.h).
// Stateless functions; thread-safe (they only read files).
#pragma once

#include <string>

#include "spec/pipeline_spec.h"

namespace runnel {

struct LoadOptions {
  // Unknown keys where Azure ML only warns (`settings:`) are errors instead of warnings.
  bool strict = false;
};

// Loads and validates the pipeline file at `path`. On any problem throws
// runnel::invalid_argument whose message reads
// "<file>:<line>:<col>: <key path>: <what is wrong>; <what to do>" (no "error:" prefix).
// Warnings and notes (keys ignored as Azure ML ignores them, keys accepted but not honoured)
// are in the result's `load_messages`, for the caller to show.
PipelineSpec load_pipeline_yaml(const std::string& path, const LoadOptions& options = {});

// The same for YAML `text`, as if read from `virtual_path` (messages name it and relative
// paths resolve against its folder, made absolute from the current directory).
PipelineSpec load_pipeline_yaml_string(const std::string& text, const std::string& virtual_path,
                                       const LoadOptions& options = {});

}  // namespace runnel
