// runnel/module.h: the Azure ML SDK's modules (azureml.pipeline.core.module) in C++:
// Module, ModuleVersion, InputPortDef, OutputPortDef and ModuleStep, on top of registered
// components (`runnel component ...`, docs/design.md §1).
//
// @code
//   auto ws = runnel::Workspace::from_config();
//   runnel::Module m = runnel::Module::create(ws, "scale", "scales a column");
//   runnel::ModuleVersion v1 = m.publish_python_script({
//       .script_name = "scale.py", .description = "v1",
//       .inputs = {{.name = "raw"}}, .outputs = {{.name = "scaled"}},
//       .params = {{"factor", "2"}}, .version = "1", .is_default = true,
//       .source_directory = "scale_src"});
//   runnel::PipelineData raw_out("scaled", ws.get_default_datastore());
//   runnel::ModuleStep step({.module = m, .inputs_map = {{"raw", ds.as_named_input("raw")}},
//                            .outputs_map = {{"scaled", raw_out}},
//                            .arguments = {"--in", ds.as_named_input("raw"), "--out", raw_out}});
// @endcode
//
// A published version is a registered command component NAME:VERSION whose code is the
// source directory as it was when published (copied), whose command is `python SCRIPT`,
// and whose inputs are the ports and the params (strings with their defaults). Versions are
// immutable, as components are. A ModuleStep runs that snapshot as a PythonScriptStep, so
// it is reused like one: a second run with the same inputs reuses it.
// Handles are values; registry calls read and write the workspace (multi-process safe).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runnel/pipeline.h"
#include "runnel/workspace.h"

namespace runnel {

struct InputPortDef {
  std::string name;
  std::vector<std::string> data_types;           // recorded, e.g. {"AnyDirectory"}
  std::string default_datastore_mode = "mount";  // "mount" | "download"
  bool is_optional = false;
  std::string label;
};

struct OutputPortDef {
  std::string name;
  std::string default_datastore_name;
  std::string default_datastore_mode = "mount";  // "mount" | "upload"
  bool is_directory = true;
  std::string label;
};

class ModuleVersion {
 public:
  // Module NAME's version VERSION ("" = the module's default version, else the latest).
  // Throws Error(kNotFound) naming what exists.
  static ModuleVersion get(const Workspace& ws, const std::string& name,
                           const std::string& version = "");

  const std::string& module_name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& description() const { return description_; }
  const std::string& script_name() const { return script_name_; }
  const std::string& source_directory() const { return source_directory_; }  // the snapshot
  const std::vector<InputPortDef>& inputs() const { return inputs_; }
  const std::vector<OutputPortDef>& outputs() const { return outputs_; }
  const std::map<std::string, std::string>& params() const { return params_; }  // defaults

 private:
  std::string name_, version_, description_, script_name_, source_directory_;
  std::vector<InputPortDef> inputs_;
  std::vector<OutputPortDef> outputs_;
  std::map<std::string, std::string> params_;
  friend struct ModuleAccess;
};

class Module {
 public:
  // Creates module `name` (Error(kAlreadyExists) if it exists), or with get() opens one.
  static Module create(const Workspace& ws, const std::string& name,
                       const std::string& description = "");
  static Module get(const Workspace& ws, const std::string& name);

  struct PublishOptions {
    std::string script_name;  // relative to source_directory
    std::string description;
    std::vector<InputPortDef> inputs;
    std::vector<OutputPortDef> outputs;
    std::map<std::string, std::string> params;  // name -> default value
    std::string version;                        // "" = the next whole number
    bool is_default = false;                    // the first version is the default anyway
    std::string source_directory;               // default: the current folder
  };
  // Publishes a version: registers the component (Error(kAlreadyExists) when the version
  // exists with other content; the same content again returns it).
  ModuleVersion publish_python_script(const PublishOptions& o) const;

  // `version` "" = the default version.
  ModuleVersion resolve(const std::string& version = "") const;
  std::vector<std::string> versions() const;  // oldest first
  std::string default_version() const;        // "" when nothing is published
  void set_default_version(const std::string& version) const;

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const Workspace& workspace() const { return ws_; }

 private:
  Module(Workspace ws, std::string name, std::string description)
      : ws_(std::move(ws)), name_(std::move(name)), description_(std::move(description)) {}
  Workspace ws_;
  std::string name_, description_;
};

// Runs a module version as a pipeline step (the SDK's ModuleStep).
class ModuleStep : public Step {
 public:
  struct Options {
    std::optional<Module> module;  // with `version` ("" = default), or:
    std::string version;
    std::optional<ModuleVersion> module_version;
    std::map<std::string, InputRef> inputs_map;       // input port -> data
    std::map<std::string, PipelineData> outputs_map;  // output port -> data
    std::string compute_target;
    RunConfiguration runconfig;
    std::vector<Argument> arguments;
    std::map<std::string, std::string> params;  // over the module's defaults
    std::string name;                           // default: the module's name
  };
  // Throws Error(kInvalidArgument) for a port or param the module does not declare, a
  // required input port left unmapped, or neither/both of module and module_version.
  explicit ModuleStep(Options options);
};

}  // namespace runnel
