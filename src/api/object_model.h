// api/object_model.h: the shared state behind Step and PipelineData handles (internal).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runnel/pipeline.h"
#include "spec/pipeline_spec.h"

namespace runnel {

struct PipelineData::State {
  std::string name;
  std::string datastore;  // "" = default
  bool is_directory = true;
  std::weak_ptr<Step::State> producer;
  // OutputFileDatasetConfig: where it goes and what it registers as.
  std::string destination_path;  // "" = the step run's own folder
  OutputMode mode = OutputMode::kRwMount;
  bool overwrite = true;  // as_upload(overwrite); mount mode always replaces
  std::string register_name;
  std::string register_description;
  std::map<std::string, std::string> register_tags;
  bool register_tabular = false;  // set when a step lists this data as an output
};

struct Step::State {
  std::string name;
  std::string kind;  // "python_script" | "command"
  std::string script_name;
  std::string command;
  std::vector<Argument> arguments;
  std::string compute_target;
  RunConfiguration runconfig;
  std::vector<InputRef> inputs;
  std::vector<PipelineData> outputs;
  std::map<std::string, std::string> params;
  std::string source_directory;  // absolute, resolved at construction
  bool allow_reuse = true;
  std::string version;  // Options::version, fingerprinted
  std::vector<std::string> hash_paths;
  std::vector<DataPath> destinations;  // CommandStep::Options::destinations
  std::vector<std::shared_ptr<State>> run_after;
};

}  // namespace runnel
