"""A small `mlflow` for step scripts written for Azure ML v2 (standard library only).

Azure ML points MLflow's tracking at the job, so `mlflow.log_metric("f1", 0.9)` in a
command job's script becomes a metric of that job. This module does the same on runnel:
metrics, parameters and tags go to the step's run (runnel's `Run.get_context()`), where
`runnel metrics`, the studio, `runs show` and a sweep's `objective.primary_metric` see
them. Outside a step it behaves like an offline run (prints, never fails).

What there is: start_run (a context manager; nested runs log to the same step),
end_run, active_run, log_metric, log_metrics, log_param, log_params, set_tag, set_tags,
log_artifact, log_artifacts, log_text, log_dict, autolog (accepted, records nothing),
set_tracking_uri / get_tracking_uri / set_experiment (accepted), and the
`mlflow.sklearn` / `mlflow.pyfunc` model folders (mlflow/sklearn.py).

A real MLflow wins: when another `mlflow` package is on sys.path (installed in the step's
environment), importing `mlflow` loads that one in this module's place, so this module is
only what a step gets where no MLflow is installed. RUNNEL_MLFLOW=runnel keeps this one.
"""

import importlib.machinery
import importlib.util
import json
import os
import shutil
import sys


def _real_mlflow_spec():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for entry in sys.path:
        if os.path.abspath(entry or os.curdir) == here:
            continue
        spec = importlib.machinery.PathFinder.find_spec("mlflow", [entry])
        if spec is not None and spec.origin and os.path.dirname(os.path.dirname(spec.origin)) != here:
            return spec
    return None


_spec = None if os.environ.get("RUNNEL_MLFLOW") == "runnel" else _real_mlflow_spec()
if _spec is not None:
    # `import mlflow` returns sys.modules["mlflow"] once this file has run: the real package.
    _real = importlib.util.module_from_spec(_spec)
    sys.modules["mlflow"] = _real
    _spec.loader.exec_module(_real)

from runnel.run import Run as _Run

__version__ = "2.0.0+runnel"
_active = []


class _RunInfo:
    def __init__(self, run_id):
        self.run_id = run_id
        self.run_uuid = run_id


class ActiveRun:
    """What start_run() returns; usable as a context manager."""

    def __init__(self, run):
        self._run = run
        self.info = _RunInfo(run.id)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        end_run()
        return False


def _run():
    return _Run.get_context()


def start_run(run_id=None, experiment_id=None, run_name=None, nested=False, tags=None, **_ignored):
    r = ActiveRun(_run())
    _active.append(r)
    if tags:
        set_tags(tags)
    return r


def end_run(status=None):
    if _active:
        _active.pop()


def active_run():
    return _active[-1] if _active else None


def log_metric(key, value, step=None, **_ignored):
    _run().log(key, value)


def log_metrics(metrics, step=None, **_ignored):
    for k, v in metrics.items():
        log_metric(k, v, step)


def log_param(key, value):
    # Azure ML shows MLflow parameters among the job's properties.
    _run().add_properties({key: str(value)})
    return value


def log_params(params):
    for k, v in params.items():
        log_param(k, v)


def set_tag(key, value):
    _run().tag(key, str(value))


def set_tags(tags):
    for k, v in tags.items():
        set_tag(k, v)


def _outputs_dir(artifact_path):
    base = os.path.join(os.getcwd(), "outputs", artifact_path or "")
    os.makedirs(base, exist_ok=True)
    return base


def log_artifact(local_path, artifact_path=None):
    """Copies a file into the step's outputs/ folder (Azure ML's job artifacts)."""
    shutil.copy2(local_path, _outputs_dir(artifact_path))


def log_artifacts(local_dir, artifact_path=None):
    shutil.copytree(local_dir, _outputs_dir(artifact_path), dirs_exist_ok=True)


def log_text(text, artifact_file):
    path = os.path.join(_outputs_dir(os.path.dirname(artifact_file)), os.path.basename(artifact_file))
    with open(path, "w") as f:
        f.write(text)


def log_dict(dictionary, artifact_file):
    log_text(json.dumps(dictionary, indent=2), artifact_file)


def autolog(*_args, **_kwargs):
    """Accepted; runnel records only what the script logs itself."""


class ModelVersion:
    """What register_model returns (MLflow's ModelVersion): name, version, source."""

    def __init__(self, name, version, source):
        self.name, self.version, self.source = name, str(version), source

    def __repr__(self):
        return "<ModelVersion: name=%r, version=%r>" % (self.name, self.version)


def _model_path(model_uri):
    """The local folder a model URI names: runs:/<this run's id>/<p> is this step's
    outputs/<p> (where log_model saved it), file:// and plain paths are themselves."""
    if model_uri.startswith("runs:/"):
        run_id, _, rel = model_uri[len("runs:/"):].partition("/")
        if run_id != _run().id:
            raise ValueError("register_model: %s names run %s; inside a step runs:/ URIs name the step's "
                             "own run (%s); register another run's model with `runnel model create "
                             "--name NAME --path %s`" % (model_uri, run_id, _run().id, model_uri))
        return os.path.join(os.getcwd(), "outputs", rel)
    return model_uri[len("file://"):] if model_uri.startswith("file://") else model_uri


def register_model(model_uri, name, **_ignored):
    """Registers the model at `model_uri` as the next version of `name`, in the workspace's
    models (where Model.register and `runnel model create` keep them), type mlflow_model."""
    from runnel.model import Model
    path = _model_path(model_uri)
    if not os.path.exists(path):
        raise FileNotFoundError("register_model: %s (%s) does not exist; save or log the model first"
                                % (model_uri, path))
    run = _run()
    m = Model.register(None, path, name, _run_id=None if run.offline else run.id,
                       _model_type="mlflow_model")
    return ModelVersion(m.name, m.version, model_uri)


_tracking_uri = ""


def set_tracking_uri(uri):
    global _tracking_uri
    _tracking_uri = uri


def get_tracking_uri():
    return _tracking_uri or "runnel://step"


def set_experiment(experiment_name=None, experiment_id=None):
    return None


if _spec is None:  # (with a real MLflow loaded, the names above are unused)
    from . import sklearn, pyfunc  # noqa: E402  (submodules need the names above)
