"""Pipeline.load_yaml: the SDK v1 (CLI v1) pipeline YAML format, built into real Pipeline and
step objects.

    pipeline:
      name: SamplePipelineFromYaml          # the pipeline's description
      parameters:                           # PipelineParameter: type string|int|float|bool|datapath
        NumIterations: {type: int, default: 40}
        InputPath: {type: datapath, default: {datastore: workspaceblobstore, path_on_datastore: raw.csv}}
      data_references:                      # DataReference (datastore + path_on_datastore) or a
        raw: {datastore: workspaceblobstore, path_on_datastore: raw/}   # registered dataset
        iris: {dataset_name: iris, dataset_version: 1, bind_mode: direct}
      default_compute: cpu-cluster
      steps:
        Prep:
          type: PythonScriptStep
          name: prep                        # default: the step's key
          script_name: prep.py
          source_directory: prep            # relative to the YAML file's folder
          runconfig: prep.runconfig         # a RunConfiguration.save() file (optional)
          compute: cpu-cluster
          allow_reuse: true
          arguments: [--raw, input:raw_in, --out, output:prepped, --n, parameter:NumIterations]
          inputs:  {raw_in: {source: raw, bind_mode: mount}}     # source: a data reference,
                                                                 # a datapath parameter or
                                                                 # another step's destination
          outputs: {prepped: {destination: PreppedData, datastore: workspaceblobstore, bind_mode: mount}}

        Copy:                               # copies a data reference or an output
          type: DataTransferStep
          source_data_reference: {raw_copy: {source: RawFolder}}
          destination_data_reference: {out: {source: CopiedData}}   # a data reference (written
          source_reference_type: directory                          # in place) or a new output
        Score:
          type: ParallelRunStep
          parallel_run_config: score.yml    # a ParallelRunConfig.save_to_yaml() file; it and the relative
                                            # paths in it are taken from the YAML file's folder
          inputs: {images: {source: ImagesDataset}}                 # one input, split in mini-batches
          side_inputs: {labels: {source: ScaledData}}
          outputs: {scores: {destination: Scores}}                  # the step's `output`
          arguments: [--labels, side_input:labels]
        Module:
          type: ModuleStep
          name: my_module                   # the registered Module's name (or id:)
          version: "2"                      # default: the module's default version (a step with
                                            # no type and `module: {name:, version:}` is one too)
          inputs: {in_port: {source: ScaledData}}                   # keyed by the module's ports
          outputs: {out_port: {destination: Moduled}}

PythonScriptStep and ModuleStep take `parameters:` ({name: {source: PipelineParameter} or a value}):
the step's params, which `parameter:NAME` in its arguments names too. A key a step type has no
use for is ignored with a warning, as the SDK ignores it, and a key of no step type is an error
(`runconfig_parameters` and `hash_paths` are accepted and not used). The cloud-only steps (AdlaStep, DatabricksStep,
AzureBatchStep) and the steps the SDK's YAML has no form for (AutoMLStep, HyperDriveStep,
MpiStep, EstimatorStep) are refused naming the file, the step and its type. Errors are
ValueError naming the file and the key.
"""

import os
import warnings

_PARAM_TYPES = {"string": str, "str": str, "int": int, "float": float, "bool": bool}

# Step types of the format that run in a cloud service runnel does not stand in for, and the
# SDK's steps its YAML has no form for.
_CLOUD_ONLY = {"AdlaStep": "Azure Data Lake Analytics", "DatabricksStep": "Azure Databricks",
               "AzureBatchStep": "Azure Batch"}
_NOT_IN_YAML = ("AutoMLStep", "HyperDriveStep", "MpiStep", "MPIStep", "EstimatorStep", "CommandStep")
_STEP_KEYS = ("type", "name", "compute", "allow_reuse", "version", "description")
# The keys of each step type beyond _STEP_KEYS: a key the type has no use for (a DataTransferStep's
# arguments or outputs, a ParallelRunStep's runconfig) is refused rather than dropped.
_RUN_KEYS = ("arguments", "inputs", "outputs")
_KIND_KEYS = {
    "PythonScriptStep": _RUN_KEYS + ("parameters", "runconfig", "runconfig_parameters", "hash_paths", "script_name",
                                     "source_directory"),
    "DataTransferStep": ("source_data_reference", "destination_data_reference", "source_reference_type",
                         "destination_reference_type", "adla_compute_name"),
    "ParallelRunStep": _RUN_KEYS + ("parallel_run_config", "side_inputs", "models_id"),
    "ModuleStep": _RUN_KEYS + ("parameters", "runconfig", "runconfig_parameters", "id", "module"),
}


def _fail(filename, key, message):
    raise ValueError("%s: %s: %s" % (filename, key, message))


def _mapping(value, filename, key):
    if value is None:
        return {}
    if not isinstance(value, dict):
        _fail(filename, key, "expected a mapping, not %r" % (value,))
    return value


def _check_keys(d, allowed, filename, key):
    unknown = sorted(set(d) - set(allowed))
    if unknown:
        _fail(filename, key, "unknown key%s %s (known: %s)" % ("s" if len(unknown) > 1 else "",
                                                              ", ".join(unknown), ", ".join(sorted(allowed))))


class _Loader:
    def __init__(self, workspace, filename):
        from .core import _as_workspace
        self.ws = _as_workspace(workspace)
        self.filename = filename
        self.base = os.path.dirname(os.path.abspath(filename))
        self.params = {}
        self.refs = {}
        self.produced = {}  # destination -> PipelineData

    def datastore(self, name, key):
        from .core import Datastore
        if not name:
            return self.ws.get_default_datastore()
        try:
            return Datastore.get(self.ws, name)
        except Exception as e:  # noqa: BLE001 (the engine's not-found, reworded with the key)
            _fail(self.filename, key, "datastore %r: %s" % (name, e))

    def parameter(self, name, spec):
        from .data import DataPath
        from .pipeline import PipelineParameter
        key = "pipeline.parameters." + name
        spec = _mapping(spec, self.filename, key)
        _check_keys(spec, ("type", "default"), self.filename, key)
        kind = str(spec.get("type", "string")).lower()
        default = spec.get("default")
        if kind == "datapath":
            d = _mapping(default, self.filename, key + ".default")
            _check_keys(d, ("datastore", "path_on_datastore"), self.filename, key + ".default")
            default = DataPath(self.datastore(d.get("datastore"), key + ".default.datastore"),
                               d.get("path_on_datastore") or "")
        elif kind in _PARAM_TYPES:
            if default is None:
                _fail(self.filename, key + ".default", "a parameter needs a default value")
            try:
                default = _PARAM_TYPES[kind](default)
            except (TypeError, ValueError):
                _fail(self.filename, key + ".default", "%r is not a %s" % (default, kind))
        else:
            _fail(self.filename, key + ".type", "%r: use string, int, float, bool or datapath" % kind)
        self.params[name] = PipelineParameter(name, default)

    def data_reference(self, name, spec):
        key = "pipeline.data_references." + name
        spec = _mapping(spec, self.filename, key)
        _check_keys(spec, ("datastore", "path_on_datastore", "dataset_name", "dataset_version", "dataset_id",
                           "bind_mode", "path_on_compute", "overwrite"), self.filename, key)
        self.refs[name] = spec

    def input(self, step_key, in_name, spec, section="inputs"):
        from .data import DataPathComputeBinding, DataReference, Dataset
        key = "pipeline.steps.%s.%s.%s" % (step_key, section, in_name)
        spec = _mapping(spec, self.filename, key)
        _check_keys(spec, ("source", "bind_mode", "path_on_compute", "overwrite"), self.filename, key)
        source = spec.get("source")
        mode = spec.get("bind_mode")
        if mode not in (None, "mount", "download", "direct"):
            _fail(self.filename, key + ".bind_mode", "%r: use mount or download" % (mode,))
        if source in self.params:
            return (self.params[source], DataPathComputeBinding(mode=mode or "mount"))
        if source in self.produced:
            data = self.produced[source]
            return data.as_download(in_name) if mode == "download" else data.as_input(in_name)
        if source in self.refs:
            ref = self.refs[source]
            mode = mode or ref.get("bind_mode") or "mount"
            if ref.get("dataset_name") or ref.get("dataset_id"):
                name = ref.get("dataset_name") or str(ref["dataset_id"]).split(":")[0]
                ds = Dataset.get_by_name(self.ws, name, ref.get("dataset_version") or "latest")
                cc = ds.as_named_input(in_name)
                return cc.as_download() if mode == "download" else cc.as_mount() if mode == "mount" \
                    and type(ds).__name__ == "FileDataset" else cc
            ds = self.datastore(ref.get("datastore"), "pipeline.data_references.%s.datastore" % source)
            return DataReference(ds, in_name, ref.get("path_on_datastore") or "",
                                 "download" if mode == "download" else "mount")
        _fail(self.filename, key + ".source", "%r is not a data reference, a datapath parameter or an "
              "earlier step's output destination (known: %s)"
              % (source, ", ".join(sorted(set(self.refs) | set(self.produced) | set(self.params))) or "none"))

    def step(self, step_key, spec, default_compute):
        key = "pipeline.steps." + step_key
        spec = _mapping(spec, self.filename, key)
        # Without a type: a ModuleStep when the step has the older `module:` section (as the
        # SDK reads it), else a PythonScriptStep.
        kind = spec.get("type") or ("ModuleStep" if "module" in spec else "PythonScriptStep")
        if kind in _CLOUD_ONLY:
            _fail(self.filename, key + ".type", "step %r is a %s, which runs on %s: a cloud service runnel does not "
                  "run locally; replace it with a PythonScriptStep doing the same work" % (step_key, kind, _CLOUD_ONLY[kind]))
        if kind not in _KIND_KEYS:
            _fail(self.filename, key + ".type", "step %r: %s steps are not part of the SDK v1 pipeline YAML%s "
                  "(it has PythonScriptStep, DataTransferStep, ParallelRunStep and ModuleStep); build this step in "
                  "Python and add it to the pipeline"
                  % (step_key, kind, " (the SDK cannot load them either)" if kind in _NOT_IN_YAML else ""))
        # A key of no step type is an error; a key of another step type is ignored, as the
        # SDK ignores it, but said once (a DataTransferStep's `arguments:` do nothing).
        every = set(_STEP_KEYS).union(*_KIND_KEYS.values())
        _check_keys(spec, every, self.filename, key)
        unused = sorted(set(spec) - set(_STEP_KEYS + _KIND_KEYS[kind]))
        if unused:
            warnings.warn("%s: %s: a %s does not use %s; ignored, as the SDK ignores it"
                          % (self.filename, key, kind, ", ".join(unused)), stacklevel=3)
            spec = {k: v for k, v in spec.items() if k not in unused}
        ctx = _StepContext(self, step_key, key, spec, default_compute)
        return getattr(self, "_" + kind)(ctx)

    def _PythonScriptStep(self, c):
        from .pipeline import PythonScriptStep
        if not c.spec.get("script_name"):
            _fail(self.filename, c.key + ".script_name", "a PythonScriptStep needs a script_name")
        source = c.spec.get("source_directory")
        return PythonScriptStep(
            script_name=c.spec["script_name"], name=c.spec.get("name") or c.step_key, arguments=c.arguments(),
            compute_target=c.compute, runconfig=c.runconfig(), inputs=list(c.inputs.values()),
            outputs=list(c.outputs.values()), params=c.params,
            source_directory=os.path.join(self.base, source) if source else self.base,
            allow_reuse=c.allow_reuse(), version=c.spec.get("version"))

    def _DataTransferStep(self, c):
        from .pipeline import DataTransferStep
        src_key, dst_key = c.key + ".source_data_reference", c.key + ".destination_data_reference"
        (src_name, src_spec), = c.one(src_key, "source_data_reference")
        (dst_name, dst_spec), = c.one(dst_key, "destination_data_reference")
        source = self.input(c.step_key, src_name, src_spec, "source_data_reference")
        if isinstance(source, tuple):
            _fail(self.filename, "%s.%s.source" % (src_key, src_name), "a datapath parameter cannot be a "
                  "DataTransferStep source in runnel; name a data reference or an earlier step's output")
        dest = self.destination(c.step_key, dst_name, dst_spec)
        try:
            return DataTransferStep(name=c.spec.get("name") or c.step_key, source_data_reference=source,
                                    destination_data_reference=dest, compute_target=c.compute,
                                    source_reference_type=c.spec.get("source_reference_type"),
                                    destination_reference_type=c.spec.get("destination_reference_type"),
                                    allow_reuse=c.allow_reuse())
        except (TypeError, ValueError) as e:
            _fail(self.filename, c.key, str(e))

    def _ParallelRunStep(self, c):
        from .parallel import ParallelRunConfig, ParallelRunStep
        if not c.spec.get("parallel_run_config"):
            _fail(self.filename, c.key + ".parallel_run_config", "a ParallelRunStep needs the path of a "
                  "ParallelRunConfig file (ParallelRunConfig.save_to_yaml)")
        prc_key = c.key + ".parallel_run_config"
        prc_path = os.path.join(self.base, c.spec["parallel_run_config"])
        if not os.path.isfile(prc_path):
            _fail(self.filename, prc_key, "%s does not exist (write it with ParallelRunConfig.save_to_yaml)" % prc_path)
        try:
            prc = ParallelRunConfig.load_yaml(self.ws, prc_path, _base_dir=self.base)
        except (OSError, ValueError) as e:  # the config file's own error (its name and key), under this key
            _fail(self.filename, prc_key, str(e))
        if len(c.inputs) != 1:
            _fail(self.filename, c.key + ".inputs", "a ParallelRunStep splits one input into mini-batches "
                  "(got %d); pass the others as side_inputs" % len(c.inputs))
        if len(c.outputs) > 1:
            _fail(self.filename, c.key + ".outputs", "a ParallelRunStep has one output (got %d: %s)"
                  % (len(c.outputs), ", ".join(c.outputs)))
        models = []
        if c.spec.get("models_id"):
            from runnel.model import Model
            models = [Model(self.ws, id=str(m)) for m in c.spec["models_id"]]
        try:
            return ParallelRunStep(name=c.spec.get("name") or c.step_key, parallel_run_config=prc,
                                   inputs=list(c.inputs.values()), output=next(iter(c.outputs.values()), None),
                                   side_inputs=list(c.side_inputs.values()), arguments=c.arguments(),
                                   allow_reuse=c.allow_reuse(), models=models)
        except (TypeError, ValueError, NotImplementedError) as e:
            _fail(self.filename, c.key, str(e))

    def _ModuleStep(self, c):
        from .module import Module, ModuleStep
        section = _mapping(c.spec.get("module"), self.filename, c.key + ".module") or c.spec
        module_id, module_name = section.get("id"), section.get("name")
        if not module_id and not module_name:
            _fail(self.filename, c.key, "a ModuleStep names its module with name: (or id:)")
        try:
            module = Module.get(self.ws, module_id=module_id, name=module_name)
        except Exception as e:  # noqa: BLE001 (the engine's not-found, reworded with the key)
            _fail(self.filename, c.key + ".name", "module %r: %s" % (module_id or module_name, e))
        version = section.get("version")
        version = None if version is None else str(version)
        try:
            module.resolve(version)
        except Exception as e:  # noqa: BLE001 (the engine's not-found, reworded with the key)
            _fail(self.filename, c.key + ".version", "module %r: %s" % (module.name, e))
        try:
            return ModuleStep(module=module, version=version,
                              inputs_map=c.inputs, outputs_map=c.outputs, compute_target=c.compute,
                              runconfig=c.runconfig(), arguments=c.arguments(), params=c.params,
                              name=c.step_key)
        except (TypeError, ValueError) as e:
            _fail(self.filename, c.key, str(e))

    def destination(self, step_key, name, spec):
        """A DataTransferStep's destination: a data reference on a datastore (written in place)
        or the output declare_outputs made for its source name."""
        from .data import DataReference
        key = "pipeline.steps.%s.destination_data_reference.%s" % (step_key, name)
        spec = _mapping(spec, self.filename, key)
        _check_keys(spec, ("source", "bind_mode", "path_on_compute", "overwrite"), self.filename, key)
        source = spec.get("source")
        ref = self.refs.get(source)
        if ref is not None:
            if ref.get("dataset_name") or ref.get("dataset_id"):
                _fail(self.filename, key + ".source", "%r is a dataset; a DataTransferStep writes to a datastore "
                      "path (datastore + path_on_datastore) or a new output" % source)
            ds = self.datastore(ref.get("datastore"), "pipeline.data_references.%s.datastore" % source)
            return DataReference(ds, name, ref.get("path_on_datastore") or "")
        return self.produced[source]

    def declare_outputs(self, step_key, spec):
        """The PipelineData of every output destination (and of each DataTransferStep destination
        that is not a data reference), before any step reads one."""
        from .pipeline import PipelineData
        key = "pipeline.steps.%s.outputs" % step_key
        spec = _mapping(spec, self.filename, "pipeline.steps." + step_key)
        dkey = "pipeline.steps.%s.destination_data_reference" % step_key
        for d_name, d in _mapping(spec.get("destination_data_reference"), self.filename, dkey).items():
            source = _mapping(d, self.filename, "%s.%s" % (dkey, d_name)).get("source")
            if not source:
                _fail(self.filename, "%s.%s.source" % (dkey, d_name), "the destination needs a source: a data "
                      "reference's name, or a new name that later steps read as their inputs' source")
            if source not in self.refs:
                if source in self.produced:
                    _fail(self.filename, "%s.%s.source" % (dkey, d_name), "%r is already the output of another "
                          "step" % source)
                self.produced[source] = PipelineData(source)
        for out_name, o in _mapping(spec.get("outputs"), self.filename, key).items():
            okey = "%s.%s" % (key, out_name)
            o = _mapping(o, self.filename, okey)
            _check_keys(o, ("destination", "datastore", "bind_mode", "path_on_compute", "overwrite", "as_dataset",
                            "type"), self.filename, okey)
            dest = o.get("destination") or out_name
            if dest in self.produced:
                _fail(self.filename, okey + ".destination", "%r is already the output of another step" % dest)
            store = self.datastore(o.get("datastore"), okey + ".datastore") if o.get("datastore") else None
            self.produced[dest] = PipelineData(dest, datastore=store,
                                               output_mode="upload" if o.get("bind_mode") == "upload" else "mount")

    def argument(self, a, inputs, outputs, key, params=None, side_inputs=None):
        if not isinstance(a, str) or ":" not in a:
            return a if isinstance(a, (str, int, float, bool)) else _fail(self.filename, key, "%r" % (a,))
        prefix, _, name = a.partition(":")
        table = {"input": inputs, "output": outputs, "side_input": side_inputs or {},
                 "parameter": dict(self.params, **(params or {}))}.get(prefix)
        if table is None:
            return a  # plain text holding a colon
        if name not in table:
            _fail(self.filename, key, "%r: no %s %r (known: %s)" % (a, prefix, name, ", ".join(sorted(table)) or "none"))
        value = table[name]
        return value[0] if isinstance(value, tuple) else value

    def load(self):
        import yaml
        try:
            with open(self.filename, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
        except OSError as e:
            raise FileNotFoundError("Pipeline.load_yaml: cannot read %s: %s" % (self.filename, e.strerror)) from None
        except yaml.YAMLError as e:
            raise ValueError("%s: not valid YAML: %s" % (self.filename, e)) from None
        doc = _mapping(doc, self.filename, "(top level)")
        if "pipeline" not in doc:
            hint = " (this looks like a v2 pipeline job: run it with `runnel run %s`)" % self.filename \
                if "jobs" in doc else ""
            _fail(self.filename, "pipeline", "the SDK v1 pipeline YAML has a top-level 'pipeline' key%s" % hint)
        p = _mapping(doc["pipeline"], self.filename, "pipeline")
        _check_keys(p, ("name", "description", "parameters", "data_references", "data_reference",
                        "default_compute", "steps"), self.filename, "pipeline")
        for name, spec in _mapping(p.get("parameters"), self.filename, "pipeline.parameters").items():
            self.parameter(name, spec)
        refs = p.get("data_references", p.get("data_reference"))
        for name, spec in _mapping(refs, self.filename, "pipeline.data_references").items():
            self.data_reference(name, spec)
        steps_spec = _mapping(p.get("steps"), self.filename, "pipeline.steps")
        if not steps_spec:
            _fail(self.filename, "pipeline.steps", "a pipeline needs at least one step")
        for k, s in steps_spec.items():
            self.declare_outputs(k, s)
        steps = [self.step(k, s, p.get("default_compute")) for k, s in steps_spec.items()]
        return steps, p.get("description") or p.get("name")


class _StepContext:
    """What every step type reads the same way: compute, inputs, outputs, side inputs, params,
    arguments, runconfig and allow_reuse (the keys of _STEP_KEYS and _RUN_KEYS)."""

    def __init__(self, loader, step_key, key, spec, default_compute):
        self.loader, self.step_key, self.key, self.spec = loader, step_key, key, spec
        self.filename = loader.filename
        self.compute = spec.get("compute") or default_compute
        self.params = {}
        for name, value in _mapping(spec.get("parameters"), self.filename, key + ".parameters").items():
            if isinstance(value, dict):
                _check_keys(value, ("source",), self.filename, "%s.parameters.%s" % (key, name))
                if value.get("source") not in loader.params:
                    _fail(self.filename, "%s.parameters.%s.source" % (key, name), "%r is not a pipeline parameter "
                          "(known: %s)" % (value.get("source"), ", ".join(sorted(loader.params)) or "none"))
                value = loader.params[value["source"]]
            self.params[name] = value
        self.inputs = {n: loader.input(step_key, n, s) for n, s in
                       _mapping(spec.get("inputs"), self.filename, key + ".inputs").items()}
        self.side_inputs = {n: loader.input(step_key, n, s, "side_inputs") for n, s in
                            _mapping(spec.get("side_inputs"), self.filename, key + ".side_inputs").items()}
        self.outputs = {out_name: loader.produced[(o or {}).get("destination") or out_name]
                        for out_name, o in _mapping(spec.get("outputs"), self.filename, key + ".outputs").items()}

    def arguments(self):
        args = self.spec.get("arguments") or []
        if not isinstance(args, list):
            _fail(self.filename, self.key + ".arguments", "expected a list, not %r" % (args,))
        return [self.loader.argument(a, self.inputs, self.outputs, self.key + ".arguments", self.params,
                                     self.side_inputs) for a in args]

    def runconfig(self):
        from .environment import RunConfiguration
        if not self.spec.get("runconfig"):
            return None
        return RunConfiguration.load(os.path.join(self.loader.base, self.spec["runconfig"]))

    def allow_reuse(self):
        value = self.spec.get("allow_reuse", True)
        if not isinstance(value, bool):
            _fail(self.filename, self.key + ".allow_reuse", "expected true or false, not %r" % (value,))
        return value

    def one(self, key, section):
        items = list(_mapping(self.spec.get(section), self.filename, key).items())
        if len(items) != 1:
            _fail(self.filename, key, "a DataTransferStep has exactly one %s (got %d)" % (section, len(items)))
        return items


def load_yaml(workspace, filename):
    """(steps, description) of the v1 pipeline YAML `filename` (see the module docstring)."""
    return _Loader(workspace, filename).load()
