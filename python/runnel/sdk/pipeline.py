"""PipelineData, PipelineParameter, the steps and Pipeline: the SDK's pipeline model.

Python objects here only record what a script declares. Pipeline.submit() (or
Experiment.submit) translates them, with the pipeline parameters' values, into the
engine's C++ objects (runnel._runnel) and starts the run there: validation, reuse,
scheduling and storage are the engine's. Not synchronized.
"""

import json
import os

from ._native import native
from .compute import compute_name
from .data import (DataPath, DataPathComputeBinding, DataReference, DatasetConsumptionConfig,
                   OutputFileDatasetConfig, _DatasetBase)
from .output_datasets import OutputTabularDatasetConfig, PipelineOutputAbstractDataset, PipelineOutputFileDataset

# Promoted outputs (PipelineData.as_dataset(), OutputFileDatasetConfig.read_*_files()): a step
# takes them as their underlying output (listed in outputs) or as an input view.
_PROMOTED = (PipelineOutputAbstractDataset, OutputTabularDatasetConfig)

_OUTPUT_MODES = ("mount", "upload")


class PipelineData:
    """Data one step writes and later steps read. In `arguments` it becomes a path: a
    folder, or a file path when is_directory=False."""

    def __init__(self, name, datastore=None, output_name=None, output_mode="mount",
                 output_path_on_compute=None, output_overwrite=None, data_type=None,
                 is_directory=None, pipeline_output_name=None, training_output=None):
        from .core import Datastore
        if not isinstance(name, str) or not name:
            raise ValueError("PipelineData name must be a non-empty str, not %r" % (name,))
        if datastore is not None and not isinstance(datastore, Datastore):
            raise TypeError("PipelineData datastore must be a Datastore, not %s" % type(datastore).__name__)
        if output_mode not in _OUTPUT_MODES:
            raise ValueError("PipelineData output_mode must be 'mount' or 'upload', not %r" % (output_mode,))
        self._name = name
        self.datastore = datastore
        self._output_name = output_name or name
        self._output_mode = output_mode
        self._output_path_on_compute = output_path_on_compute
        self._output_overwrite = output_overwrite
        self._data_type = data_type or "AnyDirectory"
        self._is_directory = True if is_directory is None else bool(is_directory)
        self._pipeline_output_name = pipeline_output_name
        if training_output is not None and not isinstance(training_output, TrainingOutput):
            raise TypeError("PipelineData training_output must be a TrainingOutput, not %s"
                            % type(training_output).__name__)
        self._training_output = training_output
        self._producer = None
        self._registration = None  # (name, tabular) from as_dataset().register(name) in outputs

    name = property(lambda self: self._name)
    output_name = property(lambda self: self._output_name)
    output_mode = property(lambda self: self._output_mode)
    is_directory = property(lambda self: self._is_directory)
    data_type = property(lambda self: self._data_type)
    datastore_name = property(lambda self: self.datastore.name if self.datastore else None)

    def as_input(self, input_name=None):
        return _InputView(self, input_name or self._name)

    def as_download(self, input_name=None, path_on_compute=None, overwrite=None):
        return _InputView(self, input_name or self._name, "download")

    def as_mount(self, input_name=None):
        return _InputView(self, input_name or self._name, "mount")

    def as_dataset(self):
        """A PipelineOutputFileDataset: consumed as a dataset (as_direct(), parse_delimited_files(),
        parse_parquet_files()), registered with register(name) when listed in the outputs."""
        return PipelineOutputFileDataset(self)

    def as_named_input(self, name):
        return _InputView(self, name)

    def _make_native(self):
        ds = self.datastore._native if self.datastore else None
        if self._registration and self._is_directory:
            # as_dataset().register(name): registered when the producing step completes.
            name, tabular = self._registration
            nat = native().OutputFileDatasetConfig(self._output_name, ds, "").register_on_complete(name)
            return nat.read_delimited_files() if tabular else nat
        return native().PipelineData(self._output_name, ds, self._is_directory)

    def __repr__(self):
        return "$AZUREML_DATAREFERENCE_%s" % self._name


class TrainingOutput:
    """What a HyperDriveStep output holds (the SDK's TrainingOutput): "Metrics" (every trial's
    metrics as JSON) or "Model" (the best trial's `model_file`, relative to its working folder)."""

    def __init__(self, type, iteration=None, metric=None, model_file=None):
        if type not in ("Metrics", "Model"):
            raise ValueError("TrainingOutput type must be 'Metrics' or 'Model', not %r" % (type,))
        self.type = type
        self.iteration = iteration
        self.metric = metric
        self.model_file = model_file


class _InputView:
    """A consumer's view of PipelineData / OutputFileDatasetConfig (the SDK's
    InputPortBinding): as_input(name). bind_mode "mount" (a read-only view of the committed
    output) or "download" (the step's own copy, which it may change: the producer's output
    stays as committed), or "direct" for a dataset read."""

    def __init__(self, data, name, mode="mount", read=None):
        self.data = data
        self.name = name
        self.bind_mode = mode
        # How the consumer reads the data as a dataset object (output_datasets.py), None = a path.
        self.read = read

    # OutputFileDatasetConfig.as_input(name) is a DatasetConsumptionConfig in the SDK, whose
    # as_download() / as_mount() choose the mode.
    def as_download(self, path_on_compute=None):
        if self.read is not None:
            raise ValueError("input %r is read as a dataset object (mode direct); as_download() is for a "
                             "path to the files" % self.name)
        return _InputView(self.data, self.name, "download")

    def as_mount(self, path_on_compute=None):
        if self.read is not None:
            raise ValueError("input %r is read as a dataset object (mode direct); as_mount() is for a "
                             "path to the files" % self.name)
        return _InputView(self.data, self.name, "mount")

    def __repr__(self):
        return "$AZUREML_DATAREFERENCE_%s" % self.name


InputPortBinding = _InputView


class PipelineParameter:
    """A value set at submit (pipeline_parameters={name: value}) or left at its default.
    In `arguments` it becomes its value; a DataPath default with a DataPathComputeBinding
    (as a (parameter, binding) tuple) becomes the bound path."""

    def __init__(self, name, default_value):
        if not isinstance(name, str) or not name:
            raise ValueError("PipelineParameter name must be a non-empty str, not %r" % (name,))
        if default_value is None:
            raise ValueError("PipelineParameter %r: default_value is required" % name)
        self.name = name
        self.default_value = default_value

    def __repr__(self):
        return "PipelineParameter(name=%r, default_value=%r)" % (self.name, self.default_value)


class _Step:
    """What every step has: a name, its inputs/outputs, run_after."""

    _kind = "step"

    def __init__(self, name, arguments, compute_target, runconfig, inputs, outputs, params,
                 source_directory, allow_reuse, version):
        if arguments is not None and not isinstance(arguments, (list, tuple)):
            raise TypeError("%s: arguments must be a list, not %s" % (type(self).__name__, type(arguments).__name__))
        if inputs is not None and not isinstance(inputs, (list, tuple)):
            raise TypeError("%s: inputs must be a list, not %s" % (type(self).__name__, type(inputs).__name__))
        if outputs is not None and not isinstance(outputs, (list, tuple)):
            raise TypeError("%s: outputs must be a list, not %s" % (type(self).__name__, type(outputs).__name__))
        if params is not None and not isinstance(params, dict):
            raise TypeError("%s: params must be a dict, not %s" % (type(self).__name__, type(params).__name__))
        if not isinstance(allow_reuse, bool):
            raise TypeError("%s: allow_reuse must be a bool, not %r" % (type(self).__name__, allow_reuse))
        compute_name(compute_target)  # type check
        from .environment import RunConfiguration
        if runconfig is not None and not isinstance(runconfig, RunConfiguration):
            raise TypeError("%s: runconfig must be a RunConfiguration, not %s"
                            % (type(self).__name__, type(runconfig).__name__))
        self._explicit_name = name
        self.name = name
        outputs = [o._mark_output() if isinstance(o, _PROMOTED) else o for o in (outputs or [])]
        inputs = [i._input_view() if isinstance(i, PipelineOutputAbstractDataset)
                  else i.as_input() if isinstance(i, OutputTabularDatasetConfig) else i for i in (inputs or [])]
        arguments = [self._promoted_argument(a, outputs, inputs) if isinstance(a, _PROMOTED) else a
                     for a in (arguments or [])]
        self.arguments = list(arguments or [])
        self.compute_target = compute_target
        self.runconfig = runconfig
        self.inputs = list(inputs or [])
        self.outputs = list(outputs or [])
        self.params = dict(params or {})
        self.source_directory = source_directory
        self.allow_reuse = allow_reuse
        self.version = version
        self._run_after = []
        for a in self.inputs:
            if not isinstance(a, (PipelineData, _InputView, OutputFileDatasetConfig, DatasetConsumptionConfig,
                                  DataReference, tuple, _DatasetBase)):
                raise TypeError("%s: an input is PipelineData, its as_input(), a dataset's "
                                "as_named_input(), a DataReference or a (PipelineParameter, "
                                "DataPathComputeBinding) pair, not %s" % (type(self).__name__, type(a).__name__))
        for o in self.outputs:
            if not isinstance(o, (PipelineData, OutputFileDatasetConfig)):
                raise TypeError("%s: an output is PipelineData or OutputFileDatasetConfig, not %s"
                                % (type(self).__name__, type(o).__name__))
        # Bare data in the arguments that no step produces yet is this step's output (as in
        # the SDK); data listed as an input stays an input.
        listed = {id(i) for i in self.inputs}
        for a in self.arguments:
            if isinstance(a, (PipelineData, OutputFileDatasetConfig)) and id(a) not in listed \
                    and a not in self.outputs and a._producer is None:
                self.outputs.append(a)
        # The newest step that outputs a data object produces it, as the SDK's _set_producer:
        # a notebook that builds a step again (a changed cell run twice) with the same
        # PipelineData builds its next pipeline with the new step. Two steps of one pipeline
        # writing the same data are refused when the pipeline is built (_Build.build).
        for o in self.outputs:
            o._producer = self

    @staticmethod
    def _promoted_argument(a, outputs, inputs):
        """A promoted output in the arguments: this step's output when it is one (or no step
        produces it yet and it is not an input), else the consumer's view of it."""
        base = a._pipeline_data if isinstance(a, PipelineOutputAbstractDataset) else a._output_file_dataset_config
        listed = any(getattr(i, "data", i) is base for i in inputs)
        if any(o is base for o in outputs) or (a._producer is None and not listed):
            return a._mark_output()
        return a._input_view() if isinstance(a, PipelineOutputAbstractDataset) else a.as_input()

    def _reuse_allowed(self):
        """allow_reuse for this submission (a step that writes outside its outputs may say no)."""
        return self.allow_reuse

    def run_after(self, step):
        if not isinstance(step, _Step):
            raise TypeError("run_after: expected a step, not %s" % type(step).__name__)
        self._run_after.append(step)

    def _dependencies(self):
        """The steps this one reads from or runs after."""
        deps = list(self._run_after)
        for item in self.inputs + self.arguments:
            data = item.data if isinstance(item, _InputView) else item
            if isinstance(data, (PipelineData, OutputFileDatasetConfig)) and data._producer not in (None, self):
                deps.append(data._producer)
        return deps

    def __repr__(self):
        return "%s(name=%r)" % (type(self).__name__, self.name)


class PythonScriptStep(_Step):
    """Runs `script_name` from `source_directory` (default: the current folder) with
    `arguments`, where data becomes paths."""

    _kind = "python_script"

    def __init__(self, script_name, name=None, arguments=None, compute_target=None, runconfig=None,
                 runconfig_pipeline_params=None, inputs=None, outputs=None, params=None,
                 source_directory=None, allow_reuse=True, version=None, hash_paths=None):
        if not isinstance(script_name, str) or not script_name:
            raise ValueError("PythonScriptStep: script_name is required (a str), got %r" % (script_name,))
        super().__init__(name, arguments, compute_target, runconfig, inputs, outputs, params,
                         source_directory, allow_reuse, version)
        self.script_name = script_name
        self.runconfig_pipeline_params = dict(runconfig_pipeline_params or {})
        self.hash_paths = list(hash_paths or [])  # deprecated in the SDK: everything is hashed
        if self.name is None:
            self.name = script_name


class CommandStep(_Step):
    """Runs a shell command from `source_directory` (the SDK's CommandStep)."""

    _kind = "command"

    def __init__(self, command=None, name=None, compute_target=None, runconfig=None,
                 runconfig_pipeline_params=None, inputs=None, outputs=None, params=None,
                 source_directory=None, allow_reuse=True, version=None):
        from .script_run import ScriptRunConfig
        if isinstance(runconfig, ScriptRunConfig):
            # CommandStep(name=..., runconfig=ScriptRunConfig(...)): command, source
            # directory and compute come from it (the step's own keywords win).
            src = runconfig
            if command is None:
                command = src.command if src.command is not None else \
                    ["python " + src.script] + list(src.arguments)
            source_directory = source_directory or src.source_directory
            runconfig = src.run_config
            if compute_target is None and runconfig.target not in (None, "local"):
                compute_target = runconfig.target
        if isinstance(command, (list, tuple)):
            parts = list(command)
        elif isinstance(command, str) and command:
            parts = [command]
        else:
            raise ValueError("CommandStep: command is required (a str or a list), got %r" % (command,))
        text = [p for p in parts if isinstance(p, str)]
        super().__init__(name, [p for p in parts[1:]] if len(parts) > 1 else [], compute_target,
                         runconfig, inputs, outputs, params, source_directory, allow_reuse, version)
        self.command = parts[0] if len(parts) > 1 else text[0]
        self.runconfig_pipeline_params = dict(runconfig_pipeline_params or {})
        if self.name is None:
            self.name = "command"


def _unavailable_step(cls_name, what):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("%s is not available in runnel yet (%s); use PythonScriptStep or "
                                  "CommandStep" % (cls_name, what))
    return type(cls_name, (_Step,), {"__init__": __init__, "__doc__": "Not available yet: %s." % what})


class DataTransferStep(_Step):
    """Copies data between datastores (the SDK's DataTransferStep; Azure ML runs it on Azure
    Data Factory, runnel in a step of its own: `python -m runnel.data_transfer`). The source
    is a DataReference, DataPath, PipelineData (or its as_input()), dataset or
    DatasetConsumptionConfig on any datastore (local, Azure Blob, S3); the destination a
    DataReference (written in place on its datastore) or a PipelineData/OutputFileDatasetConfig
    (an output of this step on its datastore). compute_target is recorded (a DataFactoryCompute
    is a local target here)."""

    _kind = "command"

    def __init__(self, name, source_data_reference=None, destination_data_reference=None, compute_target=None,
                 source_reference_type=None, destination_reference_type=None, allow_reuse=True):
        for what, t in (("source_reference_type", source_reference_type),
                        ("destination_reference_type", destination_reference_type)):
            if t not in (None, "file", "directory"):
                raise ValueError("DataTransferStep: %s must be 'file' or 'directory', not %r" % (what, t))
        if source_data_reference is None or destination_data_reference is None:
            raise ValueError("DataTransferStep: source_data_reference and destination_data_reference are required")
        src = source_data_reference
        if isinstance(src, DataPath):
            src = src.create_data_reference()
        if isinstance(src, PipelineData):
            src = src.as_input()
        args = ["--source", src]
        if source_reference_type:
            args += ["--source-type", source_reference_type]
        outputs = []
        dest = destination_data_reference
        if isinstance(dest, DataPath):
            dest = dest.create_data_reference()
        if isinstance(dest, DataReference):
            args += ["--destination-datastore", dest.datastore.name, "--destination-path", dest.path_on_datastore]
        elif isinstance(dest, (PipelineData, OutputFileDatasetConfig)):
            args += ["--destination", dest]
            outputs.append(dest)
        else:
            raise TypeError("DataTransferStep: destination_data_reference must be a DataReference, DataPath, "
                            "PipelineData or OutputFileDatasetConfig, not %s" % type(dest).__name__)
        if destination_reference_type:
            args += ["--destination-type", destination_reference_type]
        super().__init__(name, args, compute_target, None, [src], outputs, None, None, allow_reuse, None)
        self.command = "python -m runnel.data_transfer"
        self._dest_reference = dest if isinstance(dest, DataReference) else None
        self.source_data_reference = source_data_reference
        self.destination_data_reference = destination_data_reference
        self.source_directory = _empty_source_directory()

    def _destinations(self):
        """A DataReference destination is written in place, outside the step's outputs: the
        engine records what is there when the copy finishes (a local path's content digest,
        an object store's listing of names, sizes, ETags and MD5s) and reuses the step only
        while it is unchanged, so a destination deleted or altered since reruns the copy."""
        if self._dest_reference is None:
            return []
        return [(self._dest_reference.datastore.name, self._dest_reference.path_on_datastore or "")]


def _empty_source_directory():
    """An empty folder as the code of steps that run runnel's own modules (nothing of the
    caller's folder is snapshotted)."""
    import tempfile
    d = os.path.join(tempfile.gettempdir(), "runnel-empty-source")
    os.makedirs(d, exist_ok=True)
    return d


AutoMLStep = _unavailable_step("AutoMLStep", "automated ML")


class EstimatorStep(PythonScriptStep):
    """Runs an Estimator's entry script (the SDK's EstimatorStep, deprecated there): its
    source folder and run configuration, `estimator_entry_script_arguments` as the
    arguments; the step's inputs/outputs/compute_target override the estimator's."""

    def __init__(self, name=None, estimator=None, estimator_entry_script_arguments=None,
                 runconfig_pipeline_params=None, inputs=None, outputs=None, compute_target=None,
                 allow_reuse=True, version=None):
        from .estimator import Estimator
        if not isinstance(estimator, Estimator):
            raise TypeError("EstimatorStep: estimator must be an Estimator, not %s" % type(estimator).__name__)
        if estimator_entry_script_arguments is not None and not isinstance(estimator_entry_script_arguments, list):
            raise TypeError("EstimatorStep: estimator_entry_script_arguments must be a list")
        super().__init__(estimator.entry_script, name=name,
                         arguments=estimator._arguments(estimator_entry_script_arguments),
                         compute_target=compute_target or estimator.compute_target,
                         runconfig=estimator.run_config, runconfig_pipeline_params=runconfig_pipeline_params,
                         inputs=inputs if inputs is not None else estimator.inputs, outputs=outputs,
                         source_directory=estimator.source_directory, allow_reuse=allow_reuse,
                         version=version)
        self.estimator = estimator


MpiStep = _unavailable_step("MpiStep", "deprecated in the SDK; MPI jobs")
RScriptStep = _unavailable_step("RScriptStep", "deprecated in the SDK; R scripts")
DatabricksStep = _unavailable_step("DatabricksStep", "Azure Databricks, cloud only")
AdlaStep = _unavailable_step("AdlaStep", "Azure Data Lake Analytics, cloud only")
AzureBatchStep = _unavailable_step("AzureBatchStep", "Azure Batch, cloud only")
KustoStep = _unavailable_step("KustoStep", "Azure Data Explorer, cloud only")
SynapseSparkStep = _unavailable_step("SynapseSparkStep", "Azure Synapse Spark, cloud only")


class StepSequence:
    """Steps that run one after another (each after the previous), as in the SDK."""

    def __init__(self, steps=None):
        self._steps = list(_flatten(steps or []))
        for prev, nxt in zip(self._steps, self._steps[1:]):
            nxt.run_after(prev)

    def __iter__(self):
        return iter(self._steps)


def _flatten(items):
    for s in items:
        if isinstance(s, (list, tuple, StepSequence)):
            yield from _flatten(s)
        elif isinstance(s, _Step):
            yield s
        else:
            raise TypeError("Pipeline steps must be steps (PythonScriptStep, ...), lists of steps or a "
                            "StepSequence, not %s" % type(s).__name__)


class _Build:
    """One translation of a pipeline into native objects (fresh per submit/validate)."""

    def __init__(self, pipeline, parameters, symbolic=False):
        self.pipeline = pipeline
        self.ws = pipeline._workspace
        self.params = dict(parameters or {})
        # symbolic: parameters stay parameters (native PipelineParameter), for publishing.
        self.symbolic = symbolic
        self.data = {}
        self.native_steps = {}
        self.names = {}
        self.data_paths = {}  # symbolic: DataPath PipelineParameter name -> its default DataPath

    def param_value(self, p):
        return self.params.get(p.name, p.default_value)

    def data_native(self, d):
        n = self.data.get(id(d))
        if n is None:
            n = self.data[id(d)] = d._make_native()
        return n

    def convert(self, item, where):
        """An argument or input as the native module takes it."""
        if isinstance(item, (PipelineData, OutputFileDatasetConfig)):
            return self.data_native(item)
        if isinstance(item, _InputView):
            if item.read is not None:
                return self.data_native(item.data).as_dataset_input(item.name, **item.read)
            if item.bind_mode == "download":
                return self.data_native(item.data).as_download(item.name)
            return self.data_native(item.data).as_input(item.name)
        if isinstance(item, DatasetConsumptionConfig):
            if self.symbolic and isinstance(item.dataset, PipelineParameter):
                raise NotImplementedError("%s: publishing a pipeline with a dataset PipelineParameter (%r) is not "
                                          "supported yet; publish it from YAML (an mltable/uri_folder pipeline "
                                          "input) or pass the dataset itself" % (where, item.dataset.name))
            return item._to_native(self.ws, self.param_value)
        if isinstance(item, _DatasetBase):
            return item.as_named_input(item._default_input_name())._to_native(self.ws)
        if isinstance(item, DataReference):
            return item._consumption()._to_native(self.ws)
        if isinstance(item, DataPath):
            return item.create_data_reference()._consumption()._to_native(self.ws)
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], PipelineParameter) \
                and isinstance(item[1], DataPathComputeBinding):
            value = self.param_value(item[0])
            if not isinstance(value, DataPath):
                raise TypeError("pipeline parameter %r is bound with a DataPathComputeBinding, so its "
                                "value must be a DataPath, not %s" % (item[0].name, type(value).__name__))
            if self.symbolic:  # the input stays the parameter in the published spec (data_path_parameters.py)
                self.data_paths[item[0].name] = value
            ref = value.create_data_reference(item[0].name, item[1])
            return ref._consumption()._to_native(self.ws)
        if isinstance(item, PipelineParameter):
            if self.symbolic:
                if not isinstance(item.default_value, (str, bool, int, float)):
                    raise NotImplementedError(
                        "%s: publishing a pipeline whose PipelineParameter %r has a %s value is not "
                        "supported yet (str, int, float and bool parameters are)"
                        % (where, item.name, type(item.default_value).__name__))
                return native().PipelineParameter(item.name, item.default_value)
            return self.convert(self.param_value(item), where)
        if isinstance(item, (str, bool, int, float)):
            return item
        raise TypeError("%s: cannot pass a %s; use str, numbers, PipelineData, datasets or "
                        "PipelineParameter" % (where, type(item).__name__))

    def step_name(self, step):
        return self.names[id(step)]

    def build_step(self, step):
        where = "step %r" % step.name
        args = [self.convert(a, where + " arguments") for a in step.arguments]
        # A dataset listed in inputs and passed in the arguments with another mode
        # (inputs=[ds], arguments=[ds.as_download()]) is consumed the arguments' way.
        arg_modes = {a.name: a for a in step.arguments if isinstance(a, DatasetConsumptionConfig)}
        inputs = [self.convert(arg_modes.get(i.name, i) if isinstance(i, DatasetConsumptionConfig) else i,
                               where + " inputs") for i in step.inputs]
        inputs = [i for i in inputs if not isinstance(i, (str, bool, int, float, native().PipelineParameter))]
        outputs = [self.data_native(o) for o in step.outputs]
        rc = step.runconfig._to_native(self.ws) if step.runconfig is not None else {}
        if hasattr(step, "_parallel_workers"):  # a ParallelRunStep: its workers (a Slurm job array)
            rc["parallel_workers"] = step._parallel_workers(self.param_value)
        if self.symbolic and any(isinstance(v, PipelineParameter) for v in step.params.values()):
            raise NotImplementedError("%s: publishing a pipeline with a PipelineParameter in params is not "
                                      "supported yet; pass it in arguments" % where)
        params = {str(k): str(self.param_value(v) if isinstance(v, PipelineParameter) else v)
                  for k, v in step.params.items()}
        compute = compute_name(step.compute_target)
        if not compute and step.runconfig is not None:
            compute = compute_name(step.runconfig.target)
        if compute == "local":
            compute = ""
        source = step.source_directory or self.pipeline._default_source_directory or "."
        common = dict(name=self.step_name(step), arguments=args, compute_target=compute, runconfig=rc,
                      inputs=inputs, outputs=outputs, params=params,
                      source_directory=os.path.abspath(source), allow_reuse=step._reuse_allowed(),
                      version=str(step.version or ""))
        if isinstance(step, PythonScriptStep):
            return native().PythonScriptStep(step.script_name, common)
        destinations = step._destinations() if hasattr(step, "_destinations") else []
        if destinations:
            common["destinations"] = destinations
        return native().CommandStep(step.command, common)

    def build(self):
        steps = self.pipeline._all_steps()
        writers = {}
        for s in steps:
            for o in s.outputs:
                other = writers.setdefault(id(o), s)
                if other is not s:
                    raise ValueError("%s %r is an output of two steps of this pipeline, %r and %r; give each "
                                     "step its own (a step built again with the same output replaces the "
                                     "old one: leave the old step out of the pipeline)"
                                     % (type(o).__name__, o.name, other.name, s.name))
        # Default names (a script's name) that repeat get a suffix, as the SDK's do.
        seen = {}
        for s in steps:
            base = s._explicit_name or s.name
            # Azure accepts surrounding whitespace in a step name (MLOpsPython's
            # name="Evaluate Model "); the engine gets it stripped, step.name stays as given.
            if isinstance(base, str) and base.strip():
                base = base.strip()
            if s._explicit_name:
                self.names[id(s)] = base
                continue
            n = seen.get(base, 0) + 1
            seen[base] = n
            self.names[id(s)] = base if n == 1 else "%s_%d" % (base, n)
        natives = [self.build_step(s) for s in steps]
        by_id = {id(s): n for s, n in zip(steps, natives)}
        for s, n in zip(steps, natives):
            for other in s._run_after:
                if id(other) in by_id:
                    n.run_after(by_id[id(other)])
        return native().Pipeline(self.ws._native, natives,
                                 continue_on_step_failure=bool(self.pipeline._continue_on_step_failure),
                                 description=self.pipeline.description or "")


class Pipeline:
    """The steps given and every step they depend on (through data or run_after)."""

    def __init__(self, workspace, steps, description=None, default_datastore=None,
                 default_source_directory=None, resolve_closure=True, _workflow_provider=None,
                 _service_endpoint=None, **kwargs):
        from .core import _as_workspace
        if kwargs:
            raise TypeError("Pipeline() got an unexpected keyword argument %r" % next(iter(kwargs)))
        if isinstance(steps, _Step):
            steps = [steps]
        if not isinstance(steps, (list, tuple, StepSequence)):
            raise TypeError("Pipeline steps must be a list of steps or a StepSequence, not %s"
                            % type(steps).__name__)
        self._workspace = _as_workspace(workspace)
        self._steps = list(_flatten(steps))
        if not self._steps:
            raise ValueError("Pipeline: steps is empty; give at least one step")
        self.description = description
        self._default_datastore = default_datastore
        self._default_source_directory = default_source_directory
        self._resolve_closure = resolve_closure
        self._continue_on_step_failure = False
        self._experiment_name = None

    @staticmethod
    def load_yaml(workspace, filename, _workflow_provider=None, _service_endpoint=None):
        """A Pipeline built from an SDK v1 pipeline YAML file (runnel/sdk/pipeline_yaml.py).
        (A v2 pipeline job YAML runs with `runnel run FILE`.)"""
        from .pipeline_yaml import load_yaml
        steps, description = load_yaml(workspace, filename)
        return Pipeline(workspace, steps, description=description)

    def _all_steps(self):
        """Every step, dependencies first (depth-first with a stack of its own: a chain of
        thousands of steps given by its last one must not hit Python's recursion limit)."""
        out, seen = [], set()

        def deps_of(s):
            return iter(s._dependencies() if self._resolve_closure else ())
        for root in self._steps:
            if id(root) in seen:
                continue
            seen.add(id(root))
            stack = [(root, deps_of(root))]
            while stack:
                s, deps = stack[-1]
                for d in deps:
                    if id(d) not in seen:
                        seen.add(id(d))
                        stack.append((d, deps_of(d)))
                        break
                else:
                    stack.pop()
                    out.append(s)
        return out

    def _native(self, parameters=None, symbolic=False):
        return _Build(self, parameters, symbolic).build()

    def _publishable_spec(self):
        """The spec JSON to publish: parameters stay parameters, a DataPath PipelineParameter
        too (a data parameter that DataPathAssignments and pipeline_parameters set)."""
        from .data_path_parameters import as_data_parameters
        b = _Build(self, None, True)
        spec = json.loads(b.build().spec_json())
        return as_data_parameters(spec, b.data_paths, self._workspace)

    def validate(self):
        """The problems the engine finds (an empty list when the pipeline is valid)."""
        return list(self._native().validate())

    @property
    def graph(self):
        """The pipeline as the engine records it (nodes are step names, edges data)."""
        import json
        return _Graph(json.loads(self._native().spec_json()))

    def submit(self, experiment_name, pipeline_parameters=None, continue_on_step_failure=False,
               regenerate_outputs=False, parent_run_id=None, credential_passthrough=None, **kwargs):
        from .core import Experiment
        return Experiment(self._workspace, experiment_name).submit(
            self, pipeline_parameters=pipeline_parameters, continue_on_step_failure=continue_on_step_failure,
            regenerate_outputs=regenerate_outputs, **kwargs)

    def _submit(self, experiment, tags=None, pipeline_parameters=None, regenerate_outputs=False,
                continue_on_step_failure=False, parent_run_id=None, credential_passthrough=None,
                **kwargs):
        from .runs import PipelineRun
        if kwargs:
            raise TypeError("submit() got an unexpected keyword argument %r" % next(iter(kwargs)))
        if pipeline_parameters is not None and not isinstance(pipeline_parameters, dict):
            raise TypeError("pipeline_parameters must be a dict, not %s" % type(pipeline_parameters).__name__)
        known = self._parameter_names()
        for k in pipeline_parameters or {}:
            if k not in known:
                raise ValueError("pipeline_parameters: %r is not a PipelineParameter of this pipeline "
                                 "(known: %s)" % (k, ", ".join(sorted(known)) or "none"))
        self._continue_on_step_failure = continue_on_step_failure
        nat = self._native(pipeline_parameters)
        tags = {str(k): str(v) for k, v in (tags or {}).items()}
        exp = native().Experiment(self._workspace._native, experiment.name)
        run = exp.submit(nat, self._workspace._native, regenerate_outputs=bool(regenerate_outputs),
                         continue_on_step_failure=bool(continue_on_step_failure), tags=tags)
        return PipelineRun._started(self._workspace, experiment, run, self)

    def _parameter_names(self):
        names = set()
        for s in self._all_steps():
            for item in s.arguments + s.inputs + list(s.params.values()):
                p = item[0] if isinstance(item, tuple) and item else item
                if isinstance(p, DatasetConsumptionConfig):
                    p = p.dataset
                if isinstance(p, PipelineParameter):
                    names.add(p.name)
        return names

    def publish(self, name=None, description=None, version=None, continue_on_step_failure=None):
        """Stores an immutable copy of this pipeline (its code folders frozen) in the workspace
        and returns the PublishedPipeline; PipelineParameters stay settable at submit."""
        from .publishing import _publish_spec
        if not name:
            raise ValueError("Pipeline.publish: name is required")
        return _publish_spec(self._workspace, self._publishable_spec(), name, description,
                             version, continue_on_step_failure, "sdk")

    def _set_experiment_name(self, name):
        """Records the experiment name (the SDK's hook for submitting a pipeline elsewhere);
        it changes nothing here: Experiment(ws, NAME).submit(pipeline) names the experiment."""
        self._experiment_name = name

    def __repr__(self):
        return "Pipeline(steps=%r)" % [s.name for s in self._all_steps()]


class _Graph:
    def __init__(self, spec):
        self._spec = spec
        self.nodes = [s["name"] for s in spec.get("steps", [])]

    @property
    def edges(self):
        out = []
        for s in self._spec.get("steps", []):
            for i in s.get("inputs", []):
                src = i.get("source") or {}
                if src.get("step"):
                    out.append((src["step"], s["name"]))
        return out

    def __repr__(self):
        return "Graph(nodes=%r)" % self.nodes


_PUBLISH = ("%s: publishing pipelines (PublishedPipeline, PipelineEndpoint, PipelineDraft, Schedule) "
            "is not available in runnel yet; submit the pipeline with Experiment(ws, NAME).submit(pipeline)")
_SCHEDULE = ("%s: schedules are not available in runnel yet; trigger a published pipeline over REST "
             "or with PublishedPipeline.submit")


def _unavailable(cls_name):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError(_SCHEDULE % cls_name)

    def _static(*args, **kwargs):
        raise NotImplementedError(_SCHEDULE % cls_name)
    ns = {"__init__": __init__, "__doc__": "Not available yet."}
    for m in ("get", "list", "create", "get_all", "create_for_pipeline_endpoint", "get_schedules_for_pipeline_id"):
        ns[m] = staticmethod(_static)
    return type(cls_name, (), ns)


class OutputPortBinding(PipelineData):
    """A step output bound to a datastore (azureml.pipeline.core.graph.OutputPortBinding,
    the ModuleStep way of writing PipelineData): the same thing under the older keywords."""

    def __init__(self, name, datastore=None, output_name=None, bind_mode="mount", path_on_compute=None,
                 is_directory=None, overwrite=None, data_type=None, pipeline_output_name=None,
                 training_output=None, dataset_registration=None, dataset_output=None):
        super().__init__(name, datastore=datastore, output_name=output_name, output_mode=bind_mode,
                         output_path_on_compute=path_on_compute, output_overwrite=overwrite,
                         data_type=data_type, is_directory=is_directory,
                         pipeline_output_name=pipeline_output_name, training_output=training_output)


from .publishing import PipelineDraft, PipelineEndpoint, PublishedPipeline  # noqa: E402
from .schedule import Schedule, ScheduleRecurrence, TimeZone  # noqa: E402  (run by `runnel serve`)
