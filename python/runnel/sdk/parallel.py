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

    # The SDK's YAML form ({"parallel_run_config": {...}}), which the v1 pipeline YAML's
    # ParallelRunStep names with `parallel_run_config: FILE`.
    _YAML_KEYS = ("mini_batch_size", "error_threshold", "output_action", "logging_level", "compute_target_name",
                  "node_count", "process_count_per_node", "entry_script", "source_directory", "description",
                  "run_invocation_timeout", "run_max_try", "append_row_file_name", "allowed_failed_count",
                  "allowed_failed_percent", "partition_keys", "environment_variables", "environment",
                  "environment_dir_path", "environment_name")

    def save_to_yaml(self, path):
        """Writes this config as the SDK does (PipelineParameters at their defaults)."""
        from .compute import compute_name
        from .config_files import _yaml, environment_to_dict

        def value(v):
            return v.default_value if isinstance(v, PipelineParameter) else v
        config = {"mini_batch_size": value(self.mini_batch_size), "error_threshold": value(self.error_threshold),
                  "output_action": self.output_action, "logging_level": value(self.logging_level),
                  "compute_target_name": compute_name(self.compute_target) or None,
                  "node_count": value(self.node_count), "process_count_per_node": value(self.process_count_per_node),
                  "entry_script": self.entry_script, "source_directory": self.source_directory,
                  "description": self.description, "run_invocation_timeout": value(self.run_invocation_timeout),
                  "run_max_try": value(self.run_max_try), "append_row_file_name": self.append_row_file_name,
                  "allowed_failed_count": self.allowed_failed_count,
                  "allowed_failed_percent": self.allowed_failed_percent,
                  "partition_keys": self.partition_keys, "environment_variables": self.environment_variables or None,
                  "environment": environment_to_dict(self.environment) if self.environment is not None else None}
        with open(path, "w", encoding="utf-8") as f:
            _yaml().safe_dump({"parallel_run_config": config}, f, sort_keys=False)

    @staticmethod
    def load_yaml(workspace, path, _base_dir=None):
        """The config save_to_yaml (or the SDK) wrote to `path`. Its environment is `environment`
        (the environment's definition, or the path of a YAML/JSON file holding it),
        `environment_dir_path` (a folder Environment.save_to_directory wrote) or
        `environment_name` (a registered environment). Relative paths are taken from
        `_base_dir` (default: the current folder, as the SDK does). Errors are ValueError
        naming the file and the key."""
        from .config_files import _yaml, environment_from_dict
        base = _base_dir or os.getcwd()

        def fail(key, message):
            raise ValueError("%s: parallel_run_config.%s: %s" % (path, key, message))
        try:
            with open(path, encoding="utf-8") as f:
                doc = _yaml().safe_load(f)
        except OSError as e:
            raise FileNotFoundError("ParallelRunConfig.load_yaml: cannot read %s: %s" % (path, e.strerror)) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("parallel_run_config"), dict):
            raise ValueError("%s: a ParallelRunConfig file holds a 'parallel_run_config' mapping" % path)
        config = doc["parallel_run_config"]
        unknown = sorted(set(config) - set(ParallelRunConfig._YAML_KEYS))
        if unknown:
            fail(unknown[0], "unknown key (known: %s)" % ", ".join(sorted(ParallelRunConfig._YAML_KEYS)))

        def local(p):
            return p if os.path.isabs(p) else os.path.join(base, p)
        env = config.get("environment")
        # The key an environment error names: the one the environment was read from.
        env_key = "environment" if env is not None else "environment_dir_path" \
            if config.get("environment_dir_path") else "environment_name"
        try:
            if isinstance(env, str):
                with open(local(env), encoding="utf-8") as f:
                    env = _yaml().safe_load(f)
            if isinstance(env, dict):
                env = environment_from_dict(env, os.path.dirname(local(config["environment"]))
                                            if isinstance(config["environment"], str) else base)
            elif config.get("environment_dir_path"):
                env = Environment.load_from_directory(local(config["environment_dir_path"]))
            elif config.get("environment_name"):
                env = Environment.get(workspace, config["environment_name"])
            elif env is not None:
                fail(env_key, "an environment definition or the path of a file holding one, not %r" % (env,))
        except OSError as e:
            fail(env_key, "cannot read %s: %s" % (e.filename, e.strerror))
        except ValueError:
            raise
        except Exception as e:  # noqa: BLE001 (UserErrorException / NotFoundError, reworded with the key)
            fail(env_key, str(e))
        mini_batch_size = config.get("mini_batch_size")
        source = config.get("source_directory")
        kwargs = {k: config[k] for k in ("error_threshold", "output_action", "node_count", "process_count_per_node",
                                         "description", "append_row_file_name", "allowed_failed_count",
                                         "allowed_failed_percent", "partition_keys", "environment_variables")
                  if config.get(k) is not None}
        for k, default in (("logging_level", "INFO"), ("run_invocation_timeout", 60), ("run_max_try", 3)):
            kwargs[k] = config[k] if config.get(k) is not None else default
        for required in ("entry_script", "error_threshold", "output_action", "node_count"):
            if config.get(required) is None:
                fail(required, "required")
        try:
            return ParallelRunConfig(environment=env, entry_script=config["entry_script"],
                                     compute_target=config.get("compute_target_name") or "local",
                                     mini_batch_size=None if mini_batch_size is None else str(mini_batch_size),
                                     source_directory=local(source) if source else base, **kwargs)
        except (TypeError, ValueError) as e:
            raise ValueError("%s: %s" % (path, e)) from None

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
