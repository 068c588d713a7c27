"""azureml.train.hyperdrive and HyperDriveStep: hyperparameter sweeps run by runnel.sweep.

A HyperDriveStep is an ordinary engine step running ``python -m runnel.sweep`` with the
sweep (its search space, sampling, policy, limits and the trial's command) as base64 JSON
in its arguments, so the sweep's definition is part of the step's fingerprint. Trials are
child runs (StepRun.get_children(), HyperDriveStepRun.get_best_run_by_primary_metric());
the best trial's outputs are the step's outputs. Not synchronized.
"""

import base64
import json
import shlex

from .data import DatasetConsumptionConfig, OutputFileDatasetConfig, _DatasetBase
from .pipeline import PipelineData, PipelineParameter, _InputView, _Step

# ---- parameter expressions (azureml.train.hyperdrive.parameter_expressions) ---------


class _Expression(list):
    """What the SDK's expression functions return (a list: [name, [arguments]]), with the
    v2 search-space form the driver reads."""

    def __init__(self, name, args, spec):
        super().__init__([name, [args]])
        self._spec = dict(spec, type=name)


def _number(v, what):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError("%s must be a number, not %r" % (what, v))
    return v


def choice(*options):
    values = list(options[0]) if len(options) == 1 and isinstance(options[0], (list, tuple, range)) else list(options)
    if not values:
        raise ValueError("choice(): give at least one option")
    return _Expression("choice", values, {"values": values})


def randint(upper):
    if isinstance(upper, bool) or not isinstance(upper, int) or upper < 1:
        raise ValueError("randint(upper): upper must be a positive int, got %r" % (upper,))
    return _Expression("randint", [upper], {"upper": upper})


def _range(name, a, b, q=None, names=("min_value", "max_value")):
    _number(a, "%s(): %s" % (name, names[0]))
    _number(b, "%s(): %s" % (name, names[1]))
    spec = {names[0]: a, names[1]: b}
    args = [a, b]
    if q is not None:
        if _number(q, "%s(): q" % name) <= 0:
            raise ValueError("%s(): q must be positive, got %r" % (name, q))
        spec["q"] = q
        args.append(q)
    if names[0] == "min_value" and a >= b:
        raise ValueError("%s(): min_value %r must be below max_value %r" % (name, a, b))
    if names[0] == "mu" and b <= 0:
        raise ValueError("%s(): sigma must be positive, got %r" % (name, b))
    return _Expression(name, args, spec)


def uniform(min_value, max_value):
    return _range("uniform", min_value, max_value)


def quniform(min_value, max_value, q):
    return _range("quniform", min_value, max_value, q)


def loguniform(min_value, max_value):
    return _range("loguniform", min_value, max_value)


def qloguniform(min_value, max_value, q):
    return _range("qloguniform", min_value, max_value, q)


def normal(mu, sigma):
    return _range("normal", mu, sigma, names=("mu", "sigma"))


def qnormal(mu, sigma, q):
    return _range("qnormal", mu, sigma, q, names=("mu", "sigma"))


def lognormal(mu, sigma):
    return _range("lognormal", mu, sigma, names=("mu", "sigma"))


def qlognormal(mu, sigma, q):
    return _range("qlognormal", mu, sigma, q, names=("mu", "sigma"))


# ---- sampling -------------------------------------------------------------------------


class HyperParameterSampling:
    _kind = None
    _allowed = None  # expression names this sampling takes; None = all

    def __init__(self, parameter_space, properties=None):
        if not isinstance(parameter_space, dict) or not parameter_space:
            raise ValueError("%s: parameter_space must be a non-empty dict of name -> expression"
                             % type(self).__name__)
        for name, e in parameter_space.items():
            if not isinstance(e, _Expression):
                raise TypeError("%s: parameter %r must be an expression such as choice(...) or uniform(...), "
                                "not %r" % (type(self).__name__, name, e))
            if self._allowed and e[0] not in self._allowed:
                raise ValueError("%s: parameter %r is %s(); this sampling takes only %s"
                                 % (type(self).__name__, name, e[0], ", ".join(self._allowed)))
        if properties is not None and not isinstance(properties, dict):
            raise TypeError("%s: properties must be a dict" % type(self).__name__)
        self._parameter_space = dict(parameter_space)
        self._properties = dict(properties or {})

    def to_json(self):
        algo = {"type": self._kind}
        if "seed" in self._properties:
            algo["seed"] = int(self._properties["seed"])
        return algo

    def _space(self):
        return {n: e._spec for n, e in self._parameter_space.items()}


class RandomParameterSampling(HyperParameterSampling):
    _kind = "random"


class GridParameterSampling(HyperParameterSampling):
    """Every combination of the choice() values."""
    _kind = "grid"
    _allowed = ("choice",)


class BayesianParameterSampling(HyperParameterSampling):
    """runnel implements it as a Tree-structured Parzen Estimator (runnel.sweep)."""
    _kind = "bayesian"
    _allowed = ("choice", "uniform", "quniform")


# ---- early termination ----------------------------------------------------------------


class EarlyTerminationPolicy:
    _kind = None

    def __init__(self, evaluation_interval=1, delay_evaluation=0):
        for n, v in (("evaluation_interval", evaluation_interval), ("delay_evaluation", delay_evaluation)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError("%s: %s must be an int >= 0, got %r" % (type(self).__name__, n, v))
        self.evaluation_interval = evaluation_interval
        self.delay_evaluation = delay_evaluation

    def to_json(self):
        return {"type": self._kind, "evaluation_interval": self.evaluation_interval,
                "delay_evaluation": self.delay_evaluation}


class BanditPolicy(EarlyTerminationPolicy):
    _kind = "bandit"

    def __init__(self, evaluation_interval=1, slack_factor=None, slack_amount=None, delay_evaluation=0):
        super().__init__(evaluation_interval, delay_evaluation)
        if (slack_factor is None) == (slack_amount is None):
            raise ValueError("BanditPolicy: give exactly one of slack_factor and slack_amount")
        self.slack_factor = slack_factor
        self.slack_amount = slack_amount

    def to_json(self):
        j = super().to_json()
        j["slack_factor" if self.slack_factor is not None else "slack_amount"] = \
            self.slack_factor if self.slack_factor is not None else self.slack_amount
        return j


class MedianStoppingPolicy(EarlyTerminationPolicy):
    _kind = "median_stopping"


class TruncationSelectionPolicy(EarlyTerminationPolicy):
    _kind = "truncation_selection"

    def __init__(self, truncation_percentage, evaluation_interval=1, delay_evaluation=0,
                 exclude_finished_jobs=False):
        super().__init__(evaluation_interval, delay_evaluation)
        if isinstance(truncation_percentage, bool) or not isinstance(truncation_percentage, int) \
                or not 1 <= truncation_percentage <= 99:
            raise ValueError("TruncationSelectionPolicy: truncation_percentage must be an int in [1, 99], got %r"
                             % (truncation_percentage,))
        self.truncation_percentage = truncation_percentage
        self.exclude_finished_jobs = bool(exclude_finished_jobs)

    def to_json(self):
        return dict(super().to_json(), truncation_percentage=self.truncation_percentage,
                    exclude_finished_jobs=self.exclude_finished_jobs)


class NoTerminationPolicy(EarlyTerminationPolicy):
    def __init__(self):
        super().__init__()

    def to_json(self):
        return None


class PrimaryMetricGoal:
    MAXIMIZE = "MAXIMIZE"
    MINIMIZE = "MINIMIZE"


# ---- the config and the step ------------------------------------------------------------


class HyperDriveConfig:
    """HyperDriveConfig(hyperparameter_sampling, primary_metric_name, primary_metric_goal,
    max_total_runs, max_concurrent_runs=None, max_duration_minutes=10080, policy=None,
    estimator=None, run_config=None, ...): the trial is run_config (a ScriptRunConfig)."""

    def __init__(self, hyperparameter_sampling, primary_metric_name, primary_metric_goal, max_total_runs,
                 max_concurrent_runs=None, max_duration_minutes=10080, policy=None, estimator=None,
                 run_config=None, resume_from=None, resume_child_runs=None, pipeline=None, debug_flag=None,
                 custom_run_id=None):
        from .script_run import ScriptRunConfig
        if not isinstance(hyperparameter_sampling, HyperParameterSampling):
            raise TypeError("HyperDriveConfig: hyperparameter_sampling must be RandomParameterSampling, "
                            "GridParameterSampling or BayesianParameterSampling, not %s"
                            % type(hyperparameter_sampling).__name__)
        if not isinstance(primary_metric_name, str) or not primary_metric_name:
            raise ValueError("HyperDriveConfig: primary_metric_name is required (the name trials log with run.log)")
        if primary_metric_goal not in (PrimaryMetricGoal.MAXIMIZE, PrimaryMetricGoal.MINIMIZE):
            raise ValueError("HyperDriveConfig: primary_metric_goal must be PrimaryMetricGoal.MAXIMIZE or "
                             "MINIMIZE, not %r" % (primary_metric_goal,))
        if isinstance(max_total_runs, bool) or not isinstance(max_total_runs, int) or max_total_runs < 1:
            raise ValueError("HyperDriveConfig: max_total_runs must be an int >= 1, got %r" % (max_total_runs,))
        if max_concurrent_runs is not None and (not isinstance(max_concurrent_runs, int) or max_concurrent_runs < 1):
            raise ValueError("HyperDriveConfig: max_concurrent_runs must be an int >= 1, got %r"
                             % (max_concurrent_runs,))
        if policy is not None and not isinstance(policy, EarlyTerminationPolicy):
            raise TypeError("HyperDriveConfig: policy must be BanditPolicy, MedianStoppingPolicy, "
                            "TruncationSelectionPolicy or NoTerminationPolicy, not %s" % type(policy).__name__)
        if isinstance(hyperparameter_sampling, BayesianParameterSampling) and policy is not None \
                and not isinstance(policy, NoTerminationPolicy):
            raise ValueError("HyperDriveConfig: BayesianParameterSampling does not support early termination; "
                             "pass policy=None")
        for what, v in (("estimator", estimator), ("pipeline", pipeline), ("resume_from", resume_from),
                        ("resume_child_runs", resume_child_runs)):
            if v is not None:
                raise NotImplementedError("HyperDriveConfig: %s= is not supported by runnel; give the trial as "
                                          "run_config=ScriptRunConfig(...)" % what)
        if not isinstance(run_config, ScriptRunConfig) or not run_config.script:
            raise ValueError("HyperDriveConfig: run_config must be a ScriptRunConfig with script= (the trial)")
        self._sampling = hyperparameter_sampling
        self._primary_metric_name = primary_metric_name
        self._primary_metric_goal = primary_metric_goal
        self._max_total_runs = max_total_runs
        self._max_concurrent_runs = max_concurrent_runs
        self._max_duration_minutes = max_duration_minutes
        self._policy = policy
        self.run_config = run_config
        self.source_directory = run_config.source_directory

    primary_metric_name = property(lambda self: self._primary_metric_name)
    max_total_runs = property(lambda self: self._max_total_runs)

    def _spec(self, trial_command):
        spec = {"trial": {"command": trial_command},
                "search_space": self._sampling._space(),
                "sampling_algorithm": self._sampling.to_json(),
                "objective": {"primary_metric": self._primary_metric_name,
                              "goal": self._primary_metric_goal.lower()},
                "limits": {"max_total_trials": self._max_total_runs,
                           "max_concurrent_trials": self._max_concurrent_runs or self._max_total_runs},
                "append_params": True}
        if self._max_duration_minutes:
            spec["limits"]["timeout"] = int(self._max_duration_minutes) * 60
        if self._policy is not None and self._policy.to_json():
            spec["early_termination"] = self._policy.to_json()
        return spec


def _port_name(item):
    if isinstance(item, _InputView):
        return item.name
    if isinstance(item, PipelineData):
        return item.output_name
    if isinstance(item, (DatasetConsumptionConfig, OutputFileDatasetConfig)):
        return item.name
    if isinstance(item, _DatasetBase):
        return item._default_input_name()
    return None


class HyperDriveStep(_Step):
    """HyperDriveStep(name, hyperdrive_config, estimator_entry_script_arguments=None,
    inputs=None, outputs=None, metrics_output=None, allow_reuse=True, version=None)."""

    _kind = "command"

    def __init__(self, name, hyperdrive_config, estimator_entry_script_arguments=None, inputs=None,
                 outputs=None, metrics_output=None, allow_reuse=True, version=None):
        if not isinstance(name, str) or not name:
            raise ValueError("HyperDriveStep: name is required (a str), got %r" % (name,))
        if not isinstance(hyperdrive_config, HyperDriveConfig):
            raise TypeError("HyperDriveStep: hyperdrive_config must be a HyperDriveConfig, not %s"
                            % type(hyperdrive_config).__name__)
        if metrics_output is not None and not isinstance(metrics_output, PipelineData):
            raise TypeError("HyperDriveStep: metrics_output must be PipelineData, not %s"
                            % type(metrics_output).__name__)
        cfg = hyperdrive_config
        src = cfg.run_config
        # PipelineData(training_output=TrainingOutput("Metrics"|"Model", model_file=...)): the
        # trials' metrics as JSON, or the best trial's model file; both are files.
        trained = [o for o in (outputs or []) if isinstance(o, PipelineData) and o._training_output is not None]
        for o in trained:
            o._is_directory = False
            if o._training_output.type == "Metrics":
                if metrics_output is not None and metrics_output is not o:
                    raise ValueError("HyperDriveStep: give metrics_output or an output with "
                                     "TrainingOutput('Metrics'), not both")
                metrics_output = o
        models = [o for o in trained if o._training_output.type == "Model"]
        outputs = [o for o in (outputs or []) if not any(o is t for t in trained)]
        trial_args = list(estimator_entry_script_arguments if estimator_entry_script_arguments is not None
                          else src.arguments)
        outputs = list(outputs or [])
        inputs = list(inputs or [])
        in_ports, out_ports = {}, {}
        output_ids = {id(o) for o in outputs}
        parts = ["python", shlex.quote(src.script)]
        for a in trial_args:
            if isinstance(a, PipelineParameter):
                a = a.default_value
            name_ = _port_name(a)
            if name_ is None:
                if not isinstance(a, (str, int, float, bool)):
                    raise TypeError("HyperDriveStep: cannot pass a %s in the trial's arguments" % type(a).__name__)
                parts.append(shlex.quote(str(a)))
            elif id(a) in output_ids or (isinstance(a, (PipelineData, OutputFileDatasetConfig))
                                         and a._producer is None and not any(a is i for i in inputs)):
                if id(a) not in output_ids:
                    outputs.append(a)
                    output_ids.add(id(a))
                out_ports[name_] = a
                parts.append("${{outputs.%s}}" % name_)
            else:
                in_ports[name_] = a
                parts.append("${{inputs.%s}}" % name_)
        for i in inputs:
            in_ports.setdefault(_port_name(i), i)
        for o in outputs:
            out_ports.setdefault(_port_name(o), o)
        spec = cfg._spec(" ".join(parts))
        args = ["--spec-b64", base64.b64encode(json.dumps(spec, sort_keys=True).encode()).decode()]
        for n, i in sorted(in_ports.items()):
            args += ["--input-pair", n, i]
        for n, o in sorted(out_ports.items()):
            args += ["--output-pair", n, o]
        if metrics_output is not None:
            metrics_output._is_directory = False
            args += ["--metrics-output", metrics_output]
            outputs.append(metrics_output)
        for o in models:
            if not o._training_output.model_file:
                raise ValueError("HyperDriveStep: TrainingOutput('Model') needs model_file= (the file "
                                 "the trial writes, e.g. 'outputs/model/saved_model.pb')")
            args += ["--model-output", o._training_output.model_file, o]
            outputs.append(o)
        super().__init__(name, args, src.run_config.target if src.run_config.target != "local" else None,
                         src.run_config, list(in_ports.values()), outputs, None, cfg.source_directory,
                         allow_reuse, version)
        self.command = "python -m runnel.sweep"
        self.hyperdrive_config = cfg
        self.metrics_output = metrics_output
