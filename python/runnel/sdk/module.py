"""Module, ModuleVersion, InputPortDef, OutputPortDef and ModuleStep: the SDK's modules
(azureml.pipeline.core.module, azureml.pipeline.steps.ModuleStep) on runnel's registered
components.

A published version is the command component NAME:VERSION (`runnel component show --name
NAME --version V`): the source directory copied at publish time, `python SCRIPT`, the ports
as data inputs/outputs and the params as string inputs with defaults. Versions are
immutable. A ModuleStep runs a version's snapshot as a PythonScriptStep, so reuse works as
for any step. Not synchronized.
"""

from ._native import native
from .pipeline import PipelineData, PythonScriptStep, _InputView
from .data import DatasetConsumptionConfig, OutputFileDatasetConfig, _DatasetBase


class InputPortDef:
    def __init__(self, name, data_types=None, default_datastore_mode=None, default_path_on_compute=None,
                 is_optional=False, default_overwrite=None, default_data_reference_name=None,
                 is_resource=False, label=None, default_datastore_name=None):
        if not isinstance(name, str) or not name:
            raise ValueError("InputPortDef: name must be a non-empty str, not %r" % (name,))
        if default_datastore_mode not in (None, "mount", "download"):
            raise ValueError("InputPortDef %r: default_datastore_mode must be 'mount' or 'download'" % name)
        self.name = name
        self.data_types = list(data_types or ["AnyDirectory"])
        self.default_datastore_mode = default_datastore_mode or "mount"
        self.is_optional = bool(is_optional)
        self.label = label

    def _dict(self):
        return {"name": self.name, "default_datastore_mode": self.default_datastore_mode,
                "is_optional": self.is_optional}

    def __repr__(self):
        return "InputPortDef(name=%r)" % self.name


class OutputPortDef:
    def __init__(self, name, default_datastore_name=None, default_datastore_mode=None, default_path_on_compute=None,
                 is_directory=False, data_type=None, default_overwrite=None, training_output=None, label=None):
        if not isinstance(name, str) or not name:
            raise ValueError("OutputPortDef: name must be a non-empty str, not %r" % (name,))
        if default_datastore_mode not in (None, "mount", "upload"):
            raise ValueError("OutputPortDef %r: default_datastore_mode must be 'mount' or 'upload'" % name)
        self.name = name
        self.default_datastore_name = default_datastore_name
        self.default_datastore_mode = default_datastore_mode or "mount"
        self.is_directory = bool(is_directory)
        self.label = label

    def _dict(self):
        return {"name": self.name, "default_datastore_mode": self.default_datastore_mode,
                "is_directory": self.is_directory}

    def __repr__(self):
        return "OutputPortDef(name=%r)" % self.name


class ModuleVersion:
    """One published version of a module."""

    def __init__(self, workspace, info):
        self._workspace = workspace
        self._info = info

    module_name = property(lambda self: self._info["name"])
    version = property(lambda self: self._info["version"])
    description = property(lambda self: self._info["description"])
    module_id = property(lambda self: self._info["name"])
    id = property(lambda self: "%s:%s" % (self._info["name"], self._info["version"]))
    status = property(lambda self: "Active")
    script_name = property(lambda self: self._info["script_name"])
    source_directory = property(lambda self: self._info["source_directory"])
    inputs = property(lambda self: [InputPortDef(d["name"], default_datastore_mode=d["default_datastore_mode"],
                                                 is_optional=d["is_optional"]) for d in self._info["inputs"]])
    outputs = property(lambda self: [OutputPortDef(d["name"], default_datastore_mode=d["default_datastore_mode"],
                                                   is_directory=d["is_directory"]) for d in self._info["outputs"]])
    params = property(lambda self: dict(self._info["params"]))

    @staticmethod
    def get(workspace, module_version_id=None, _workflow_provider=None):
        """`module_version_id` is "NAME:VERSION" (or NAME for the default version)."""
        if not isinstance(module_version_id, str) or not module_version_id:
            raise ValueError("ModuleVersion.get: module_version_id is 'NAME:VERSION'")
        name, _, version = module_version_id.partition(":")
        return ModuleVersion(workspace, native().module_version_get(workspace._native, name, version))

    def module(self, _workflow_provider=None):
        return Module.get(self._workspace, name=self.module_name)

    def __repr__(self):
        return "ModuleVersion(%s)" % self.id


class Module:
    """A named, versioned computation unit: a script, its files and its interface."""

    def __init__(self, workspace, info):
        self._workspace = workspace
        self._info = info

    name = property(lambda self: self._info["name"])
    id = property(lambda self: self._info["name"])
    description = property(lambda self: self._info["description"])
    status = property(lambda self: "Active")
    default_version = property(lambda self: self._refresh()["default_version"] or None)

    def _refresh(self):
        self._info = native().module_get(self._workspace._native, self._info["name"])
        return self._info

    @staticmethod
    def create(workspace, name, description="", _workflow_provider=None):
        native().module_create(workspace._native, name, description or "")
        return Module.get(workspace, name=name)

    @staticmethod
    def get(workspace, module_id=None, name=None, _workflow_provider=None):
        key = name or module_id
        if not key:
            raise ValueError("Module.get: give name= (or module_id=)")
        return Module(workspace, native().module_get(workspace._native, key))

    def publish_python_script(self, script_name, description, inputs, outputs, params=None,
                              create_sequencing_ports=True, version=None, is_default=False,
                              source_directory=None, hash_paths=None, category=None, arguments=None,
                              runconfig=None):
        for p in inputs or []:
            if not isinstance(p, InputPortDef):
                raise TypeError("publish_python_script: inputs are InputPortDef, not %s" % type(p).__name__)
        for p in outputs or []:
            if not isinstance(p, OutputPortDef):
                raise TypeError("publish_python_script: outputs are OutputPortDef, not %s" % type(p).__name__)
        info = native().module_publish_python_script(
            self._workspace._native, self.name, script_name, description or "",
            [p._dict() for p in inputs or []], [p._dict() for p in outputs or []],
            {str(k): str(v) for k, v in (params or {}).items()}, "" if version is None else str(version),
            bool(is_default), source_directory or ".")
        self._refresh()
        return ModuleVersion(self._workspace, info)

    def resolve(self, version=None):
        return ModuleVersion(self._workspace,
                             native().module_version_get(self._workspace._native, self.name, version or ""))

    def get_default_version(self):
        return self.default_version

    def get_default(self):
        return self.resolve()

    def set_default_version(self, version_id):
        native().module_set_default_version(self._workspace._native, self.name, str(version_id))

    def get_versions(self, name=None):
        return list(self._refresh()["versions"])

    def module_version_list(self):
        return [self.resolve(v) for v in self.get_versions()]

    def __repr__(self):
        return "Module(name=%r)" % self.name


class ModuleStep(PythonScriptStep):
    """Runs a module version (module= with version=, or module_version=) as a step."""

    def __init__(self, module=None, version=None, module_version=None, inputs_map=None, outputs_map=None,
                 compute_target=None, runconfig=None, runconfig_pipeline_params=None, arguments=None, params=None,
                 name=None, _workflow_provider=None):
        if (module is None) == (module_version is None):
            raise ValueError("ModuleStep: give exactly one of module= (with version=) or module_version=")
        if module is not None and not isinstance(module, Module):
            raise TypeError("ModuleStep: module must be a Module, not %s" % type(module).__name__)
        mv = module_version if module_version is not None else module.resolve(version)
        if not isinstance(mv, ModuleVersion):
            raise TypeError("ModuleStep: module_version must be a ModuleVersion, not %s" % type(mv).__name__)
        ports_in = {p.name: p for p in mv.inputs}
        ports_out = {p.name for p in mv.outputs}
        views, inputs = {}, []
        for port, data in (inputs_map or {}).items():
            if port not in ports_in:
                raise ValueError("ModuleStep: module %s has no input port %r (its ports: %s)"
                                 % (mv.id, port, ", ".join(ports_in) or "none"))
            if isinstance(data, (PipelineData, OutputFileDatasetConfig)):
                view = data.as_download(port) if ports_in[port].default_datastore_mode == "download" \
                    else data.as_input(port)
                views[id(data)] = view
                inputs.append(view)
            elif isinstance(data, _DatasetBase):
                inputs.append(data.as_named_input(port))
            elif isinstance(data, (_InputView, DatasetConsumptionConfig)):
                inputs.append(data)
            else:
                inputs.append(data)
        for port, p in ports_in.items():
            if not p.is_optional and port not in (inputs_map or {}):
                raise ValueError("ModuleStep: required input port %r of %s is not in inputs_map" % (port, mv.id))
        outputs = []
        for port, data in (outputs_map or {}).items():
            if port not in ports_out:
                raise ValueError("ModuleStep: module %s has no output port %r (its ports: %s)"
                                 % (mv.id, port, ", ".join(sorted(ports_out)) or "none"))
            outputs.append(data)
        merged = mv.params
        for k, v in (params or {}).items():
            if k not in merged:
                raise ValueError("ModuleStep: module %s has no param %r (its params: %s)"
                                 % (mv.id, k, ", ".join(sorted(merged)) or "none"))
            merged[k] = v
        args = [views.get(id(a), a) for a in (arguments or [])]
        super().__init__(mv.script_name, name=name or mv.module_name, arguments=args,
                         compute_target=compute_target, runconfig=runconfig,
                         runconfig_pipeline_params=runconfig_pipeline_params, inputs=inputs, outputs=outputs,
                         params=merged, source_directory=mv.source_directory, allow_reuse=True,
                         version=mv.version)
        if name is None:
            # Unnamed ModuleSteps take the module's name; repeats get _2, _3 (as default
            # script names do), since Azure ML does not require distinct names.
            self._explicit_name = None
            self.name = mv.module_name
        self.module_version = mv
