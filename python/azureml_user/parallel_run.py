"""azureml_user.parallel_run.EntryScript: what a ParallelRunStep entry script may ask of the
run it is in (its logger, its folders), as in Azure ML. Inside runnel.parallel_run's
workers the logger writes to the current mini-batch's log (logs/parallel/minibatch-N.txt)."""

import logging
import os
import sys


class EntryScript:
    """EntryScript().logger, .working_dir, .output_dir, .log_dir, .agent_name."""

    _logger = None

    @property
    def logger(self):
        if EntryScript._logger is None:
            log = logging.getLogger("azureml_user.parallel_run")
            handler = logging.StreamHandler(_Stderr())
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            log.addHandler(handler)
            log.propagate = False
            EntryScript._logger = log
        return EntryScript._logger

    @property
    def working_dir(self):
        return os.getcwd()

    @property
    def output_dir(self):
        return os.environ.get("RUNNEL_PARALLEL_OUTPUT_DIR") or os.getcwd()

    @property
    def log_dir(self):
        ctx = os.environ.get("RUNNEL_RUN_CONTEXT")
        return os.path.join(os.path.dirname(ctx), "logs", "parallel") if ctx else os.getcwd()

    @property
    def agent_name(self):
        return "worker-%s" % os.environ.get("RUNNEL_PARALLEL_WORKER", "0")


class _Stderr:
    """The stream stderr is at the time of writing (workers point fd 2 at each mini-batch's log)."""

    def write(self, text):
        sys.stderr.write(text)

    def flush(self):
        sys.stderr.flush()
