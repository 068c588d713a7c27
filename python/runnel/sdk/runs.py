"""PipelineRun, StepRun and PortDataReference: following runs the engine executes.

wait_for_completion() blocks in the engine with the GIL released, one second at a time,
so Ctrl-C (KeyboardInterrupt) arrives promptly; it then cancels the run, waits for its
steps to stop and re-raises. Runs still going when the interpreter exits are waited for
(they finish as the SDK's cloud runs would). Statuses are the SDK's; a reused step shows
"Finished" with get_details()["properties"]["azureml.reusedrunid"] set.
"""

import atexit
import json
import os
import shlex
import shutil
import signal
import sys
import threading
import time

from .. import _files
from ._native import native

_FINAL = ("Finished", "Completed", "Failed", "Canceled")
_live = []  # PipelineRuns started in this process
_live_lock = threading.Lock()
_step_canceled = set()  # ids of runs a step canceled with run.parent.cancel()
_sigint_installed = False


def _cancels_requested_by_steps():
    """Runs started here whose step called run.parent.cancel() (it left cancel_parent.json
    in its run folder, then ran `runnel runs cancel`, which SIGINTs this process): cancels
    each once; returns True when there was one."""
    from runnel import parent as _parent
    found = False
    with _live_lock:
        runs = list(_live)
    for run in runs:
        if run.id in _step_canceled:
            continue
        try:
            records = run._ws._native.list_step_run_records(run.id)
        except Exception:
            continue
        for s in records:
            marker = os.path.join(s["run_dir"] or "", _parent.CANCEL_MARKER)
            try:
                with open(marker, encoding="utf-8") as f:
                    wanted = json.load(f).get("pipeline_run_id")
            except (OSError, ValueError, AttributeError):
                continue
            if wanted == run.id:
                _step_canceled.add(run.id)
                run.cancel()
                found = True
                break
    return found


def _on_sigint(signum, frame):
    if _cancels_requested_by_steps():
        return  # a step's run.parent.cancel(), not the user's Ctrl-C
    signal.default_int_handler(signum, frame)


def _install_sigint_handler():
    """In the main thread, with Python's default SIGINT handler: SIGINT first looks for a
    step's cancel request (above), else raises KeyboardInterrupt as before."""
    global _sigint_installed
    if _sigint_installed or threading.current_thread() is not threading.main_thread():
        return
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _on_sigint)
            _sigint_installed = True
    except (ValueError, OSError):
        pass


def _activity_failed():
    """The class a failed run's wait_for_completion raises: azureml.exceptions'
    ActivityFailedException that is also runnel.errors.RunnelError (what it raised before)."""
    from runnel.exceptions import ActivityFailedException
    from .sdk_errors import sdk_error
    return sdk_error(ActivityFailedException, "RunnelError")


def _sdk_step_status(status):
    return "Finished" if status == "Reused" else status


def _core_status(status):
    """A core Run's status (a ScriptRun, a HyperDriveRun and its trials): the SDK's
    RunStatus says Completed where a PipelineRun or StepRun says Finished."""
    return "Completed" if status in ("Finished", "Reused") else status


class _RunBase:
    def get_tags(self):
        return {}

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is KeyboardInterrupt:
            self.cancel()
        return False


# The tag that says what an Experiment.submit() made the run (the SDK's run type): a
# ScriptRunConfig / Estimator run is "azureml.scriptrun", a HyperDriveConfig run "hyperdrive".
# Kept on the pipeline run so that Run(experiment, id), Run.get and get_runs() give the
# same class back; get_tags() does not show it.
RUN_TYPE_TAG = "runnel.run_type"


class PipelineRun(_RunBase):
    """A submitted pipeline run: status, steps, metrics, cancel."""

    type = "azureml.PipelineRun"

    def __init__(self, experiment, run_id, _service_endpoint=None, **kwargs):
        ws = experiment.workspace
        self._setup(ws, experiment, native().PipelineRun(ws._native, run_id), None)

    @classmethod
    def _started(cls, ws, experiment, nat, pipeline):
        run = cls.__new__(cls)
        run._setup(ws, experiment, nat, pipeline)
        with _live_lock:
            _live.append(run)
        _install_sigint_handler()
        return run

    @classmethod
    def _attach(cls, ws, run_id, experiment=None):
        run = cls.__new__(cls)
        nat = native().PipelineRun(ws._native, run_id)
        if experiment is None:
            from .core import Experiment
            rec = ws._native.get_pipeline_run_record(nat.id)
            experiment = Experiment(ws, rec["experiment"] if rec else "default")
        run._setup(ws, experiment, nat, None)
        if cls is PipelineRun:
            kind = {"azureml.scriptrun": ScriptRun, "hyperdrive": _ExperimentHyperDriveRun}.get(
                PipelineRun.get_tags(run, _all=True).get(RUN_TYPE_TAG))
            if kind is not None:
                run.__class__ = kind
        return run

    @staticmethod
    def get_pipeline_runs(workspace, pipeline_id):
        """The runs a published pipeline started (tagged azureml.pipelineid), newest first."""
        import json as _json
        ws = workspace
        out = []
        for rec in ws._native.list_pipeline_runs("", 100000):
            try:
                tags = _json.loads(rec.get("tags_json") or "{}")
            except ValueError:
                continue
            if tags.get("azureml.pipelineid") == pipeline_id:
                out.append(PipelineRun._attach(ws, rec["id"]))
        return out

    def _setup(self, ws, experiment, nat, pipeline):
        self._ws = ws
        self.experiment = experiment
        self._nat = nat
        self._pipeline = pipeline
        self._local = False

    def _track_local(self):
        """This run was started in this process by native submit_local (no server)."""
        self._local = True
        with _live_lock:
            _live.append(self)
        _install_sigint_handler()

    # -- identity and status -------------------------------------------------------------
    id = property(lambda self: self._nat.id)
    run_id = id
    name = property(lambda self: self.experiment.name)
    display_name = name
    parent = property(lambda self: None)

    def _record(self):
        return self._ws._native.get_pipeline_run_record(self.id) or {}

    def get_status(self):
        return self._nat.get_status()

    status = property(get_status)

    def get_tags(self, _all=False):
        """The tags given at submit, then those the steps set with run.parent.tag / set_tags
        (read from their metrics files, as get_metrics reads run.parent.log)."""
        from runnel import parent as _parent
        try:
            tags = json.loads(self._record().get("tags_json") or "{}")
        except ValueError:
            tags = {}
        if not isinstance(tags, dict):
            tags = {}
        if _all:
            return tags
        tags.pop(RUN_TYPE_TAG, None)
        records = _parent.parent_records(_parent.metrics_files(self._step_run_dirs()))
        tags.update(_parent.logged(records, "tag"))
        return tags

    tags = property(get_tags)

    def _step_run_dirs(self):
        """The run folder of each step run (a reused step: its reused run's)."""
        dirs = []
        for s in self._ws._native.list_step_run_records(self.id):
            run_dir = s["run_dir"]
            if s["reused_run_id"]:
                rec = self._ws._native.get_step_run_record(s["reused_run_id"])
                run_dir = rec["run_dir"] if rec else run_dir
            if run_dir:
                dirs.append(run_dir)
        return dirs

    def get_details(self):
        r = self._record()
        return {"runId": self.id, "status": self.get_status(), "experiment": r.get("experiment"),
                "startTimeUtc": _iso(r.get("started_at")), "endTimeUtc": _iso(r.get("ended_at")),
                "properties": {"azureml.runsource": "azureml.PipelineRun",
                               "runnel.git": r.get("git_json") or "{}"},
                "tags": self.get_tags(), "error": self._error(),
                "target": "local", "inputDatasets": [], "outputDatasets": [],
                "runDefinition": {"runType": "azureml.PipelineRun"},
                "submittedBy": os.environ.get("USER") or "local", "logFiles": {}}

    def get_details_with_logs(self):
        d = self.get_details()
        d["logFiles"] = {}
        return d

    def get_properties(self):
        return self.get_details()["properties"]

    def get_file_names(self):
        return []

    def get_tags_dict(self):
        return self.get_tags()

    # -- waiting ---------------------------------------------------------------------------
    def wait_for_completion(self, show_output=True, timeout_seconds=sys.maxsize, raise_on_error=True):
        """Blocks until the run ends (or timeout_seconds pass); returns its status. With
        show_output, prints the SDK's progress lines; with raise_on_error, a Failed run
        raises (naming the failed step and its log). Ctrl-C cancels the run."""
        if not isinstance(timeout_seconds, (int, float)) or timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be a positive number, not %r" % (timeout_seconds,))
        deadline = time.monotonic() + min(timeout_seconds, 10 ** 9)
        printer = _Progress(self) if show_output else None
        if printer:
            printer.start()
        try:
            status = self.get_status()
            while status not in _FINAL:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                status = self._nat.wait(max(1, min(1, int(left))))
                if printer:
                    printer.poll()
        except KeyboardInterrupt:
            if printer:
                print("\nKeyboardInterrupt: canceling PipelineRun %s" % self.id, flush=True)
            self.cancel()
            self._nat.wait(0)
            raise
        if printer:
            printer.finish(status)
        if raise_on_error and status in ("Failed", "Canceled") and status in _FINAL:
            raise _activity_failed()(self._failure_message(status))
        return status

    def _failure_message(self, status):
        msg = "PipelineRun %s %s" % (self.id, status)
        for s in self._ws._native.list_step_run_records(self.id):
            if s["status"] == "Failed":
                msg += "; " + _step_error_message(s)
        return msg

    def _error(self):
        """get_details()["error"]: None unless the run failed, else the SDK's
        {"error": {"code": "UserError", "message": ...}} naming the failed steps, each with
        the exception line of its log."""
        r = self._record()
        failed = [s for s in self._ws._native.list_step_run_records(self.id) if s["status"] == "Failed"]
        if not r.get("error") and not failed:
            return None
        parts = [_step_error_message(s) for s in failed] or [r.get("error")]
        return _error_details("; ".join(parts))

    def cancel(self):
        if self._local:
            native().cancel_local(self.id)
        self._nat.cancel()

    def complete(self):
        pass

    # -- steps -----------------------------------------------------------------------------
    def get_steps(self):
        """The step runs, newest created first (as the SDK lists them). The SDK returns
        get_children()'s generator: this is a list that next() also walks, so both
        `next(run.get_steps())` and `run.get_steps()[0]` work."""
        return _StepRuns(StepRun(self, s) for s in reversed(self._nat.get_steps()))

    def get_children(self, recursive=False, tags=None, properties=None, type=None, status=None,
                     _rehydrate_runs=True):
        """The step runs (a generator, as the SDK's), with recursive=True each followed by its
        own children (a sweep's trials, a parallel step's mini-batches); tags / properties (a
        name, or name -> value), type ("azureml.StepRun", ...) and status keep the matching ones."""
        for s in self.get_steps():
            runs = [s] + (list(s.get_children(recursive=True)) if recursive else [])
            for r in runs:
                if _matches(r, tags, properties, type, status):
                    yield r

    def find_step_run(self, name):
        """The step runs named name (surrounding whitespace ignored, as step names are
        stripped when submitted)."""
        if isinstance(name, str) and name.strip():
            name = name.strip()
        return [StepRun(self, s) for s in self._nat.find_step_run(name)]

    def get_metrics(self, name=None, recursive=False, run_type=None, populate=False):
        """Metrics logged with run.parent.log(...) and, with recursive=True, every step's
        keyed by step run id."""
        out = {}
        for run_dir in self._step_run_dirs():
            out.update(_read_metrics_for(run_dir, "parent"))
        if recursive:
            for s in self.get_steps():
                out[s.id] = s.get_metrics()
        return {k: v for k, v in out.items() if name is None or k == name}

    def get_pipeline_output(self, pipeline_output_name):
        """The PortDataReference of the output named pipeline_output_name (a PipelineData's
        pipeline_output_name, else its output name) of this run's steps."""
        wanted = pipeline_output_name
        if self._pipeline is not None:
            for s in self._pipeline._all_steps():
                for o in s.outputs:
                    if getattr(o, "_pipeline_output_name", None) == pipeline_output_name:
                        wanted = o.output_name
        for s in self.get_steps():
            outs = s._record().get("outputs") or {}
            if wanted in outs:
                return PortDataReference(s, wanted, outs[wanted])
        raise native().NotFoundError("pipeline run %s has no pipeline output %r" % (self.id, pipeline_output_name))

    def get_graph(self):
        return json.loads(self._record().get("spec_json") or "{}")

    def publish_pipeline(self, name, description, version, continue_on_step_failure=None, **kwargs):
        """Publishes the pipeline this run ran: the submitted Pipeline (its parameters kept)
        when this process submitted it, else the definition the run recorded."""
        from .publishing import _publish_spec
        if self._pipeline is not None:
            return self._pipeline.publish(name, description, version, continue_on_step_failure)
        return _publish_spec(self._ws, self._record().get("spec_json") or "{}", name, description, version,
                             continue_on_step_failure, "run:" + self.id)

    def get_portal_url(self):
        return "file://" + os.path.join(self._ws.path, ".runnel", "runs")

    def __repr__(self):
        # The SDK's Run.__repr__ fields (Experiment, Id, Type, Status).
        return "Run(Experiment: %s,\nId: %s,\nType: azureml.PipelineRun,\nStatus: %s)" % (
            self.experiment.name, self.id, self.get_status())


class _CoreRun(PipelineRun):
    """A one-step pipeline run that the SDK shows as a core Run: its status says Completed,
    and wait_for_completion returns get_details()."""

    _core_run = True

    def get_status(self):
        return _core_status(self._nat.get_status())

    status = property(get_status)

    def wait_for_completion(self, show_output=True, wait_post_processing=False, raise_on_error=True):
        PipelineRun.wait_for_completion(self, show_output, raise_on_error=raise_on_error)
        return self.get_details()


class ScriptRun(_CoreRun):
    """The run of a ScriptRunConfig or Estimator submitted to an Experiment (the SDK's
    ScriptRun): a one-step pipeline run whose metrics, files, details and models are that
    step's. Its status is the core Run's (Completed, not Finished), and wait_for_completion
    returns get_details(), as the SDK's Run does."""

    type = "azureml.scriptrun"

    def _step(self):
        steps = self.get_steps()
        if not steps:
            raise native().NotFoundError("script run %s has no step yet" % self.id)
        return steps[0]

    def get_metrics(self, name=None, recursive=False, run_type=None, populate=False):
        return self._step().get_metrics(name)

    def get_file_names(self):
        return self._step().get_file_names()

    def download_file(self, name, output_file_path=None, _validate_checksum=False):
        return self._step().download_file(name, output_file_path)

    def download_files(self, prefix=None, output_directory=None, output_paths=None, batch_size=100,
                       append_prefix=True, timeout_seconds=None):
        return self._step().download_files(prefix, output_directory, output_paths, batch_size, append_prefix)

    def get_details(self):
        d = self._step().get_details()
        d["runId"] = self.id
        d["status"] = self.get_status()
        return d

    def get_details_with_logs(self):
        d = self._step().get_details_with_logs()
        d["runId"] = self.id
        return d

    def get_job_log(self):
        return self._step().get_job_log()

    def register_model(self, model_name, model_path=None, tags=None, properties=None, model_framework=None,
                       model_framework_version=None, description=None, datasets=None,
                       sample_input_dataset=None, sample_output_dataset=None, resource_configuration=None,
                       **kwargs):
        """Registers the run's file or folder model_path (as get_file_names() names it, e.g.
        "outputs/model.pkl"; a folder prefix registers the files under it)."""
        from runnel.model import Model
        files = self._step()._files()
        path = files.get(model_path or "outputs")
        if path is None:
            prefix = (model_path or "outputs").rstrip("/") + "/"
            under = {n: p for n, p in files.items() if n.startswith(prefix)}
            if not under:
                raise native().NotFoundError("register_model: run %s has no file %r (files: %s)"
                                             % (self.id, model_path, ", ".join(sorted(files)) or "none"))
            path = os.path.commonpath(list(under.values()))
            if len(under) == 1:
                path = os.path.dirname(path)
        return Model.register(self._ws, path, model_name, tags=tags, properties=properties,
                              description=description, model_framework=model_framework,
                              model_framework_version=model_framework_version, _run_id=self.id,
                              _experiment_name=self.experiment.name)

    def __repr__(self):
        return "Run(Experiment: %s,\nId: %s,\nType: azureml.scriptrun,\nStatus: %s)" % (
            self.experiment.name, self.id, self.get_status())


class _StepRuns(list):
    """PipelineRun.get_steps(): a list of StepRuns that is also an iterator (the SDK returns a
    generator, which scripts walk with next())."""

    def __next__(self):
        i = getattr(self, "_next", 0)
        if i >= len(self):
            raise StopIteration
        self._next = i + 1
        return self[i]


def _matches(run, tags, properties, type, status):
    """Whether `run` passes get_children / get_runs filters: tags and properties are a name
    that must be set or a dict of name -> value (None: any value), type the run's type
    ("azureml.PipelineRun", "azureml.StepRun", ...), status its status."""
    def has(got, want):
        if want is None:
            return True
        if isinstance(want, str):
            return want in got
        return all(k in got and (v is None or got[k] == v) for k, v in want.items())
    if status is not None and run.get_status() != status:
        return False
    if type is not None and getattr(run, "type", None) != type:
        return False
    return has(run.get_tags() if tags is not None else {}, tags) and \
        has(run.get_properties() if properties is not None and hasattr(run, "get_properties") else {}, properties)


class StepRun(_RunBase):
    """One step of a pipeline run (the SDK's StepRun)."""

    type = "azureml.StepRun"

    def __init__(self, parent, nat):
        self.parent = parent
        self._nat = nat

    id = property(lambda self: self._nat.id)
    run_id = id
    name = property(lambda self: self._nat.name)
    experiment = property(lambda self: self.parent.experiment)
    pipeline_run_id = property(lambda self: self.parent.id)

    def _record(self):
        return self._nat.record() or {}

    def get_status(self):
        return _sdk_step_status(self._nat.get_status())

    status = property(get_status)

    @property
    def reused(self):
        return bool(self._record().get("reused_run_id"))

    def _source_dir(self):
        r = self._record()
        if r.get("reused_run_id"):
            src = self.parent._ws._native.get_step_run_record(r["reused_run_id"])
            if src:
                return src["run_dir"]
        return r.get("run_dir", "")

    def get_details(self):
        r = self._record()
        props = {"runnel.fingerprint": r.get("fingerprint", ""), "azureml.nodeid": r.get("name")}
        if r.get("reused_run_id"):
            props["azureml.reusedrunid"] = r["reused_run_id"]
        ctx = {}
        try:
            with open(os.path.join(self._source_dir(), "context.json")) as f:
                ctx = json.load(f)
        except (OSError, ValueError):
            pass
        inputs = [{"dataset": {"name": (e.get("dataset") or {}).get("name"), "path": e.get("path")},
                   "consumptionDetails": {"type": "RunInput", "inputName": n, "mechanism": e.get("mode")}}
                  for n, e in (ctx.get("inputs") or {}).items() if isinstance(e, dict) and e.get("path")]
        outputs = [{"dataset": {"path": p}, "outputDetails": {"outputName": n}}
                   for n, p in (r.get("outputs") or {}).items()]
        return {"runId": self.id, "status": self.get_status(), "target": r.get("compute") or "local",
                "startTimeUtc": _iso(r.get("started_at")), "endTimeUtc": _iso(r.get("ended_at")),
                "properties": props, "exitCode": r.get("exit_code"),
                "error": (_error_details(_step_error_message(r, self._source_dir()))
                          if r.get("status") == "Failed" or r.get("error") else None),
                "inputDatasets": inputs, "outputDatasets": outputs,
                "runDefinition": dict(self._run_definition(), target=r.get("compute") or "local"),
                "submittedBy": os.environ.get("USER") or "local",
                "logFiles": {"logs/" + n: os.path.join(self._source_dir(), "logs", n)
                             for n in ("stdout.txt", "stderr.txt")}}

    def _run_definition(self):
        """The SDK's runDefinition script, arguments and command, from this step's command in
        the pipeline run's spec (parameter values in it; data as ${{inputs.X}} / ${{outputs.X}}):
        `python train.py --lr 0.1` has script train.py and arguments [--lr, 0.1]."""
        rec = self.parent._ws._native.get_pipeline_run_record(self.parent.id) or {}
        try:
            spec = json.loads(rec.get("spec_json") or "{}")
            command = next((st.get("command") for st in spec.get("steps") or [] if st.get("name") == self.name), "")
            words = shlex.split(command or "")
        except ValueError:
            command, words = "", []
        if len(words) >= 2 and os.path.basename(words[0]).startswith("python") and words[1].endswith(".py"):
            return {"script": words[1], "arguments": words[2:], "command": ""}
        return {"script": None, "arguments": [], "command": command or ""}

    def get_details_with_logs(self):
        """get_details() with each log file's text, and STDOUT, STDERR and JOBLOG as the SDK adds them."""
        d = self.get_details()
        logs = {}
        for name, path in d["logFiles"].items():
            logs[name] = _read_text(path)
        logs["STDOUT"] = self.get_stdout_log()
        logs["STDERR"] = self.get_stderr_log()
        logs["JOBLOG"] = self.get_job_log()
        d["logFiles"] = logs
        return d

    def get_metrics(self, name=None, recursive=False, run_type=None, populate=False):
        m = _read_metrics_for(self._source_dir(), "self")
        return {k: v for k, v in m.items() if name is None or k == name}

    def _step_logged(self, kind):
        """name -> value of the tags or properties the step set on itself (run.tag,
        run.set_tags, run.add_properties), the last value of a name winning."""
        from runnel import metrics
        path = os.path.join(self._source_dir(), "metrics.jsonl")
        out = {}
        if os.path.exists(path):
            for rec in metrics.read(path):
                if rec.get("kind") == kind and rec.get("target", "self") == "self":
                    out[rec["name"]] = rec.get("value")
        return out

    def get_tags(self):
        return self._step_logged("tag")

    tags = property(get_tags)

    def get_properties(self):
        """The step's own properties (run.add_properties) and runnel's (azureml.nodeid,
        azureml.reusedrunid for a reused step, runnel.fingerprint)."""
        props = dict(self._step_logged("property"))
        props.update(self.get_details()["properties"])
        return props

    properties = property(get_properties)

    def get_outputs(self):
        """output name -> PortDataReference."""
        return {n: PortDataReference(self, n, p) for n, p in (self._record().get("outputs") or {}).items()}

    def get_output(self, name):
        """The StepRunOutput of output `name` (get_port_data_reference() gives its data)."""
        return StepRunOutput(self, name, self.get_output_data(name))

    def get_output_data(self, name):
        outs = self._record().get("outputs") or {}
        if name not in outs:
            raise native().NotFoundError("step run %s (%s) has no committed output %r (outputs: %s)"
                                         % (self.id, self.name, name, ", ".join(sorted(outs)) or "none"))
        return PortDataReference(self, name, outs[name])

    def get_job_log(self):
        """The step's stdout and stderr as text."""
        return self.get_stdout_log() + self.get_stderr_log()

    def get_stdout_log(self):
        """What the step wrote to stdout ("" before it started)."""
        return _read_text(os.path.join(self._source_dir(), "logs", "stdout.txt"))

    def get_stderr_log(self):
        """What the step wrote to stderr ("" before it started)."""
        return _read_text(os.path.join(self._source_dir(), "logs", "stderr.txt"))

    def complete(self):
        raise NotImplementedError("Complete is unsupported for Step run: a step's status is its script's exit")

    def fail(self, error_details=None, error_code=None, _set_status=True):
        raise NotImplementedError("Fail is unsupported for Step run: a step's status is its script's exit "
                                  "(raise or sys.exit(1) inside the step)")

    def _children_file(self):
        """The step's children as its driver recorded them (see engine/children.h)."""
        root = self._source_dir()
        for rel, kind in (("trials/children.json", "sweep"), ("logs/parallel/summary.json", "parallel")):
            path = os.path.join(root, rel)
            if os.path.exists(path):
                with open(path) as f:
                    return kind, json.load(f)
        return None, None

    def get_children(self, recursive=False, tags=None, properties=None, type=None, status=None,
                     _rehydrate_runs=True):
        """A sweep's trials (best first) or a parallel step's mini-batches, as child runs."""
        kind, data = self._children_file()
        if kind == "sweep":
            kids = [_ChildRun(self, c, data.get("primary_metric")) for c in data.get("children", [])]
        elif kind == "parallel":
            kids = [_MiniBatchRun(self, b) for b in data.get("batches", [])]
        else:
            kids = []
        return iter([k for k in kids if status is None or k.get_status() == status])

    def _files(self):
        """SDK file name -> local path: what the step wrote to outputs/ (its outputs_dir)
        and its logs (logs/stdout.txt, logs/stderr.txt), as the SDK lists a run's files."""
        root = self._source_dir()
        out = {}
        outputs = os.path.join(root, "wd", "outputs")
        try:
            with open(os.path.join(root, "context.json")) as f:
                outputs = json.load(f).get("outputs_dir") or outputs
        except (OSError, ValueError):
            pass
        for base, prefix in ((outputs, "outputs/"), (os.path.join(root, "logs"), "logs/")):
            for d, _s, names in os.walk(base):
                for n in names:
                    p = os.path.join(d, n)
                    out[prefix + os.path.relpath(p, base).replace(os.sep, "/")] = p
        return out

    def get_file_names(self):
        """The run's files: outputs/... (what the script wrote to ./outputs or uploaded)
        and logs/..."""
        return sorted(self._files())

    def download_file(self, name, output_file_path=None, _validate_checksum=False):
        """Copies the run's file `name` (one of get_file_names()) to output_file_path (a file
        or a folder; default: its base name in the current folder)."""
        files = self._files()
        # Azure ML's names of a step's log (runtime v1, and v2's user_logs): the step's stdout.
        if name in _AZUREML_LOG_NAMES and "logs/stdout.txt" in files:
            files[name] = files["logs/stdout.txt"]
        if name not in files:
            raise native().NotFoundError("step run %s (%s) has no file %r (files: %s)"
                                         % (self.id, self.name, name, ", ".join(sorted(files)) or "none"))
        dest = output_file_path or os.path.basename(name)
        if os.path.isdir(dest):
            dest = os.path.join(dest, os.path.basename(name))
        shutil.copyfile(files[name], dest)
        return dest

    def download_files(self, prefix=None, output_directory=None, output_paths=None, batch_size=100,
                       append_prefix=True, timeout_seconds=None):
        """Copies the run's files under `prefix` into output_directory (default: here)."""
        for name, path in self._files().items():
            if prefix and not name.startswith(prefix):
                continue
            dest = os.path.join(output_directory or ".", name if append_prefix or not prefix
                                else name[len(prefix):].lstrip("/"))
            os.makedirs(os.path.dirname(dest) or ".", exist_ok=True)
            shutil.copyfile(path, dest)

    def wait_for_completion(self, show_output=True, timeout_seconds=sys.maxsize, raise_on_error=True):
        return self.parent.wait_for_completion(show_output, timeout_seconds, raise_on_error) and self.get_status()

    def cancel(self):
        self.parent.cancel()

    def __repr__(self):
        return "StepRun(%s, Id: %s, Status: %s)" % (self.name, self.id, self.get_status())


class _ChildRun(_RunBase):
    """One trial of a sweep step (a HyperDrive child run)."""

    type = "azureml.scriptrun"

    def __init__(self, parent, info, primary_metric):
        self.parent = parent
        self._info = info
        self._metric = primary_metric

    id = property(lambda self: self._info["id"])
    run_id = id
    number = property(lambda self: self._info.get("number"))
    experiment = property(lambda self: self.parent.experiment)

    def get_status(self):
        return _core_status(self._info.get("status", ""))

    status = property(get_status)

    def get_metrics(self, name=None, recursive=False, run_type=None, populate=False):
        m = _read_metrics_for(self._info.get("log_dir", ""), "self")
        return {k: v for k, v in m.items() if name is None or k == name}

    def get_tags(self):
        return {"hyperparameters": json.dumps(self._info.get("parameters") or {}, sort_keys=True)}

    def get_details(self):
        """runDefinition holds the trial's script and its whole argument list, the
        ScriptRunConfig's fixed arguments first and the sampled hyperparameters after them,
        as in the SDK (notebooks read the best trial's values from it)."""
        script, args = None, None
        try:
            with open(os.path.join(self._info.get("log_dir", ""), "command.txt")) as f:
                words = shlex.split(f.read())
            if len(words) >= 2 and os.path.basename(words[0]).startswith("python") and words[1].endswith(".py"):
                script, args = words[1], words[2:]
        except (OSError, ValueError):
            pass
        if args is None:  # no command recorded (a command trial): the sampled values
            args = []
            for k, v in sorted((self._info.get("parameters") or {}).items()):
                args += [k if k.startswith("-") else "--" + k, str(v)]
        return {"runId": self.id, "status": self.get_status(),
                "runDefinition": {"script": script, "arguments": args},
                "properties": {"reused_from": self._info.get("reused_from"),
                               "reason": self._info.get("reason") or None}}

    def _files(self):
        """SDK name -> path: outputs/... (written to the trial's ./outputs or uploaded) and
        logs (logs/stdout.txt, logs/stderr.txt)."""
        root = self._info.get("log_dir", "")
        out = {}
        for base in (os.path.join(root, "wd", "outputs"), os.path.join(root, "run_outputs")):
            for d, _s, names in os.walk(base):
                for n in names:
                    p = os.path.join(d, n)
                    out["outputs/" + os.path.relpath(p, base).replace(os.sep, "/")] = p
        for n in ("stdout.txt", "stderr.txt"):
            if os.path.exists(os.path.join(root, n)):
                out["logs/" + n] = os.path.join(root, n)
        return out

    def get_file_names(self):
        return sorted(self._files())

    def download_file(self, name, output_file_path=None, _validate_checksum=False):
        files = self._files()
        if name not in files:
            raise native().NotFoundError("trial %s has no file %r (files: %s)"
                                         % (self.id, name, ", ".join(sorted(files)) or "none"))
        dest = output_file_path or os.path.basename(name)
        if os.path.isdir(dest):
            dest = os.path.join(dest, os.path.basename(name))
        shutil.copyfile(files[name], dest)
        return dest

    def register_model(self, model_name, model_path=None, tags=None, properties=None, description=None,
                       model_framework=None, model_framework_version=None, **kwargs):
        """Registers the trial's file (or the files under a folder) model_path, e.g.
        "outputs/model.pkl"."""
        from runnel.model import Model
        files = self._files()
        path = files.get(model_path or "outputs")
        if path is None:
            prefix = (model_path or "outputs").rstrip("/") + "/"
            under = [p for n, p in files.items() if n.startswith(prefix)]
            if not under:
                raise native().NotFoundError("register_model: trial %s has no file %r (files: %s)"
                                             % (self.id, model_path, ", ".join(sorted(files)) or "none"))
            path = os.path.dirname(under[0]) if len(under) == 1 else os.path.commonpath(under)
        ws = self.parent.parent._ws if hasattr(self.parent, "parent") else self.parent._ws
        return Model.register(ws, path, model_name, tags=tags, properties=properties, description=description,
                              model_framework=model_framework, model_framework_version=model_framework_version,
                              _run_id=self.id, _experiment_name=self.experiment.name)

    def _primary(self):
        pm = self._info.get("primary_metric") or {}
        return pm.get("final")

    def __repr__(self):
        return "Run(Id: %s, Status: %s, %s: %s)" % (self.id, self.get_status(), self._metric, self._primary())


class _MiniBatchRun(_RunBase):
    """One mini-batch of a parallel step."""

    type = "runnel.minibatch"

    def __init__(self, parent, info):
        self.parent = parent
        self._info = info

    id = property(lambda self: "%s_mb%d" % (self.parent.id, self._info["index"]))
    run_id = id
    items = property(lambda self: self._info.get("items"))
    reused = property(lambda self: bool(self._info.get("reused")))

    def get_status(self):
        return "Finished" if self._info.get("ok") else "Failed"

    status = property(get_status)

    def get_metrics(self, name=None, **kwargs):
        return {}

    def get_details(self):
        return {"runId": self.id, "status": self.get_status(), "properties": {
            "items": self.items, "reused": self.reused, "tries": self._info.get("tries"),
            "log": self._info.get("log")}}

    def __repr__(self):
        return "MiniBatch(%s, items: %s, %s%s)" % (self._info["index"], self.items, self.get_status(),
                                                   ", reused" if self.reused else "")


class HyperDriveStepRun(StepRun):
    """HyperDriveStepRun(step_run): a HyperDriveStep's run with the HyperDriveRun's methods."""

    def __init__(self, step_run):
        if not isinstance(step_run, StepRun):
            raise TypeError("HyperDriveStepRun: expected a StepRun, not %s" % type(step_run).__name__)
        super().__init__(step_run.parent, step_run._nat)

    def _sweep(self):
        kind, data = self._children_file()
        if kind != "sweep":
            raise ValueError("step run %s (%s) is not a sweep (no trials recorded)" % (self.id, self.name))
        return data

    def get_children_sorted_by_primary_metric(self, top=0, reverse=False, discard_no_metric=False):
        data = self._sweep()
        out = [{"run_id": c["id"], "hyperparameters": json.dumps(c.get("parameters") or {}, sort_keys=True),
                "best_primary_metric": (c.get("primary_metric") or {}).get("final"),
                "status": _core_status(c.get("status", ""))} for c in data.get("children", [])]
        if discard_no_metric:
            out = [c for c in out if c["best_primary_metric"] is not None]
        if reverse:
            scored = [c for c in out if c["best_primary_metric"] is not None][::-1]
            out = scored + [c for c in out if c["best_primary_metric"] is None]
        return out[:top] if top else out

    def get_best_run_by_primary_metric(self, include_failed=True, include_canceled=True,
                                       include_resume_from_runs=True):
        """The trial with the best final primary metric, or None."""
        data = self._sweep()
        for c in data.get("children", []):
            if (c.get("primary_metric") or {}).get("final") is None:
                continue
            if c.get("status") == "Failed" and not include_failed:
                continue
            if c.get("status") == "Canceled" and not include_canceled:
                continue
            return _ChildRun(self, c, data.get("primary_metric"))
        return None

    def get_hyperparameters(self):
        return {c["id"]: json.dumps(c.get("parameters") or {}, sort_keys=True)
                for c in self._sweep().get("children", [])}

    def get_metrics(self, name=None, recursive=False, run_type=None, populate=False):
        """{trial run id: {metric: value}} of every trial."""
        return {k.id: k.get_metrics(name) for k in self.get_children()}

    def cancel(self):
        self.parent.cancel()


HyperDriveRun = HyperDriveStepRun


class _ExperimentHyperDriveRun(_CoreRun):
    """Experiment.submit(HyperDriveConfig): the run of a one-step pipeline whose step is the
    sweep, with the HyperDriveRun methods (best run, children, metrics). Its status is the
    core Run's (Completed), as the SDK's HyperDriveRun."""

    type = "hyperdrive"

    def _sweep_run(self):
        steps = self.get_steps()
        if not steps:
            raise native().NotFoundError("hyperdrive run %s has no step yet" % self.id)
        return HyperDriveStepRun(steps[0])

    def get_best_run_by_primary_metric(self, include_failed=True, include_canceled=True,
                                       include_resume_from_runs=True):
        return self._sweep_run().get_best_run_by_primary_metric(include_failed, include_canceled)

    def get_children_sorted_by_primary_metric(self, top=0, reverse=False, discard_no_metric=False):
        return self._sweep_run().get_children_sorted_by_primary_metric(top, reverse, discard_no_metric)

    def get_children(self, recursive=False, tags=None, properties=None, type=None, status=None,
                     _rehydrate_runs=True):
        return self._sweep_run().get_children(status=status)

    def get_metrics(self, name=None, recursive=False, run_type=None, populate=False):
        return self._sweep_run().get_metrics(name)

    def get_hyperparameters(self):
        return self._sweep_run().get_hyperparameters()

    def __repr__(self):
        return "Run(Experiment: %s,\nId: %s,\nType: hyperdrive,\nStatus: %s)" % (
            self.experiment.name, self.id, self.get_status())


class StepRunOutput:
    """An output of a step run (the SDK's StepRunOutput): name, step_run, pipeline_run_id and
    get_port_data_reference()."""

    def __init__(self, step_run, name, port):
        self.step_run = step_run
        self.pipeline_run_id = step_run.parent.id
        self.name = name
        self._port = port

    def get_port_data_reference(self):
        return self._port

    def __repr__(self):
        return "StepRunOutput(name=%r, step=%r)" % (self.name, self.step_run.name)


def _read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


class PortDataReference:
    """A committed output of a step run: where it is and download(local_path)."""

    def __init__(self, step_run, name, path):
        self._step_run = step_run
        self.name = name
        self.path = path
        ws = step_run.parent._ws
        self.datastore_name, self.path_on_datastore = None, path
        for ds_name, ds in ws._native.datastores().items():
            root = ds.root.rstrip("/") + "/"
            if path.startswith(root):
                self.datastore_name, self.path_on_datastore = ds_name, path[len(root):]
        self.data_reference_name = name
        self._path_on_datastore = self.path_on_datastore
        self._data_store_name = self.datastore_name

    @property
    def datastore(self):
        from .core import Datastore
        return Datastore(self._step_run.parent._ws, self.datastore_name) if self.datastore_name else None

    def download(self, local_path, overwrite=None, show_progress=None):
        """Copies the output to local_path/<path on datastore>; returns that path."""
        dest = os.path.join(local_path, self.path_on_datastore or self.name)
        if os.path.isdir(self.path):
            _files.copy_tree(self.path, dest)
        else:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            _files.copy_file(self.path, dest)
        if show_progress:
            print("Downloaded %s to %s" % (self.path, dest))
        return dest

    def as_input(self, input_name=None):
        from .data import DataReference
        return DataReference(self.datastore, input_name or self.name, self.path_on_datastore)

    def __repr__(self):
        return "PortDataReference(name=%r, datastore=%r, path=%r)" % (self.name, self.datastore_name,
                                                                     self.path_on_datastore)


class _Progress:
    """Prints the SDK's wait_for_completion lines: statuses as they change, a summary."""

    def __init__(self, run):
        self.run = run
        self.seen = {}

    def start(self):
        if getattr(self.run, "_core_run", False):
            print("RunId: %s" % self.run.id)
            print("Web View: runnel runs show %s -w %s" % (self.run.id, self.run._ws.path), flush=True)
            self.poll()
            return
        print("PipelineRunId: %s" % self.run.id)
        print("Link to runnel: runnel runs show %s -w %s" % (self.run.id, self.run._ws.path))
        print("PipelineRun Status: %s" % self.run.get_status(), flush=True)
        self.poll()

    def poll(self):
        for s in self.run._ws._native.list_step_run_records(self.run.id):
            st = s["status"]
            if self.seen.get(s["id"]) == st:
                continue
            self.seen[s["id"]] = st
            if st == "Reused":
                print("StepRun(%s) Status: Finished (reused run %s)" % (s["name"], s["reused_run_id"]))
            elif st in ("Queued", "Running", "Finished", "Failed", "Canceled"):
                if st == "Running":
                    print("\nStepRunId: %s" % s["id"])
                print("StepRun(%s) Status: %s" % (s["name"], st))
                if st == "Failed":
                    print("  %s; log: %s" % (s["error"] or "exit code %s" % s["exit_code"],
                                             os.path.join(s["run_dir"], "logs", "stderr.txt")))
        sys.stdout.flush()

    def finish(self, status):
        self.poll()
        if getattr(self.run, "_core_run", False):
            print("\nExecution Summary")
            print("=================")
            print("RunId: %s" % self.run.id)
            print("Web View: runnel runs show %s -w %s" % (self.run.id, self.run._ws.path))
            print("Status: %s" % _core_status(status), flush=True)
            return
        print("\nPipelineRun Execution Summary")
        print("==============================")
        print("PipelineRun Status: %s" % status)
        for s in self.run._ws._native.list_step_run_records(self.run.id):
            extra = " (reused %s)" % s["reused_run_id"] if s["reused_run_id"] else ""
            print("  %s: %s%s" % (s["name"], _sdk_step_status(s["status"]), extra))
        print(flush=True)


_AZUREML_LOG_NAMES = ("azureml-logs/70_driver_log.txt", "user_logs/std_log.txt")


def _read_metrics_for(run_dir, target):
    """name -> value of the metrics a step logged for `target` ("self" or "parent")."""
    from runnel import metrics
    path = os.path.join(run_dir, "metrics.jsonl")
    if not run_dir or not os.path.exists(path):
        return {}
    return metrics.aggregate(metrics.read(path), target)


def _exception_line(stderr_path):
    """The Python exception line at the end of a step's stderr log ("ValueError: bad input"):
    the last unindented line after the last traceback, else the last non-empty line; None
    when the log is missing or empty."""
    try:
        with open(stderr_path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 65536))
            text = f.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    lines = [l.rstrip() for l in text.splitlines()]
    start = max((i for i, l in enumerate(lines) if l.startswith("Traceback (most recent call last)")), default=-1)
    tail = [l for l in lines[start + 1:] if l.strip()]
    if start >= 0:
        tail = [l for l in tail if not l[:1].isspace()] or tail
    if not tail:
        return None
    line = tail[-1].strip()
    return line[:2000]


def _step_error_message(rec, log_dir=None):
    """The readable failure text of a failed step record: its name, the engine's error
    ("exit code 1"), the exception line of its stderr log, and where the log is."""
    stderr = os.path.join(log_dir or rec.get("run_dir") or "", "logs", "stderr.txt")
    reason = rec.get("error") or ("exit code %s" % rec.get("exit_code") if rec.get("exit_code") is not None
                                  else "failed")
    exc = _exception_line(stderr)
    msg = "step '%s' failed (%s)" % (rec.get("name"), reason)
    if exc:
        msg += ": %s" % exc
    return msg + "; log: %s" % stderr


def _error_details(message, code="UserError"):
    """The SDK's shape of a run's error: {"error": {"code": ..., "message": ...}}."""
    return {"error": {"code": code, "message": message}}


def _iso(ms):
    if not ms:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000.0)) + ".%03dZ" % (ms % 1000)


@atexit.register
def _finish_live_runs():
    """A script that ends while its runs are going waits for them (Ctrl-C cancels)."""
    with _live_lock:
        runs = [r for r in _live if r.get_status() not in _FINAL]
    for r in runs:
        print("runnel: waiting for PipelineRun %s to finish before exiting (Ctrl-C cancels it)"
              % r.id, file=sys.stderr, flush=True)
        try:
            r.wait_for_completion(show_output=False, raise_on_error=False)
        except KeyboardInterrupt:
            pass
    native().release_local()
