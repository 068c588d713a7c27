"""ParallelRunConfig and ParallelRunStep (azureml.pipeline.steps): one step whose input is
split into mini-batches and run by a pool of worker processes (runnel.parallel_run).

The step is an ordinary engine step running ``python -m runnel.parallel_run`` with the
config's settings as arguments, so they are part of its fingerprint; the driver adds
reuse per mini-batch below the step's own reuse. Not synchronized.
"""

import os

from .data import DatasetConsumptionConfig, FileDataset, TabularDataset, _DatasetBase
from .environment import Environment, RunConfiguration
from .pipeline import PipelineData, PipelineParameter, _InputView, _Step

_OUTPUT_ACTIONS = ("append_row", "summary_only")
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ParallelRunConfig:
    """The SDK's ParallelRunConfig: how ParallelRunStep runs entry_script over mini-batches."""

    def __init__(self, environment, entry_script, error_threshold, output_action, compute_target, node_count,
                 process_count_per_node=None, mini_batch_size=None, source_directory=None, description=None,
                 logging_level="INFO", run_invocation_timeout=60, run_max_try=3, append_row_file_name=None,
                 allowed_failed_count=None, allowed_failed_percent=None, partition_keys=None,
                 environment_variables=None):
        if not isinstance(entry_script, str) or not entry_script:
            raise ValueError("ParallelRunConfig: entry_script is required (a str), got %r" % (entry_script,))
        if environment is not None and not isinstance(environment, Environment):
            raise TypeError("ParallelRunConfig: environment must be an Environment, not %s"
                            % type(environment).__name__)
        threshold = error_threshold.default_value if isinstance(error_threshold, PipelineParameter) \
            else error_threshold
        if not isinstance(threshold, int) or threshold < -1:
            raise ValueError("ParallelRunConfig: error_threshold must be an int >= -1 (-1: never fail on "
                             "item errors), got %r" % (error_threshold,))
        if output_action not in _OUTPUT_ACTIONS:
            raise ValueError("ParallelRunConfig: output_action must be 'append_row' or 'summary_only', not %r"
                             % (output_action,))
        if not isinstance(node_count, int) or node_count < 1:
            raise ValueError("ParallelRunConfig: node_count must be an int >= 1, got %r" % (node_count,))
        # mini_batch_size, process_count_per_node, error_threshold, run_invocation_timeout and
        # run_max_try may be PipelineParameters (set at submit); their defaults are checked.
        pcount = process_count_per_node.default_value if isinstance(process_count_per_node, PipelineParameter) \
            else process_count_per_node
        if pcount is not None and (not isinstance(pcount, int) or pcount < 1):
            raise ValueError("ParallelRunConfig: process_count_per_node must be an int >= 1, got %r"
                             % (process_count_per_node,))
        if logging_level not in _LEVELS:
            raise ValueError("ParallelRunConfig: logging_level must be one of %s, not %r"
                             % (", ".join(_LEVELS), logging_level))
        tries = run_max_try.default_value if isinstance(run_max_try, PipelineParameter) else run_max_try
        if not isinstance(tries, int) or tries < 1:
            raise ValueError("ParallelRunConfig: run_max_try must be an int >= 1, got %r" % (run_max_try,))
        if allowed_failed_percent is not None and not 0 <= float(allowed_failed_percent) <= 100:
            raise ValueError("ParallelRunConfig: allowed_failed_percent must be in [0, 100], got %r"
                             % (allowed_failed_percent,))
        if partition_keys is not None and not isinstance(partition_keys, (list, tuple)):
            raise TypeError("ParallelRunConfig: partition_keys must be a list of column names")
        if partition_keys and mini_batch_size is not None:
            raise ValueError("ParallelRunConfig: mini_batch_size cannot be set with partition_keys "
                             "(each partition is one mini-batch)")
        self.environment = environment
        self.entry_script = entry_script
        self.error_threshold = error_threshold
        self.output_action = output_action
        self.compute_target = compute_target
        self.node_count = node_count
        self.process_count_per_node = process_count_per_node
        self.mini_batch_size = mini_batch_size
        self.source_directory = source_directory
        self.description = description
        self.logging_level = logging_level
        self.run_invocation_timeout = run_invocation_timeout
        self.run_max_try = run_max_try
        self.append_row_file_name = append_row_file_name
        self.allowed_failed_count = allowed_failed_count
        self.allowed_failed_percent = allowed_failed_percent
        self.partition_keys = list(partition_keys) if partition_keys else None
        self.environment_variables = dict(environment_variables or {})

    def _driver_arguments(self, tabular, param_prefix="aml_"):
        """The driver's arguments. As in Azure ML, the run settings are pipeline parameters
        of the step (aml_mini_batch_size, aml_error_threshold, aml_logging_level,
        aml_run_invocation_timeout, aml_run_max_try, aml_node_count,
        aml_process_count_per_node; without the prefix for azureml.contrib's step), so
        pipeline_parameters / a REST ParameterAssignments can change them; a setting given
        as a PipelineParameter keeps its own name."""
        def param(name, value):
            if isinstance(value, PipelineParameter) or param_prefix is None:
                return value
            return PipelineParameter(param_prefix + name, value)
        a = ["--entry-script", self.entry_script, "--source-directory", ".",
             "--error-threshold", param("error_threshold", self.error_threshold),
             "--output-action", self.output_action,
             "--node-count", param("node_count", self.node_count),
             "--process-count-per-node", param("process_count_per_node", self.process_count_per_node or 1),
             "--run-invocation-timeout", param("run_invocation_timeout", self.run_invocation_timeout),
             "--run-max-try", param("run_max_try", self.run_max_try),
             "--logging-level", param("logging_level", self.logging_level)]
        if self.mini_batch_size is not None:
            size = self.mini_batch_size
            a += ["--mini-batch-size", param("mini_batch_size", size if isinstance(size, PipelineParameter)
                                             else str(size))]
        if self.append_row_file_name:
            a += ["--append-row-file-name", self.append_row_file_name]
        if self.allowed_failed_count is not None:
            a += ["--allowed-failed-count", int(self.allowed_failed_count)]
        if self.allowed_failed_percent is not None:
            a += ["--allowed-failed-percent", float(self.allowed_failed_percent)]
        if self.partition_keys:
            a += ["--partition-keys", ",".join(self.partition_keys)]
        if tabular:
            a += ["--tabular"]
        return a

    def __repr__(self):
        return "ParallelRunConfig(entry_script=%r, mini_batch_size=%r, node_count=%r)" % (
            self.entry_script, self.mini_batch_size, self.node_count)


def _is_tabular(item):
    data = item.data if isinstance(item, _InputView) else item
    if isinstance(data, DatasetConsumptionConfig):
        data = data.dataset
    if isinstance(data, PipelineParameter):
        data = data.default_value
    return isinstance(data, TabularDataset)


class ParallelRunStep(_Step):
    """ParallelRunStep(name, parallel_run_config, inputs, output=None, side_inputs=None,
    arguments=None, allow_reuse=True): runs the config's entry script over the mini-batches
    of the first input; side inputs are passed whole (as ordinary inputs)."""

    _kind = "command"
    _param_prefix = "aml_"

    def __init__(self, name, parallel_run_config, inputs, output=None, side_inputs=None, arguments=None,
                 allow_reuse=True, models=None, tags=None, properties=None, add_parallel_run_step_dependencies=True):
        if not isinstance(name, str) or not name:
            raise ValueError("ParallelRunStep: name is required (a str), got %r" % (name,))
        if not isinstance(parallel_run_config, ParallelRunConfig):
            raise TypeError("ParallelRunStep: parallel_run_config must be a ParallelRunConfig, not %s"
                            % type(parallel_run_config).__name__)
        if not isinstance(inputs, (list, tuple)) or not inputs:
            raise ValueError("ParallelRunStep: inputs must be a non-empty list of datasets")
        if len(inputs) > 1:
            raise NotImplementedError("ParallelRunStep: runnel splits one input into mini-batches; pass the "
                                      "others as side_inputs (got %d inputs)" % len(inputs))
        if output is not None and not isinstance(output, PipelineData) and \
                type(output).__name__ != "OutputFileDatasetConfig":
            raise TypeError("ParallelRunStep: output must be PipelineData or OutputFileDatasetConfig, not %s"
                            % type(output).__name__)
        if parallel_run_config.output_action == "append_row" and output is None:
            raise ValueError("ParallelRunStep %r: output_action 'append_row' needs output= (where the rows go)"
                             % name)
        prc = parallel_run_config
        data = inputs[0]
        if isinstance(data, _DatasetBase):
            data = data.as_named_input(data._default_input_name())
        self._split_input = data
        args = ["--input", data] + prc._driver_arguments(_is_tabular(data), self._param_prefix)
        if output is not None:
            args += ["--output", output]
        args += ["--"] + list(arguments or [])
        rc = RunConfiguration()
        if prc.environment is not None:
            rc.environment = prc.environment
        super().__init__(name, args, prc.compute_target, rc, [data] + list(side_inputs or []),
                         [output] if output is not None else [], None,
                         prc.source_directory, allow_reuse, None)
        self.command = "python -m runnel.parallel_run"
        self.parallel_run_config = prc
        self.side_inputs = list(side_inputs or [])
        self.output = output
        # models= (azureml.contrib's ParallelRunStep): recorded; the entry script finds them
        # with Model.get_model_path(name) as in Azure ML.
        self.models = list(models or [])
        if not os.path.isfile(os.path.join(prc.source_directory or ".", prc.entry_script)):
            raise ValueError("ParallelRunConfig: entry_script %r not found in source_directory %s"
                             % (prc.entry_script, os.path.abspath(prc.source_directory or ".")))


    def _parallel_workers(self, param_value):
        """node_count x process_count_per_node, with PipelineParameters at their submitted
        values: how many workers pull the mini-batches (on Slurm, the size of the step's one
        job array); no more than the input's mini-batches when they are known now (a
        FileDataset split by a file count), so that no task is queued without work."""
        prc = self.parallel_run_config

        def value(v, name):
            if isinstance(v, PipelineParameter):
                v = param_value(v)
            elif self._param_prefix is not None:
                v = param_value(PipelineParameter(self._param_prefix + name, v))
            return v
        workers = int(value(prc.node_count, "node_count")) * int(value(prc.process_count_per_node or 1,
                                                                        "process_count_per_node"))
        batches = self._mini_batch_count(value(prc.mini_batch_size, "mini_batch_size")
                                         if prc.mini_batch_size is not None else None)
        return min(workers, batches) if batches else workers

    def _mini_batch_count(self, mini_batch_size):
        """ceil(files / mini_batch_size) for a FileDataset input split by a number of files
        (default 10), or None when it cannot be known before the step runs: a tabular input
        (split by bytes), partition_keys (one mini-batch per group), a PipelineData or a
        dataset given as a PipelineParameter, or an empty file list."""
        data = self._split_input
        data = data.data if isinstance(data, _InputView) else data
        data = data.dataset if isinstance(data, DatasetConsumptionConfig) else data
        if not isinstance(data, FileDataset) or self.parallel_run_config.partition_keys:
            return None
        try:
            size = int(str(mini_batch_size if mini_batch_size is not None else 10))
            files = len(data._native.files())
        except (ValueError, AttributeError, RuntimeError):
            return None
        if size < 1 or files < 1:
            return None
        return -(-files // size)


class ContribParallelRunStep(ParallelRunStep):
    """azureml.contrib.pipeline.steps.ParallelRunStep (the preview package): the same step,
    its run settings published as pipeline parameters without the aml_ prefix
    (process_count_per_node, mini_batch_size, ...), as the batch-scoring tutorial sets them."""

    _param_prefix = ""

    def __init__(self, name, parallel_run_config, inputs, output=None, side_inputs=None, models=None,
                 arguments=None, allow_reuse=True, tags=None, properties=None,
                 add_parallel_run_step_dependencies=True):
        super().__init__(name, parallel_run_config, inputs, output=output, side_inputs=side_inputs,
                         arguments=arguments, allow_reuse=allow_reuse, models=models, tags=tags,
                         properties=properties)
