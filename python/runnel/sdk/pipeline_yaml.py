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

Other step types of the format (ParallelRunStep, DataTransferStep, ModuleStep, AdlaStep, ...)
are refused naming the step. Errors are ValueError naming the file and the key.
"""

import os

_PARAM_TYPES = {"string": str, "str": str, "int": int, "float": float, "bool": bool}


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

    def input(self, step_key, in_name, spec):
        from .data import DataPathComputeBinding, DataReference, Dataset
        key = "pipeline.steps.%s.inputs.%s" % (step_key, in_name)
        spec = _mapping(spec, self.filename, key)
        _check_keys(spec, ("source", "bind_mode", "path_on_compute", "overwrite"), self.filename, key)
        source = spec.get("source")
        mode = spec.get("bind_mode")
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
        from .environment import RunConfiguration
        from .pipeline import PythonScriptStep
        key = "pipeline.steps." + step_key
        spec = _mapping(spec, self.filename, key)
        kind = spec.get("type", "PythonScriptStep")
        if kind != "PythonScriptStep":
            _fail(self.filename, key + ".type", "%s steps are not built from YAML by runnel (PythonScriptStep "
                  "is); build this step in Python and add it to the pipeline" % kind)
        _check_keys(spec, ("type", "name", "script_name", "source_directory", "runconfig", "compute",
                           "allow_reuse", "arguments", "inputs", "outputs", "runconfig_parameters",
                           "hash_paths", "version", "description"), self.filename, key)
        if not spec.get("script_name"):
            _fail(self.filename, key + ".script_name", "a PythonScriptStep needs a script_name")
        inputs = {n: self.input(step_key, n, s) for n, s in
                  _mapping(spec.get("inputs"), self.filename, key + ".inputs").items()}
        outputs = {out_name: self.produced[(o or {}).get("destination") or out_name]
                   for out_name, o in _mapping(spec.get("outputs"), self.filename, key + ".outputs").items()}
        arguments = [self.argument(a, inputs, outputs, key + ".arguments") for a in spec.get("arguments") or []]
        runconfig = None
        if spec.get("runconfig"):
            path = os.path.join(self.base, spec["runconfig"])
            runconfig = RunConfiguration.load(path)
        source = spec.get("source_directory")
        return PythonScriptStep(
            script_name=spec["script_name"], name=spec.get("name") or step_key, arguments=arguments,
            compute_target=spec.get("compute") or default_compute, runconfig=runconfig,
            inputs=list(inputs.values()), outputs=list(outputs.values()),
            source_directory=os.path.join(self.base, source) if source else self.base,
            allow_reuse=bool(spec.get("allow_reuse", True)), version=spec.get("version"))

    def declare_outputs(self, step_key, spec):
        """The PipelineData of every output destination, before any step reads one."""
        from .pipeline import PipelineData
        key = "pipeline.steps.%s.outputs" % step_key
        for out_name, o in _mapping(_mapping(spec, self.filename, "pipeline.steps." + step_key).get("outputs"),
                                    self.filename, key).items():
            okey = "%s.%s" % (key, out_name)
            o = _mapping(o, self.filename, okey)
            _check_keys(o, ("destination", "datastore", "bind_mode", "path_on_compute", "overwrite"),
                        self.filename, okey)
            dest = o.get("destination") or out_name
            if dest in self.produced:
                _fail(self.filename, okey + ".destination", "%r is already the output of another step" % dest)
            store = self.datastore(o.get("datastore"), okey + ".datastore") if o.get("datastore") else None
            self.produced[dest] = PipelineData(dest, datastore=store,
                                               output_mode="upload" if o.get("bind_mode") == "upload" else "mount")

    def argument(self, a, inputs, outputs, key):
        if not isinstance(a, str) or ":" not in a:
            return a if isinstance(a, (str, int, float, bool)) else _fail(self.filename, key, "%r" % (a,))
        prefix, _, name = a.partition(":")
        table = {"input": inputs, "output": outputs, "parameter": self.params}.get(prefix)
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


def load_yaml(workspace, filename):
    """(steps, description) of the v1 pipeline YAML `filename` (see the module docstring)."""
    return _Loader(workspace, filename).load()
