// Module and ModuleVersion (runnel/module.h) for the Python SDK's
// azureml.pipeline.core.module; the SDK's ModuleStep is built in Python from a version's
// script and snapshot, as a PythonScriptStep.
#include <pybind11/stl.h>

#include "python/bindings.h"
#include "runnel/module.h"

namespace py = pybind11;
using namespace pybind11::literals;

namespace runnel::python {

namespace {

py::dict version_dict(const ModuleVersion& v) {
  py::list inputs, outputs;
  for (const auto& p : v.inputs())
    inputs.append(py::dict("name"_a = p.name, "default_datastore_mode"_a = p.default_datastore_mode,
                           "is_optional"_a = p.is_optional));
  for (const auto& p : v.outputs())
    outputs.append(py::dict("name"_a = p.name,
                            "default_datastore_mode"_a = p.default_datastore_mode,
                            "is_directory"_a = p.is_directory));
  return py::dict("name"_a = v.module_name(), "version"_a = v.version(),
                  "description"_a = v.description(), "script_name"_a = v.script_name(),
                  "source_directory"_a = v.source_directory(), "inputs"_a = inputs,
                  "outputs"_a = outputs, "params"_a = v.params());
}

}  // namespace

void bind_module(py::module_& m) {
  m.def("module_create",
        [](const Workspace& ws, const std::string& name, const std::string& description) {
          Module::create(ws, name, description);
        });
  m.def("module_get", [](const Workspace& ws, const std::string& name) {
    Module mod = Module::get(ws, name);
    return py::dict("name"_a = mod.name(), "description"_a = mod.description(),
                    "default_version"_a = mod.default_version(), "versions"_a = mod.versions());
  });
  m.def(
      "module_publish_python_script",
      [](const Workspace& ws, const std::string& name, const std::string& script_name,
         const std::string& description, const std::vector<py::dict>& inputs,
         const std::vector<py::dict>& outputs, const std::map<std::string, std::string>& params,
         const std::string& version, bool is_default, const std::string& source_directory) {
        Module::PublishOptions o;
        o.script_name = script_name;
        o.description = description;
        for (const auto& d : inputs) {
          InputPortDef p;
          p.name = d["name"].cast<std::string>();
          p.default_datastore_mode = d["default_datastore_mode"].cast<std::string>();
          p.is_optional = d["is_optional"].cast<bool>();
          o.inputs.push_back(p);
        }
        for (const auto& d : outputs) {
          OutputPortDef p;
          p.name = d["name"].cast<std::string>();
          p.default_datastore_mode = d["default_datastore_mode"].cast<std::string>();
          p.is_directory = d["is_directory"].cast<bool>();
          o.outputs.push_back(p);
        }
        o.params = params;
        o.version = version;
        o.is_default = is_default;
        o.source_directory = source_directory;
        return version_dict(Module::get(ws, name).publish_python_script(o));
      },
      "workspace"_a, "name"_a, "script_name"_a, "description"_a, "inputs"_a, "outputs"_a,
      "params"_a, "version"_a, "is_default"_a, "source_directory"_a);
  m.def("module_version_get",
        [](const Workspace& ws, const std::string& name, const std::string& version) {
          return version_dict(ModuleVersion::get(ws, name, version));
        });
  m.def("module_set_default_version",
        [](const Workspace& ws, const std::string& name, const std::string& version) {
          Module::get(ws, name).set_default_version(version);
        });
}

}  // namespace runnel::python
