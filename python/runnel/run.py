"""`Run`: what a step script sees of its own run, as in the Azure ML SDK (v1).

    from runnel import Run
    run = Run.get_context()          # bound to $RUNNEL_RUN_CONTEXT, or an offline run
    train = run.input_datasets["train_data"]
    run.log("accuracy", 0.93)
    run.parent.log("best_accuracy", 0.93)

A bound run appends every metric, tag and property as one JSON line to the run's
metrics file (runnel/metrics.py); the engine ingests that file when the step ends. An
offline run (no RUNNEL_RUN_CONTEXT) prints what it was asked to log, keeps it in memory,
and never fails. Logging from several threads or processes at once is safe.
"""

import importlib
import os
import re
import shutil
import uuid

from . import context as _context
from . import metrics as _metrics
from . import parent as _parent
from .workspace import Experiment, Workspace

_OUTPUTS_PREFIX = "outputs/"


def _dataset_module():
    """runnel.dataset when it exists and can turn a context entry into a dataset, else None."""
    try:
        dataset = importlib.import_module(__package__ + ".dataset")  # optional, separate
    except ModuleNotFoundError as e:
        if e.name == __package__ + ".dataset":
            return None
        raise
    return dataset if callable(getattr(dataset, "from_context", None)) else None


class Run:
    """A step run (or, through `.parent`, its pipeline run). Create with get_context()."""

    _cache = {}  # context file path ("" for offline) -> Run

    def __new__(cls, ctx=None, *args, **kwargs):
        # Run(experiment, run_id): the SDK's way to open an existing run from a notebook.
        if ctx is not None and not isinstance(ctx, dict) and hasattr(ctx, "workspace"):
            run_id = args[0] if args else kwargs.get("run_id")
            return Run.get(ctx.workspace, run_id, _experiment=ctx)
        return super().__new__(cls)

    @staticmethod
    def get(workspace, run_id, _experiment=None):
        """The run `run_id` of `workspace`: a PipelineRun for a pipeline run's id, a StepRun for a
        step run's (Run.get(ws, id) and Run(experiment, id) in the SDK)."""
        from .sdk.runs import PipelineRun
        if not isinstance(run_id, str) or not run_id:
            raise ValueError("Run.get: run_id must be a non-empty str, not %r" % (run_id,))
        if not hasattr(workspace, "_native"):  # a step's run.experiment.workspace
            from .sdk.core import _as_workspace
            workspace = _as_workspace(workspace)
        rec = workspace._native.get_pipeline_run_record(run_id)
        if rec is not None:
            return PipelineRun._attach(workspace, rec["id"], _experiment)
        step = workspace._native.get_step_run_record(run_id)
        from .sdk._native import native
        if step is None:
            raise native().NotFoundError("no run '%s' in this workspace; list them with `runnel runs list`"
                                         % run_id)
        parent = PipelineRun._attach(workspace, step["pipeline_run_id"], _experiment)
        found = [s for s in parent.get_steps() if s.id == step["id"]]
        if not found:
            raise native().NotFoundError("run '%s' is not a step of pipeline run %s" % (run_id, parent.id))
        return found[0]

    def __init__(self, ctx=None, target="self", run_id=None):
        self._ctx = ctx
        self._target = target
        self._records = []  # offline only: what was logged
        if ctx is None:
            self._id = run_id or "OfflineRun_" + str(uuid.uuid4())
        elif target == "parent":
            self._id = (ctx.get("parent") or {}).get("run_id") or ctx.get("pipeline_run_id")
        else:
            self._id = ctx["run_id"]

    # ---- construction -------------------------------------------------------------

    @classmethod
    def get_context(cls, allow_offline=True, used_for_context_manager=False, **_ignored):
        """The run this process belongs to.

        Reads $RUNNEL_RUN_CONTEXT; when it is unset, returns an offline run (id
        "OfflineRun_<uuid>") or, with allow_offline=False, raises RunContextError.
        Raises RunContextError when the variable names a missing or malformed file.
        Repeated calls return the same object.
        """
        path = _context.context_path_from_env()
        key = os.path.abspath(path) if path else ""
        run = cls._cache.get(key)
        if run is not None:
            return run
        if path is None:
            if not allow_offline:
                raise _context.RunContextError(
                    "not inside a runnel step: %s is not set" % _context.ENV_VAR)
            run = _OfflineRun()
        else:
            run = cls(_context.load_context(path))
            os.environ.setdefault("AZUREML_RUN_ID", run.id)
            if run._ctx.get("experiment"):
                os.environ.setdefault("AZUREML_ARM_PROJECT_NAME", run._ctx["experiment"])
        cls._cache[key] = run
        return run

    # ---- identity -----------------------------------------------------------------

    @property
    def id(self):
        return self._id

    run_id = id

    @property
    def offline(self):
        """True for a run made outside runnel (nothing is written)."""
        return self._ctx is None

    @property
    def name(self):
        if self._ctx is None or self._target == "parent":
            return None
        return self._ctx.get("step_name")

    display_name = name

    @property
    def parent(self):
        """The pipeline run this step belongs to; its log() records parent metrics.
        None for a pipeline run itself; an offline run for an offline step."""
        if self._target == "parent":
            return None
        if self._ctx is None:
            return _OfflineRun(target="parent")
        parent = self._ctx.get("parent") or {}
        if not parent.get("run_id") and not self._ctx.get("pipeline_run_id"):
            return None
        return Run(self._ctx, target="parent")

    @property
    def experiment(self):
        """The experiment (`.name`, `.workspace`) of this run."""
        if self._ctx is None:
            return Experiment(Workspace(None), "offline")
        return Experiment(Workspace(self._ctx.get("workspace")), self._ctx.get("experiment") or "")

    @property
    def context(self):
        """The raw run context (a dict), or None offline."""
        return self._ctx

    @property
    def run_dir(self):
        return None if self._ctx is None else self._ctx["run_dir"]

    def get_status(self):
        return "Running"

    status = property(get_status)

    def _db_row(self, sql, args):
        """One row from the workspace's metadata.db (read-only), or None when there is no
        workspace or the database cannot be read (a step never fails for this)."""
        import sqlite3
        root = self._ctx.get("workspace") if self._ctx is not None else None
        db = os.path.join(root, ".runnel", "metadata.db") if root else None
        if not db or not os.path.exists(db):
            return None
        try:
            con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
            try:
                return con.execute(sql, args).fetchone()
            finally:
                con.close()
        except sqlite3.Error:
            return None

    def _pipeline_run_id(self):
        return (self._ctx.get("parent") or {}).get("run_id") or self._ctx.get("pipeline_run_id")

    @property
    def number(self):
        """The run's number in its experiment (an int from 1: the SDK's run.number): the
        ordinal of the pipeline run by creation among the experiment's runs; a step (and its
        child runs) has its pipeline run's number. 0 offline or when it cannot be read."""
        if self._ctx is None:
            return 0
        row = self._db_row(
            "SELECT COUNT(*) FROM pipeline_runs r, pipeline_runs me WHERE me.id = ? AND "
            "r.experiment = me.experiment AND (r.created_at < me.created_at OR "
            "(r.created_at = me.created_at AND r.id <= me.id))", (self._pipeline_run_id(),))
        return int(row[0]) if row and row[0] else 0

    def _start_time_utc(self):
        """When this run started, as the SDK's ISO text ("2024-01-02T03:04:05.678Z"): the
        engine's record, else when the step's context file was written; None offline."""
        if self._ctx is None:
            return None
        if self._target == "parent":
            row = self._db_row("SELECT started_at FROM pipeline_runs WHERE id = ?", (self.id,))
        else:
            row = self._db_row("SELECT started_at FROM step_runs WHERE id = ?", (self.id,))
        ms = int(row[0]) if row and row[0] else 0
        if not ms:
            path = _context.context_path_from_env()
            for candidate in (path, os.path.join(self._ctx.get("run_dir") or "", "context.json")):
                if candidate and os.path.exists(candidate):
                    ms = int(os.path.getmtime(candidate) * 1000)
                    break
        if not ms:
            return None
        import time
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000.0)) + ".%03dZ" % (ms % 1000)

    def get_portal_url(self):
        """Where this run's records are kept (the SDK gives its studio page): its folder under
        .runnel/runs/; `runnel serve` shows it in the studio. None offline."""
        if self._ctx is None:
            return None
        return "file://" + os.path.join(self._ctx.get("workspace") or "", ".runnel", "runs", self.id)

    def get_details(self):
        return {
            "runId": self.id,
            "status": self.get_status(),
            "startTimeUtc": self._start_time_utc(),
            "target": "local",
            "properties": self.get_properties(),
            "tags": self.get_tags(),
            "inputDatasets": [{"name": k, "path": v}
                              for k, v in self._data_paths("inputs").items()],
            "outputDatasets": [{"name": k, "path": v} for k, v in self.output_datasets.items()],
        }

    # ---- data ---------------------------------------------------------------------

    def _entries(self, section):
        if self._ctx is None or self._target == "parent":
            return {}
        return self._ctx.get(section) or {}

    def _data_paths(self, section):
        return {n: e.get("path") for n, e in self._entries(section).items()
                if _context.is_data_entry(e)}

    @property
    def input_datasets(self):
        """name -> data input: its local path (ro_mount / download), or, for a registered
        dataset in mode direct, a dataset object from runnel.dataset when available."""
        out = {}
        module = None
        for name, entry in self._entries("inputs").items():
            if not _context.is_data_entry(entry):
                continue
            dataset = entry.get("dataset")
            if (entry.get("mode") == "direct" and isinstance(dataset, dict)
                    and dataset.get("definition") is not None):
                module = module or _dataset_module()
                if module is not None:
                    out[name] = module.from_context(entry)
                    continue
            out[name] = entry.get("path")
        return out

    @property
    def output_datasets(self):
        """name -> local path that the step writes that output to."""
        return self._data_paths("outputs")

    @property
    def inputs(self):
        """name -> value of every input: a path for data, the literal for parameters."""
        return {n: (e.get("path") if _context.is_data_entry(e) else e.get("value"))
                for n, e in self._entries("inputs").items()}

    # ---- metrics ------------------------------------------------------------------

    def _emit(self, kind, name, value, description="", what=None):
        rec = _metrics.make_record(name, kind, value, description, self._target)
        if self._ctx is None:
            self._records.append(rec)
            label = what or ("%s metric" % kind)
            print("Attempted to log %s %s:\n%s" % (label, name, rec["value"]), flush=True)
            return
        _metrics.append(self._ctx["metrics_file"], [rec])

    def log(self, name, value, description="", step=None):
        """Logs a scalar (a number or text); logging a name again makes a series."""
        self._emit("scalar", name, value, description)

    def log_list(self, name, value, description=""):
        """Logs a list of values under one name."""
        self._emit("list", name, list(_metrics.to_jsonable(value) or []), description)

    def log_row(self, name, description=None, **kwargs):
        """Logs one row (column=value, ...) of a table built up row by row."""
        self._emit("row", name, kwargs, description)

    def log_table(self, name, value, description=""):
        """Logs a table given as a dict of column -> list of values (or a DataFrame)."""
        value = _metrics.to_jsonable(value)
        if not isinstance(value, dict):
            raise TypeError("log_table(%r): value must be a dict of column -> list, got %s"
                            % (name, type(value).__name__))
        self._emit("table", name, value, description)

    def log_image(self, name, path=None, plot=None, description=""):
        """Logs an image: copies the file at `path`, or saves `plot` (a matplotlib figure
        or pyplot), into <run_dir>/images/; the metric's value is its path relative to
        run_dir. Raises ValueError unless exactly one of path and plot is given."""
        if (path is None) == (plot is None):
            raise ValueError("log_image(%r): give exactly one of path= and plot=" % name)
        if self._ctx is None:
            self._emit("image", name, path if path is not None else "<plot>", description)
            return
        ext = os.path.splitext(str(path))[1] if path is not None else ".png"
        folder = os.path.join(self._ctx["run_dir"], "images")
        dest = _claim_file(folder, re.sub(r"[^A-Za-z0-9_.-]", "_", name), ext or ".png")
        if path is not None:
            shutil.copyfile(path, dest)
        else:
            plot.savefig(dest, format=(ext.lstrip(".") or "png"))
        self._emit("image", name, os.path.relpath(dest, self._ctx["run_dir"]), description)

    def log_confusion_matrix(self, name, value, description=""):
        """Logs a confusion matrix given as a dict (Azure's JSON form) or a list of rows."""
        self._emit("table", name, value if isinstance(value, dict) else {"matrix": value},
                   description)

    def _log_schema_table(self, name, value, description, key):
        # Azure's JSON form ({"schema_type": ..., "schema_version": ..., "data": {...}}), given
        # as a dict or as JSON text, is recorded as it is (kind "table", like a confusion matrix).
        if isinstance(value, (str, bytes)):
            import json
            try:
                value = json.loads(value)
            except ValueError:
                pass
        value = _metrics.to_jsonable(value)
        self._emit("table", name, value if isinstance(value, dict) else {key: value}, description)

    def log_accuracy_table(self, name, value, description=""):
        """Logs an accuracy table (Azure's JSON form, a dict or JSON text) under `name`."""
        self._log_schema_table(name, value, description, "data")

    def log_residuals(self, name, value, description=""):
        """Logs residuals (Azure's JSON form, a dict or JSON text) under `name`."""
        self._log_schema_table(name, value, description, "data")

    def log_predictions(self, name, value, description=""):
        """Logs predictions (Azure's JSON form, a dict or JSON text) under `name`."""
        self._log_schema_table(name, value, description, "data")

    # ---- child runs and environment -----------------------------------------------

    def child_run(self, name=None, run_id=None, outputs=None):
        """A child run of this run (the SDK's run.child_run). runnel records child runs in
        their step: what a child logs (log, log_*, tag, add_properties, upload_file) goes to
        the step's run under the name given, and child.get_metrics() shows what this child
        logged. `outputs` is accepted (the step's outputs/ is used)."""
        return _ChildRun(self, name, run_id)

    def get_children(self, recursive=False, tags=None, properties=None, type=None, status=None,
                     _rehydrate_runs=True):
        """The child runs made with child_run() in this process."""
        return iter(list(getattr(self, "_children", [])))

    def get_environment(self):
        """The step's environment as an Environment-like object (StepEnvironment): `name`
        and `version` (None for runnel's default interpreter), `environment_variables` (the
        step's), `python.interpreter_path` (this interpreter). None offline."""
        import sys
        if self._ctx is None:
            return None
        import json
        name, version, variables = None, None, {}
        row = self._db_row("SELECT spec_json FROM pipeline_runs WHERE id = ?", (self._pipeline_run_id(),))
        try:
            spec = json.loads(row[0]) if row and row[0] else {}
        except ValueError:
            spec = {}
        for step in spec.get("steps") or []:
            if isinstance(step, dict) and step.get("name") == self._ctx.get("step_name"):
                env = step.get("environment") or ""
                variables = dict(step.get("env_vars") or {})
                if env:
                    base, _, v = env.rpartition(":")
                    name, version = (base, v) if base and v.isdigit() else (env, None)
                break
        if name and version is None:
            got = self._db_row("SELECT MAX(version) FROM environments WHERE name = ?", (name,))
            version = str(got[0]) if got and got[0] else None
        if name and version:
            got = self._db_row("SELECT variables_json FROM environments WHERE name = ? AND version = ?",
                               (name, int(version)))
            try:
                merged = json.loads(got[0]) if got and got[0] else {}
            except ValueError:
                merged = {}
            merged.update(variables)
            variables = merged
        return StepEnvironment(name, version, variables, sys.executable)

    def get_metrics(self, name=None, recursive=False, **_ignored):
        """Metrics logged so far by this run: name -> value (see metrics.aggregate)."""
        result = _metrics.aggregate(self._all_records(), self._target)
        if name is not None:
            return {name: result[name]} if name in result else {}
        return result

    def _all_records(self):
        if self._ctx is None:
            return self._records
        if self._target == "parent":
            return self._parent_records()
        return _metrics.read(self._ctx["metrics_file"])

    def _parent_records(self):
        """The parent lines of every step of this pipeline run so far (runnel/parent.py),
        this step's own file included even when the store does not list it."""
        dirs = _parent.step_run_dirs(self._ctx.get("workspace"), self.id)
        return _parent.parent_records([self._ctx["metrics_file"]] + _parent.metrics_files(dirs))

    # ---- tags and properties ------------------------------------------------------

    def tag(self, key, value=None):
        """Sets tag `key` (value "" when None)."""
        self._emit("tag", key, "" if value is None else str(value), what="tag")

    def set_tags(self, tags):
        for k, v in dict(tags).items():
            self.tag(k, v)

    def _logged(self, kind):
        out = {}
        for rec in self._all_records():
            if rec["kind"] == kind and rec.get("target", "self") == self._target:
                out[rec["name"]] = rec.get("value")
        return out

    def get_tags(self):
        base = {}
        if self._ctx is not None and self._target == "self":
            base = dict(self._ctx.get("tags") or {})
        elif self._ctx is not None:  # the pipeline run: its tags given at submit
            base = _parent.submit_tags(self._ctx.get("workspace"), self.id)
        base.update(self._logged("tag"))
        return base

    @property
    def tags(self):
        return self.get_tags()

    def add_properties(self, properties):
        for k, v in dict(properties).items():
            self._emit("property", k, "" if v is None else str(v), what="property")

    def get_properties(self):
        return self._logged("property")

    @property
    def properties(self):
        return self.get_properties()

    # ---- files --------------------------------------------------------------------

    def _outputs_dir(self):
        d = self._ctx.get("outputs_dir") or os.path.join(self._ctx["run_dir"], "outputs")
        return d

    def upload_file(self, name, path_or_stream, **_ignored):
        """Copies a file (or a readable stream's bytes) to <outputs_dir>/<name>; a leading
        "outputs/" in name is dropped (Azure scripts often write it). Returns the copy's
        path (None offline). Raises ValueError for a name leaving outputs_dir."""
        if self._ctx is None:
            print("Attempted to track file %s at %s" % (name, path_or_stream), flush=True)
            return None
        dest = self._output_path(name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if hasattr(path_or_stream, "read"):
            with open(dest, "wb") as f:
                data = path_or_stream.read()
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
        elif not (os.path.exists(dest) and os.path.samefile(path_or_stream, dest)):
            shutil.copyfile(path_or_stream, dest)  # a file already in outputs/ stays as it is
        return dest

    def upload_files(self, names, paths, **_ignored):
        return [self.upload_file(n, p) for n, p in zip(names, paths)]

    def upload_folder(self, name, path, **_ignored):
        """Copies the folder `path` to <outputs_dir>/<name>/ (merging)."""
        if self._ctx is None:
            print("Attempted to track folder %s at %s" % (name, path), flush=True)
            return None
        dest = self._output_path(name)
        shutil.copytree(path, dest, dirs_exist_ok=True)
        return dest

    def _output_path(self, name):
        name = str(name).replace("\\", "/")
        if name.startswith(_OUTPUTS_PREFIX):
            name = name[len(_OUTPUTS_PREFIX):]
        root = os.path.abspath(self._outputs_dir())
        dest = os.path.abspath(os.path.join(root, name))
        if not name or os.path.isabs(name) or not dest.startswith(root + os.sep):
            raise ValueError("upload name %r must be a relative path inside outputs/" % name)
        return dest

    def get_file_names(self):
        """Paths (relative, prefixed "outputs/") of the files uploaded so far."""
        if self._ctx is None:
            return []
        root = self._outputs_dir()
        out = []
        for dirpath, _dirs, files in os.walk(root):
            for f in files:
                rel = os.path.relpath(os.path.join(dirpath, f), root).replace(os.sep, "/")
                out.append(_OUTPUTS_PREFIX + rel)
        return sorted(out)

    def _run_file(self, name):
        """A file of this run by its SDK name: "outputs/x" is under outputs_dir, anything
        else relative to the current folder (where the script wrote it)."""
        n = str(name).replace("\\", "/")
        if n.startswith(_OUTPUTS_PREFIX) and self._ctx is not None:
            p = self._output_path(n)
            if os.path.exists(p):
                return p
        if self._ctx is not None and not os.path.exists(n):
            p = self._output_path(n)  # where upload_file(name, ...) put it
            if os.path.exists(p):
                return p
        return os.path.abspath(n)

    def download_file(self, name, output_file_path=None, _validate_checksum=False):
        """Copies the run's file `name` (as get_file_names() lists it) to output_file_path."""
        src = self._run_file(name)
        dest = output_file_path or os.path.basename(src)
        if os.path.isdir(dest):
            dest = os.path.join(dest, os.path.basename(src))
        shutil.copyfile(src, dest)
        return dest

    @staticmethod
    def list(experiment, type=None, tags=None, properties=None, status=None, include_children=False,
             _rehydrate_runs=True):
        """The runs of `experiment` (an SDK Experiment), newest first, kept by type, tags,
        properties (as Experiment.get_runs) and status."""
        for run in experiment.get_runs(type=type, tags=tags, properties=properties,
                                       include_children=include_children):
            if status is None or run.get_status() == status:
                yield run

    def _secrets(self):
        from .secrets import SecretStore, UserErrorException
        root = self._ctx.get("workspace") if not self.offline else None
        if not root:
            raise UserErrorException(
                "get_secret: an offline run has no workspace; submit the script as a step, or read "
                "the secret with Workspace.from_config().get_default_keyvault().get_secret(name)")
        return SecretStore(root)

    def get_secret(self, name):
        """The value of the workspace secret `name` (set with ws.get_default_keyvault()); an
        error naming it when there is none. The value is never logged."""
        return self._secrets().value(name)

    def get_secrets(self, secrets):
        """{name: value} of the workspace secrets `secrets`, None for a name with none."""
        return self._secrets().values(secrets)

    def register_model(self, model_name, model_path=None, tags=None, properties=None,
                       model_framework=None, model_framework_version=None, description=None,
                       datasets=None, sample_input_dataset=None, sample_output_dataset=None,
                       resource_configuration=None, **_ignored):
        """Registers the run's file or folder model_path ("outputs/model.pkl") as the next
        version of model_name (runnel/model.py); returns the Model."""
        from .model import Model
        if self._ctx is None:
            raise RuntimeError("register_model: an offline run has no workspace; use Model.register")
        path = self._run_file(model_path or "outputs")
        return Model.register(self._ctx.get("workspace"), path, model_name, tags=tags, properties=properties,
                              description=description, model_framework=model_framework,
                              model_framework_version=model_framework_version, _run_id=self.id,
                              _experiment_name=self._ctx.get("experiment"))

    # ---- lifecycle (the engine owns the real status) -------------------------------

    def complete(self, _set_status=True):
        pass

    def fail(self, error_details=None, error_code=None, _set_status=True):
        pass

    def cancel(self):
        """On run.parent: cancels the pipeline run (runnel/parent.py request_cancel): steps
        not started do not run, running ones (this one too) are stopped, the run ends
        Canceled. On a step's own run (or offline) a no-op: its exit decides its status."""
        if self._ctx is not None and self._target == "parent":
            _parent.request_cancel(self._ctx)

    def flush(self, timeout_seconds=300):
        pass  # every line is written when logged

    def wait_for_completion(self, show_output=False, wait_post_processing=False,
                            raise_on_error=True):
        return self.get_details()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return False

    def __repr__(self):
        return "Run(id=%r, offline=%r%s)" % (
            self.id, self.offline, ", parent" if self._target == "parent" else "")


class _Namespace:
    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join("%s=%r" % kv for kv in sorted(self.__dict__.items())))


class StepEnvironment(_Namespace):
    """What run.get_environment() returns inside a step: the SDK Environment's fields that a
    step can know (name, version, environment_variables, python.interpreter_path)."""

    def __init__(self, name, version, environment_variables, interpreter_path):
        super().__init__(name=name, version=version, environment_variables=dict(environment_variables),
                         python=_Namespace(interpreter_path=interpreter_path, user_managed_dependencies=True,
                                           conda_dependencies=None),
                         docker=_Namespace(base_image=None, enabled=False))

    def get(self, key, default=None):
        return getattr(self, key, default)


class _ChildRun(Run):
    """A child run of a step run (run.child_run()): it logs into the step's run and keeps
    what it logged for its own get_metrics()."""

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, parent, name=None, run_id=None):
        super().__init__(parent._ctx, "self")
        self._id = run_id or "%s_child_%s" % (parent.id, uuid.uuid4().hex[:8])
        self._child_name = name
        self._parent_run = parent
        self._own = []
        if not hasattr(parent, "_children"):
            parent._children = []
        parent._children.append(self)

    @property
    def name(self):
        return self._child_name

    display_name = name

    @property
    def parent(self):
        return self._parent_run

    def _emit(self, kind, name, value, description="", what=None):
        self._own.append(_metrics.make_record(name, kind, value, description, "self"))
        if self._ctx is None:
            print("Attempted to log %s %s:\n%s" % (what or ("%s metric" % kind), name, self._own[-1]["value"]),
                  flush=True)
            return
        _metrics.append(self._ctx["metrics_file"], [self._own[-1]])

    def _all_records(self):
        return self._own

    def get_tags(self):
        return self._logged("tag")

    def __repr__(self):
        return "Run(id=%r, child of %r, name=%r)" % (self.id, self._parent_run.id, self._child_name)


class _OfflineRun(Run):
    """A run made outside runnel (the class name Azure ML scripts test with isinstance)."""

    def __init__(self, target="self", run_id=None):
        super().__init__(None, target, run_id)


def _claim_file(folder, stem, ext):
    """Creates and returns a new file folder/stem[ _N]ext that no other writer has taken."""
    os.makedirs(folder, exist_ok=True)
    n = 0
    while True:
        candidate = os.path.join(folder, "%s%s%s" % (stem, "_%d" % n if n else "", ext))
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            n += 1
            continue
        os.close(fd)
        return candidate
