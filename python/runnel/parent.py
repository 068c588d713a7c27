"""The pipeline run as a step sees it through `run.parent` (standard library only).

What the steps of one pipeline run log on their parent (`run.parent.log`, `.tag`,
`.add_properties`) stays in each step's own metrics file (lines with "target": "parent").
To show the parent's metrics, tags and properties as they are so far, a step reads the
metrics files of every step of its pipeline run:

- the steps and their run folders come from the workspace's metadata store
  (`<workspace>/.runnel/metadata.db`, SQLite, opened read-only with the standard library's
  sqlite3; table step_runs by pipeline_run_id); a reused step counts with the folder of
  the run it reused, whose parent lines are those it logged when it ran;
- when the store cannot be read, the run folders `<workspace>/.runnel/runs/*/` whose
  context.json names the same pipeline run are used instead (reused steps have none);
- the tags given at submit (`Experiment.submit(pipeline, tags=...)`) are the pipeline run's
  row in the same store (pipeline_runs.tags_json); they are not in the context file.

The SDK side (PipelineRun.get_tags) uses parent_records() on the folders it gets from the
native module.
"""

import json
import os
import sqlite3
import urllib.parse

from . import metrics as _metrics


def _store_path(workspace):
    return os.path.join(workspace, ".runnel", "metadata.db")


def _query(workspace, sql, args):
    """Rows of a read-only query on the workspace's store, or None when it cannot be read."""
    path = _store_path(workspace or "")
    if not workspace or not os.path.exists(path):
        return None
    try:
        con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(path)),
                              uri=True, timeout=10)
    except sqlite3.Error:
        return None
    try:
        return con.execute(sql, args).fetchall()
    except sqlite3.Error:
        return None
    finally:
        con.close()


def step_run_dirs(workspace, pipeline_run_id):
    """Run folders of the steps of `pipeline_run_id` (a reused step: its reused run's)."""
    rows = _query(workspace,
                  "SELECT s.run_dir, COALESCE(r.run_dir, '') FROM step_runs s "
                  "LEFT JOIN step_runs r ON s.reused_run_id != '' AND r.id = s.reused_run_id "
                  "WHERE s.pipeline_run_id = ? ORDER BY s.created_at", (pipeline_run_id,))
    if rows is not None:
        return [reused or own for own, reused in rows if reused or own]
    return _scan_run_dirs(workspace, pipeline_run_id)


def _scan_run_dirs(workspace, pipeline_run_id):
    root = os.path.join(workspace or "", ".runnel", "runs")
    out = []
    try:
        names = os.listdir(root)
    except OSError:
        return out
    for name in names:
        folder = os.path.join(root, name)
        try:
            with open(os.path.join(folder, "context.json"), encoding="utf-8") as f:
                ctx = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(ctx, dict) and ctx.get("pipeline_run_id") == pipeline_run_id:
            out.append(folder)
    return out


def submit_tags(workspace, pipeline_run_id):
    """The tags the pipeline run was submitted with; {} when the store cannot be read."""
    rows = _query(workspace, "SELECT tags_json FROM pipeline_runs WHERE id = ?", (pipeline_run_id,))
    if not rows:
        return {}
    try:
        tags = json.loads(rows[0][0] or "{}")
    except ValueError:
        return {}
    return {str(k): v for k, v in tags.items()} if isinstance(tags, dict) else {}


def parent_records(metrics_files):
    """Every "target": "parent" line of the given metrics files, in logging-time order
    (a file named twice is read once; a missing one is skipped)."""
    seen = set()
    records = []
    for path in metrics_files:
        if not path:
            continue
        key = os.path.realpath(path)
        if key in seen:
            continue
        seen.add(key)
        records.extend(r for r in _metrics.read(path) if r.get("target") == "parent")
    records.sort(key=lambda r: r.get("time") if isinstance(r.get("time"), (int, float)) else 0)
    return records


def metrics_files(run_dirs):
    return [os.path.join(d, "metrics.jsonl") for d in run_dirs]


def logged(records, kind):
    """key -> last value of the `kind` ("tag" or "property") lines among `records`."""
    out = {}
    for rec in records:
        if rec.get("kind") == kind:
            out[rec["name"]] = rec.get("value")
    return out


CANCEL_MARKER = "cancel_parent.json"
_CANCEL_WAIT_S = 60


def runnel_binary():
    """The runnel CLI a step can run: $RUNNEL_BIN when executable, else `runnel` on PATH."""
    import shutil
    path = os.environ.get("RUNNEL_BIN", "")
    if path and os.access(path, os.X_OK) and not os.path.isdir(path):
        return path
    return shutil.which("runnel")


def request_cancel(ctx):
    """run.parent.cancel() in a step: cancels the pipeline run as `runnel runs cancel` does
    (through the workspace's server, else by SIGINT to the runnel process running it). Steps
    not started yet end Canceled; running ones, this one included, are stopped. First leaves
    <run_dir>/cancel_parent.json so that an SDK process running the pipeline (the SIGINT's
    target) cancels that run instead of raising KeyboardInterrupt. Returns True when the
    request was delivered; prints why not (and returns False) otherwise: it never raises."""
    import subprocess
    import sys
    import time
    pipeline_run_id = ctx.get("pipeline_run_id") or (ctx.get("parent") or {}).get("run_id")
    if not pipeline_run_id:
        return False
    marker = {"pipeline_run_id": pipeline_run_id, "step_run_id": ctx.get("run_id"),
              "time": int(time.time() * 1000)}
    try:
        tmp = os.path.join(ctx["run_dir"], CANCEL_MARKER + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(marker, f)
        os.replace(tmp, os.path.join(ctx["run_dir"], CANCEL_MARKER))
    except OSError as e:
        print("runnel: run.parent.cancel(): cannot write %s: %s" % (CANCEL_MARKER, e),
              file=sys.stderr, flush=True)
    binary = runnel_binary()
    if not binary:
        print("runnel: run.parent.cancel(): pipeline run %s NOT canceled: the runnel CLI is not "
              "on PATH and RUNNEL_BIN is unset in this step's environment" % pipeline_run_id,
              file=sys.stderr, flush=True)
        return False
    cmd = [binary]
    if ctx.get("workspace"):
        cmd += ["-w", ctx["workspace"]]
    cmd += ["--no-color", "runs", "cancel", pipeline_run_id]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        print("runnel: run.parent.cancel(): %s: %s" % (" ".join(cmd), e), file=sys.stderr, flush=True)
        return False
    if p.returncode != 0:
        print("runnel: run.parent.cancel(): pipeline run %s NOT canceled: %s" % (
            pipeline_run_id, (p.stderr or p.stdout).strip()), file=sys.stderr, flush=True)
        return False
    print("runnel: run.parent.cancel(): %s" % p.stdout.strip(), flush=True)
    # The request is acted on asynchronously (an SDK process notices its SIGINT when its
    # wait returns, up to a second later): wait for the run to end, or for the engine to
    # stop this step, so that the steps after this one are not launched in between.
    deadline = time.monotonic() + _CANCEL_WAIT_S
    while time.monotonic() < deadline:
        rows = _query(ctx.get("workspace"), "SELECT status FROM pipeline_runs WHERE id = ?",
                      (pipeline_run_id,))
        if rows and rows[0][0] in ("Canceled", "Finished", "Failed"):
            break
        time.sleep(0.2)
    return True
