"""Experiment.start_logging(): an interactive run that the calling process logs to.

The run is a pipeline run of one step, `python -m runnel.interactive --lock PATH`
(runnel/interactive.py), which holds it open: this process takes an exclusive flock on PATH
(under the workspace's .runnel/interactive/), the step writes where its run context is and
waits for the lock. `InteractiveRun` is the step side's Run bound to that context, so
`log`, `log_list`, `log_row`, `log_table`, `log_image`, `upload_file`, `tag`, `get_metrics`
... write to and read from that step run as a script inside a step would. `complete()`,
`fail()` and `cancel()` write the ending and release the lock; the step then ends, and the
engine records the run with what was logged. A process that ends without completing
releases the lock by ending: the run ends Failed and says why.
"""

import atexit
import fcntl
import os
import weakref
import shlex
import tempfile
import time
import uuid

from .. import context as _context
from ..run import Run as _StepRun
from . import runs as _runs  # noqa: F401  (imported first: its exit handler must run after ours)


class InteractiveRun(_StepRun):
    """The run `Experiment.start_logging()` returns."""

    def __init__(self, ctx, pipeline_run, lock_fd, lock_path):
        super().__init__(ctx)
        self._pipeline_run = pipeline_run
        self._lock_fd = lock_fd
        self._lock_path = lock_path

    @property
    def pipeline_run(self):
        """The PipelineRun this interactive run is the one step of."""
        return self._pipeline_run

    def _end(self, status):
        if self._lock_fd is None:
            return
        tmp = self._lock_path + ".status.tmp"
        with open(tmp, "w") as f:
            f.write(status)
        os.replace(tmp, self._lock_path + ".status")
        os.close(self._lock_fd)  # releases the flock: the step ends
        self._lock_fd = None
        self._pipeline_run.wait_for_completion(show_output=False, raise_on_error=False)

    def complete(self, _set_status=True):
        self._end("Completed")

    def fail(self, error_details=None, error_code=None, _set_status=True):
        if error_details is not None:
            self.tag("error", str(error_details))
        self._end("Failed")

    def cancel(self):
        self._end("Canceled")

    def get_status(self):
        """Running until complete()/fail()/cancel(); then the core Run's status (Completed)."""
        if self._lock_fd is not None:
            return "Running"
        from .runs import _core_status
        return _core_status(self._pipeline_run.get_status())

    def wait_for_completion(self, show_output=False, wait_post_processing=False, raise_on_error=True):
        """Returns the run's details, as the SDK's Run.wait_for_completion."""
        if self._lock_fd is not None:
            raise RuntimeError("wait_for_completion: this interactive run ends when you call run.complete()")
        self._pipeline_run.wait_for_completion(show_output=show_output, raise_on_error=raise_on_error)
        d = self._pipeline_run.get_details()
        d["status"] = self.get_status()
        return d

    def get_portal_url(self):
        return self._pipeline_run.get_portal_url()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.complete()
        else:
            self.fail(error_details="%s: %s" % (exc_type.__name__, exc))
        return False

    def __repr__(self):
        return "InteractiveRun(id=%r, status=%r)" % (self.id, self.get_status())


_open_runs = weakref.WeakSet()


@atexit.register
def _release_at_exit():
    # Registered after the SDK's exit handler that waits for this process's runs (atexit runs
    # in reverse order), so it runs first: an interactive run left open is released without a
    # status, and its step ends Failed saying the process ended without run.complete().
    for r in list(_open_runs):
        if r._lock_fd is not None:
            os.close(r._lock_fd)
            r._lock_fd = None


def start_interactive(experiment, snapshot_directory=None, display_name=None, tags=None,
                      timeout_seconds=60):
    from .pipeline import CommandStep, Pipeline
    ws = experiment.workspace
    folder = os.path.join(ws.path, ".runnel", "interactive")
    os.makedirs(folder, exist_ok=True)
    lock_path = os.path.join(folder, uuid.uuid4().hex + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        src = snapshot_directory or tempfile.mkdtemp(prefix="runnel-interactive-")
        step = CommandStep(command="python -m runnel.interactive --lock " + shlex.quote(lock_path),
                           name=display_name or "interactive", source_directory=src, allow_reuse=False)
        run = Pipeline(ws, [step])._submit(experiment, tags=tags)
        ctx_file = lock_path + ".ctx"
        deadline = time.monotonic() + timeout_seconds
        while not os.path.exists(ctx_file):
            status = run.get_status()
            if status in ("Finished", "Failed", "Canceled"):
                raise RuntimeError("start_logging: the interactive run %s ended %s before it started; "
                                   "see `runnel runs show %s`" % (run.id, status, run.id))
            if time.monotonic() > deadline:
                run.cancel()
                raise RuntimeError("start_logging: the interactive run %s did not start within %d s "
                                   "(is its compute busy?); it was canceled" % (run.id, timeout_seconds))
            time.sleep(0.02)
        with open(ctx_file) as f:
            ctx = _context.load_context(f.read().strip())
        irun = InteractiveRun(ctx, run, fd, lock_path)
        _open_runs.add(irun)
        return irun
    except BaseException:
        os.close(fd)
        raise
