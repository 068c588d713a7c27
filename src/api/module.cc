// Module, ModuleVersion and ModuleStep (runnel/module.h) on top of registered components.
#include "runnel/module.h"

#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "assets/component_registry.h"
#include "core/fs.h"
#include "runnel/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace runnel {

struct ModuleAccess {
  static ModuleVersion from_component(const assets::ComponentVersion& c) {
    json doc;
    try {
      doc = json::parse(read_file(c.file));
    } catch (const json::exception& e) {
      throw corruption(c.file + ": not a stored component (" + e.what() + ")");
    }
    ModuleVersion v;
    v.name_ = c.name;
    v.version_ = c.version;
    v.description_ = c.description;
    v.source_directory_ = c.dir + "/code";
    json props = doc.value("properties", json::object());
    v.script_name_ = props.value("module.script_name", "");
    if (v.script_name_.empty()) {
      // A component registered from YAML: `python SCRIPT ...` names the script.
      std::string cmd = doc.value("command", "");
      if (cmd.rfind("python ", 0) == 0) v.script_name_ = cmd.substr(7, cmd.find(' ', 7) - 7);
    }
    const json inputs = doc.value("inputs", json::object());  // kept alive for the loops
    const json outputs = doc.value("outputs", json::object());
    for (auto& [n, d] : inputs.items()) {
      std::string type = d.value("type", "string");
      if (type == "uri_folder" || type == "uri_file" || type == "mltable") {
        InputPortDef p;
        p.name = n;
        p.is_optional = d.value("optional", false);
        p.default_datastore_mode = d.value("mode", "ro_mount") == "download" ? "download" : "mount";
        v.inputs_.push_back(p);
      } else {
        v.params_[n] =
            d.contains("default")
                ? (d["default"].is_string() ? d["default"].get<std::string>() : d["default"].dump())
                : "";
      }
    }
    for (auto& [n, d] : outputs.items()) {
      OutputPortDef p;
      p.name = n;
      p.is_directory = d.value("type", "uri_folder") != "uri_file";
      p.default_datastore_mode = d.value("mode", "rw_mount") == "upload" ? "upload" : "mount";
      v.outputs_.push_back(p);
    }
    return v;
  }
};

namespace {

std::string module_file(const Workspace& ws, const std::string& name) {
  return ws.runnel_dir() + "/assets/components/" + name + "/module.json";
}

json read_module(const Workspace& ws, const std::string& name) {
  std::string f = module_file(ws, name);
  if (!path_exists(f)) return json::object();
  return json::parse(read_file(f), nullptr, false);
}

void write_module(const Workspace& ws, const std::string& name, const json& j) {
  make_dirs(fs::path(module_file(ws, name)).parent_path().string());
  write_file_atomic(module_file(ws, name), j.dump(2) + "\n");
}

}  // namespace

ModuleVersion ModuleVersion::get(const Workspace& ws, const std::string& name,
                                 const std::string& version) {
  std::string v = version;
  if (v.empty()) v = read_module(ws, name).value("default_version", "");
  return ModuleAccess::from_component(assets::get_component(ws, name, v));
}

Module Module::create(const Workspace& ws, const std::string& name,
                      const std::string& description) {
  if (path_exists(module_file(ws, name)) || !assets::component_versions(ws, name).empty())
    throw already_exists("module '" + name +
                         "' already exists; open it with Module.get(workspace, name='" + name +
                         "') or choose another name");
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
    throw invalid_argument("module name '" + name +
                           "' is not valid: use letters, digits, '_', '-' and '.'");
  write_module(ws, name,
               {{"name", name},
                {"description", description},
                {"default_version", ""},
                {"status", "Active"}});
  return Module(ws, name, description);
}

Module Module::get(const Workspace& ws, const std::string& name) {
  json j = read_module(ws, name);
  if (j.empty() && assets::component_versions(ws, name).empty())
    throw not_found("no module called '" + name +
                    "' exists; create it with Module.create(workspace, '" + name + "')");
  return Module(ws, name, j.value("description", ""));
}

ModuleVersion Module::publish_python_script(const PublishOptions& o) const {
  if (o.script_name.empty())
    throw invalid_argument("publish_python_script: script_name is required");
  std::string src = absolute_path(o.source_directory.empty() ? "." : o.source_directory);
  if (!path_exists(src + "/" + o.script_name))
    throw not_found("publish_python_script: " + o.script_name + " is not in source_directory " +
                    src);
  json inputs = json::object(), outputs = json::object();
  for (const auto& p : o.inputs) {
    inputs[p.name] = {{"type", "uri_folder"},
                      {"optional", p.is_optional},
                      {"mode", p.default_datastore_mode == "download" ? "download" : "ro_mount"}};
  }
  for (const auto& [k, v] : o.params) {
    if (inputs.contains(k))
      throw invalid_argument("publish_python_script: '" + k +
                             "' is both an input port and a param");
    inputs[k] = {{"type", "string"}, {"default", v}};
  }
  for (const auto& p : o.outputs)
    outputs[p.name] = {{"type", p.is_directory ? "uri_folder" : "uri_file"},
                       {"mode", p.default_datastore_mode == "upload" ? "upload" : "rw_mount"}};
  json doc = {{"name", name_},
              {"type", "command"},
              {"description", o.description},
              {"code", src},
              {"command", "python " + o.script_name},
              {"inputs", inputs},
              {"outputs", outputs},
              {"properties", {{"module.script_name", o.script_name}}}};
  if (!o.version.empty()) doc["version"] = o.version;
  std::random_device rd;
  std::string tmp =
      ws_.runnel_dir() + "/tmp/module-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  make_dirs(tmp);
  struct Cleanup {
    std::string dir;
    ~Cleanup() { remove_all(dir); }
  } cleanup{tmp};
  write_file_atomic(tmp + "/component.yml", doc.dump(2) + "\n");
  auto r = assets::create_component(ws_, tmp + "/component.yml", {});
  json m = read_module(ws_, name_);
  if (m.empty()) m = {{"name", name_}, {"description", description_}, {"status", "Active"}};
  if (o.is_default || m.value("default_version", "").empty())
    m["default_version"] = r.component.version;
  write_module(ws_, name_, m);
  return ModuleAccess::from_component(r.component);
}

ModuleVersion Module::resolve(const std::string& version) const {
  return ModuleVersion::get(ws_, name_, version);
}

std::vector<std::string> Module::versions() const {
  std::vector<std::string> out;
  for (const auto& c : assets::component_versions(ws_, name_)) out.push_back(c.version);
  return out;
}

std::string Module::default_version() const {
  std::string v = read_module(ws_, name_).value("default_version", "");
  if (v.empty()) {
    auto all = versions();
    if (!all.empty()) v = all.back();
  }
  return v;
}

void Module::set_default_version(const std::string& version) const {
  assets::get_component(ws_, name_, version);  // throws for an unknown version
  json m = read_module(ws_, name_);
  m["name"] = name_;
  m["default_version"] = version;
  write_module(ws_, name_, m);
}

ModuleStep::ModuleStep(Options o) {
  if (o.module.has_value() == o.module_version.has_value())
    throw invalid_argument(
        "ModuleStep: give exactly one of module (with version) or module_version");
  ModuleVersion mv = o.module_version ? *o.module_version : o.module->resolve(o.version);
  auto ports = [](const auto& defs) {
    std::string s;
    for (const auto& d : defs) s += (s.empty() ? "" : ", ") + d.name;
    return s.empty() ? std::string("none") : s;
  };
  PythonScriptStep::Options p;
  p.script_name = mv.script_name();
  p.name = o.name.empty() ? mv.module_name() : o.name;
  p.arguments = std::move(o.arguments);
  p.compute_target = o.compute_target;
  p.runconfig = o.runconfig;
  p.source_directory = mv.source_directory();
  p.version = mv.version();
  for (const auto& [port, data] : o.inputs_map) {
    bool known = false;
    for (const auto& d : mv.inputs()) known = known || d.name == port;
    if (!known)
      throw invalid_argument("ModuleStep '" + p.name + "': module " + mv.module_name() + ":" +
                             mv.version() + " has no input port '" + port +
                             "' (its ports: " + ports(mv.inputs()) + ")");
    if (auto* pd = std::get_if<PipelineData>(&data.value())) {
      p.inputs.push_back(pd->is_input() ? *pd : pd->as_input(port));
    } else {
      DatasetConsumptionConfig c = std::get<DatasetConsumptionConfig>(data.value());
      c.name = port;  // the port names the input inside the step
      p.inputs.push_back(c);
    }
  }
  for (const auto& d : mv.inputs())
    if (!d.is_optional && !o.inputs_map.count(d.name))
      throw invalid_argument("ModuleStep '" + p.name + "': required input port '" + d.name +
                             "' is not in inputs_map; map it to data");
  for (const auto& [port, data] : o.outputs_map) {
    bool known = false;
    for (const auto& d : mv.outputs()) known = known || d.name == port;
    if (!known)
      throw invalid_argument("ModuleStep '" + p.name + "': module " + mv.module_name() + ":" +
                             mv.version() + " has no output port '" + port +
                             "' (its ports: " + ports(mv.outputs()) + ")");
    p.outputs.push_back(data);
  }
  p.params = mv.params();
  for (const auto& [k, v] : o.params) {
    if (!mv.params().count(k))
      throw invalid_argument("ModuleStep '" + p.name + "': module " + mv.module_name() + ":" +
                             mv.version() + " has no param '" + k + "'");
    p.params[k] = v;
  }
  state_ = PythonScriptStep(std::move(p)).state();
}

}  // namespace runnel
