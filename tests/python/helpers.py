"""Shared helpers for the Python tests: import paths and fake run contexts."""

import json
import os
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PYTHON_DIR = os.path.join(REPO, "python")
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)
# Steps run with this tree's step side (the native module's compiled-in python/ may be
# another checkout's, e.g. a worktree using a copied module).
os.environ.setdefault("RUNNEL_PYTHON_DIR", PYTHON_DIR)


def make_context(root, run_id="step-run-1", inputs=None, outputs=None, outputs_dir=True,
                 tags=None, step_name="train_lr"):
    """Writes a context.json for a fake step run under `root`; returns (path, dict)."""
    ws = os.path.join(root, "ws")
    run_dir = os.path.join(ws, ".runnel", "runs", run_id)
    os.makedirs(run_dir, exist_ok=True)
    ctx = {
        "run_id": run_id,
        "pipeline_run_id": "pipeline-run-1",
        "step_name": step_name,
        "experiment": "Compare_Models_Exp",
        "workspace": ws,
        "run_dir": run_dir,
        "metrics_file": os.path.join(run_dir, "metrics.jsonl"),
        "inputs": inputs or {},
        "outputs": outputs or {},
        "parent": {"run_id": "pipeline-run-1"},
        "tags": tags or {},
    }
    if outputs_dir:
        ctx["outputs_dir"] = os.path.join(run_dir, "outputs")
    path = os.path.join(run_dir, "context.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(ctx, f)
    return path, ctx


def read_lines(path):
    """Every line of a metrics file parsed with strict JSON (NaN/Infinity rejected)."""

    def no_constants(name):
        raise ValueError("non-standard JSON constant %s" % name)

    with open(path, encoding="utf-8") as f:
        return [json.loads(line, parse_constant=no_constants) for line in f if line.strip()]


def subprocess_env(context_path=None):
    """An environment for a child /usr/bin/python3 that sees runnel and the context."""
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("RUNNEL_RUN_CONTEXT", None)
    if context_path:
        env["RUNNEL_RUN_CONTEXT"] = context_path
    return env


def temp_dir(test_case):
    d = tempfile.TemporaryDirectory(prefix="runnel-py-")
    test_case.addCleanup(d.cleanup)
    return d.name
