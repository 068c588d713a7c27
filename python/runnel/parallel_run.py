"""The ParallelRunStep driver: one step's input split into mini-batches, run by a pool of
long-lived worker processes, with reuse per mini-batch.

    python -m runnel.parallel_run --entry-script score.py --input data=/path/to/files \
        --output /path/to/output --mini-batch-size 10 --error-threshold 5 -- --model m.pkl

What it does, as the Azure ML SDK's ParallelRunStep does:
- The entry script's ``init()`` runs once per worker process, ``run(mini_batch)`` once per
  mini-batch. A mini-batch is a list of file paths for a file input (``mini_batch_size``
  files, default 10) and a pandas DataFrame for a tabular input (``mini_batch_size`` bytes of
  rows, default 1MB; or one group per value of ``--partition-keys``).
- ``run()`` returns a list or a DataFrame; each element counts as one item that succeeded,
  so a mini-batch of 10 files whose run() returned 8 elements had 2 failed items. A run()
  that raises, or outlives ``--run-invocation-timeout``, is tried again up to
  ``--run-max-try`` times; then the whole mini-batch has failed.
- ``--output-action append_row`` writes every returned element, in mini-batch order, into
  ``<output>/<append-row-file-name>`` (default ``parallel_run_step.txt``): a list element as
  one line of its ``str()``, a DataFrame row as its values separated by spaces.
  ``summary_only`` writes only the summary.
- The step fails once the failed items exceed ``--error-threshold`` (-1: never), or the
  failed mini-batches exceed ``--allowed-failed-count`` or ``--allowed-failed-percent``; its
  message names the failed mini-batches and the last line of each error.

Reuse per mini-batch: a mini-batch's key is the digest of the step's code (the entry
script's folder), its arguments and output action, and the relative path and content
digest of every item in it. Results are kept under ``.runnel/cache/parallel/`` of the
workspace. A rerun first takes every earlier mini-batch whose items are all still present
and unchanged, then packs the remaining (new or changed) items into new mini-batches; so
adding 10 files to a 10,000-file input runs one mini-batch. ``--no-reuse`` turns it off.

Progress (mini-batches done, failed, reused, rate, ETA) is printed to stdout at most once a
second and written to ``<run dir>/logs/parallel/progress.json``; each mini-batch's output
(prints and errors of run()) goes to ``<run dir>/logs/parallel/minibatch-<n>.txt``.

On Slurm the step is ONE job array of node_count x process_count_per_node tasks (runnel's
Slurm backend submits it), and each task runs this driver in pull mode: it sees
SLURM_ARRAY_JOB_ID / SLURM_ARRAY_TASK_ID (or ``--pull-dir DIR --pull-task N``), shares
``<run dir>/logs/parallel/array-<job id>/`` with the other tasks, runs one worker, claims
mini-batches one at a time (each claim a lease with a heartbeat, taken over by the others
when its task dies: see _Lease), and the task that finds every result present writes the
output and the verdict the Slurm backend reads (see Driver.run_pull).

Standard library only; pandas is imported only for tabular input or DataFrame results.
"""

import argparse
import hashlib
import io
import json
import os
import queue
import re
import select
import subprocess
import sys
import threading
import time
import traceback

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)[bB]?\s*$")
_TABULAR_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet")


class ParallelRunError(Exception):
    """Bad arguments or input; the message says what and where."""


def parse_size(text, what):
    """'10MB', '512K', '1Gi', '2048' -> bytes. Decimal units are powers of 1000, 'i' ones 1024."""
    m = _SIZE.match(str(text))
    if not m:
        raise ParallelRunError("%s: '%s' is not a size; use a number of bytes or e.g. 10MB, 512KB, 1GB"
                               % (what, text))
    value, unit, binary = float(m.group(1)), m.group(2).upper(), m.group(3)
    base = 1024 if binary else 1000
    return int(value * base ** " KMGT".index(unit or " "))


def _sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _digest(*parts):
    h = hashlib.sha256()
    for p in parts:
        data = p if isinstance(p, bytes) else json.dumps(p, sort_keys=True).encode()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def code_digest(folder):
    """Digest of every file under `folder` (relative path + content), skipping caches and
    the Slurm backend's job files (.runnel-slurm-<step run>.sh/.exitcode*: new every run)."""
    items = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".git", ".runnel"))
        for name in sorted(files):
            if name.endswith(".pyc") or name.startswith(".runnel-slurm-"):
                continue
            path = os.path.join(root, name)
            items.append((os.path.relpath(path, folder), _sha256_file(path)))
    return _digest(items)


# ---- the items of the input and their mini-batches -----------------------------------


def _dataset_files(path):
    """The files of a dataset consumed in direct mode (runnel writes its definition as
    dataset.json, with each file's local_path), or None when `path` is not one."""
    if os.path.basename(path) != "dataset.json" or not os.path.isfile(path):
        return None
    try:
        with open(path) as f:
            files = json.load(f).get("files")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(files, list) or not all(isinstance(x, dict) and x.get("local_path") for x in files):
        return None
    out = [(x.get("path") or os.path.basename(x["local_path"]), os.path.abspath(x["local_path"])) for x in files]
    return sorted(out)


def list_files(path):
    """Every file under `path` (or `path` itself), as sorted (relative path, absolute path)."""
    listed = _dataset_files(path)
    if listed is not None:
        return listed
    if os.path.isfile(path):
        return [(os.path.basename(path), os.path.abspath(path))]
    if not os.path.isdir(path):
        raise ParallelRunError("--input: %s does not exist" % path)
    out = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            out.append((os.path.relpath(full, path), os.path.abspath(full)))
    return out


def load_mltable(path):
    """(table, reads_a_table) for the MLTable file at `path` (or in the folder `path`);
    None when there is none. reads_a_table: it has a read_* transformation."""
    definition = os.path.join(path, "MLTable") if os.path.isdir(path) else path
    if os.path.basename(definition) != "MLTable" or not os.path.isfile(definition):
        return None
    import mltable  # runnel's python/mltable (PyYAML, pandas); only for an MLTable input
    table = mltable.load(os.path.dirname(definition))
    reads = any(isinstance(t, dict) and any(str(k).startswith("read_") for k in t)
                for t in table._transformations())
    return table, reads


def mltable_file_list(path):
    """For a folder holding an MLTable file without a read_* transformation: the files its
    paths name. None when there is no MLTable file or it reads a table."""
    loaded = load_mltable(path)
    return loaded[0]._files() if loaded and not loaded[1] else None


def file_items(path):
    """[(key, abs path, digest)] for a file input."""
    return [(rel, full, _sha256_file(full)) for rel, full in list_files(path)]


def pack(items, limit, weight):
    """Consecutive groups of `items` whose total weight stays within `limit` (at least one each)."""
    batches, cur, total = [], [], 0
    for it in items:
        w = weight(it)
        if cur and total + w > limit:
            batches.append(cur)
            cur, total = [], 0
        cur.append(it)
        total += w
    if cur:
        batches.append(cur)
    return batches


def plan_batches(items, limit, weight, previous, cached):
    """Mini-batches for `items`: earlier layouts whose items are all present and unchanged
    (and whose result is cached) first, then the rest packed anew.

    previous: [[(key, digest), ...], ...] from the last run; cached(batch_key) -> bool.
    Returns [(items of the batch, reused?)] in a stable order (by first item key).
    """
    by_key = {it[0]: it for it in items}
    taken, out = set(), []
    for layout in previous:
        members = [by_key.get(k) for k, _ in layout]
        if not members or any(m is None or m[2] != d or m[0] in taken for m, (k, d) in zip(members, layout)):
            continue
        if not cached(members):
            continue
        taken.update(m[0] for m in members)
        out.append((members, True))
    rest = [it for it in items if it[0] not in taken]
    out.extend((b, False) for b in pack(rest, limit, weight))
    out.sort(key=lambda b: b[0][0][0])
    return out


def _csv_fields(line, separator):
    import csv
    return next(csv.reader(io.StringIO(line.decode("utf-8")), delimiter=separator), [])


def mltable_rows(path, separator):
    """(header, items) of the table an MLTable file under `path` reads, each row one CSV
    record; None when there is no MLTable file or it reads no table."""
    loaded = load_mltable(path)
    if not loaded or not loaded[1]:
        return None
    import csv
    df = loaded[0].to_pandas_dataframe()

    def record(values):
        buf = io.StringIO()
        csv.writer(buf, delimiter=separator, lineterminator="\n").writerow(
            ["" if v is None or (isinstance(v, float) and v != v) else v for v in values])
        return buf.getvalue().encode("utf-8")
    items = []
    for n, row in enumerate(df.itertuples(index=False, name=None)):
        line = record(row)
        items.append(("MLTable:%08d" % n, line, hashlib.sha256(line).hexdigest()))
    return record(list(df.columns)), items


def tabular_items(path, partition_keys, separator):
    """Rows of the delimited files under `path` as items: (key, row bytes, digest) with the
    header kept aside; with partition keys, one item per group of key values. A folder
    holding an MLTable file that reads a table gives the rows of that table (its paths,
    read_* options and transformations, such as extract_columns_from_partition_format)."""
    table = mltable_rows(path, separator)
    if table is not None:
        header, items = table
    else:
        header, items = None, []
        files = [f for f in list_files(path) if f[0].lower().endswith(_TABULAR_SUFFIXES)] or list_files(path)
        for rel, full in files:
            with open(full, "rb") as f:
                lines = f.read().splitlines(keepends=True)
            if not lines:
                continue
            if header is None:
                header = lines[0]
            for n, line in enumerate(lines[1:], start=2):
                if line.strip():
                    items.append(("%s:%08d" % (rel, n), line, hashlib.sha256(line).hexdigest()))
    if header is None:
        return None, []
    if partition_keys:
        cols = [c.strip() for c in _csv_fields(header, separator)]
        missing = [k for k in partition_keys if k not in cols]
        if missing:
            raise ParallelRunError("--partition-keys: no column %s in %s (columns: %s)"
                                   % (", ".join(missing), path, ", ".join(cols)))
        idx = [cols.index(k) for k in partition_keys]
        groups = {}
        for key, line, _ in items:
            values = _csv_fields(line, separator)
            gk = tuple(values[i] if i < len(values) else "" for i in idx)
            groups.setdefault(gk, []).append(line)
        items = []
        for gk in sorted(groups):
            data = b"".join(groups[gk])
            items.append(("group:" + json.dumps(list(gk)), data, hashlib.sha256(data).hexdigest()))
    return header, items


# ---- workers -------------------------------------------------------------------------


class Worker:
    """One long-lived worker process: init() once, then run() per task sent on stdin."""

    def __init__(self, args, index):
        self.index = index
        cmd = [sys.executable, "-m", "runnel.parallel_run", "--worker",
               "--entry-script", args.entry_script, "--source-directory", args.source_directory,
               "--logging-level", args.logging_level]
        if args.tabular:
            cmd += ["--tabular", "--separator", args.separator]
        env = dict(os.environ, RUNNEL_PARALLEL_WORKER=str(index))
        self.proc = subprocess.Popen(cmd + ["--"] + args.program_args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, cwd=os.getcwd(),
                                     text=True, bufsize=1)
        self.fd = self.proc.stdout.fileno()
        self.buf = b""  # read with os.read: select() must see every line not yet handled
        self.task = None
        self.started = 0.0
        self.ready = False  # init() has returned (the worker said so)

    def read_messages(self):
        """The complete lines the worker has written since the last call, parsed; None at EOF."""
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            return None
        self.buf += chunk
        *lines, self.buf = self.buf.split(b"\n")
        return [json.loads(line) for line in lines if line.strip()]

    def send(self, task):
        self.task = task
        self.started = time.monotonic()
        self.proc.stdin.write(json.dumps(task["message"]) + "\n")
        self.proc.stdin.flush()

    def kill(self):
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait()

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


def worker_main(args):
    """The worker's loop: imports the entry script, calls init(), then serves tasks."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    # What init() prints goes to the step's log (stderr), never into the protocol pipe.
    sys.stdout.flush()
    os.dup2(2, 1)
    import logging
    logging.basicConfig(level=getattr(logging, str(args.logging_level).upper(), logging.INFO))
    sys.argv = [args.entry_script] + args.program_args
    sys.path.insert(0, os.path.abspath(args.source_directory))
    import importlib.util
    script = os.path.join(args.source_directory, args.entry_script)
    init_error = None
    try:
        spec = importlib.util.spec_from_file_location("parallel_entry_script", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if hasattr(module, "init"):
            module.init()
        if not callable(getattr(module, "run", None)):
            raise ParallelRunError("%s defines no run(mini_batch) function" % script)
    except BaseException:  # reported per task: the driver decides what to do
        init_error = traceback.format_exc()
    proto.write(json.dumps({"ready": True}) + "\n")  # run_invocation_timeout counts from here
    for line in sys.stdin:
        task = json.loads(line)
        log = os.open(task["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        reply = {"ok": False}
        try:
            if init_error:
                raise RuntimeError("init() of %s failed:\n%s" % (script, init_error))
            if args.tabular:
                import io
                import pandas as pd
                data = task["header"] + "".join(task["rows"])
                batch = pd.read_csv(io.StringIO(data), sep=args.separator)
                n_items = len(batch)
            else:
                batch = list(task["files"])
                n_items = len(batch)
            if "partition" in task and _takes_context(module.run):
                result = module.run(batch, MiniBatchContext(dict(task["partition"])))
            else:
                result = module.run(batch)
            rows = _result_rows(result)
            reply = {"ok": True, "rows": rows, "succeeded": min(len(rows), n_items),
                     "items": n_items}
        except BaseException as e:  # a failed mini-batch is data
            traceback.print_exc()
            reply = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.flush()
        sys.stderr.flush()
        proto.write(json.dumps(reply) + "\n")
    return 0


class MiniBatchContext:
    """The second argument of run(mini_batch, mini_batch_context) for partitioned inputs:
    partition_key_value ({key: value} of this mini-batch) and dataset (None here)."""

    def __init__(self, partition_key_value):
        self.partition_key_value = partition_key_value
        self.dataset = None

    def __repr__(self):
        return "MiniBatchContext(partition_key_value=%r)" % (self.partition_key_value,)


def _takes_context(fn):
    import inspect
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    except (TypeError, ValueError):
        return False
    return len(params) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


def file_partition_items(path, entry, partition_keys):
    """[("group:" + JSON key values, [abs paths], digest)] for a FileDataset input whose
    files carry partition values (its definition's files[].partition, from partition_format)."""
    files = ((entry.get("dataset") or {}).get("definition") or {}).get("files") or []
    by_path = [(f.get("path") or "", f.get("partition") or {}) for f in files]
    groups = {}
    for rel, full, digest in file_items(path):
        rel_posix = rel.replace(os.sep, "/")
        part = next((p for fp, p in by_path if fp == rel_posix or fp.endswith("/" + rel_posix)), None)
        if part is None:
            raise ParallelRunError("--partition-keys: input file %s has no partition values; make the "
                                   "FileDataset with partition_format= naming %s" % (rel, ", ".join(partition_keys)))
        missing = [k for k in partition_keys if k not in part]
        if missing:
            raise ParallelRunError("--partition-keys: no partition key %s in the input's partition_format "
                                   "(keys: %s)" % (", ".join(missing), ", ".join(sorted(part)) or "none"))
        gk = tuple(str(part[k]) for k in partition_keys)
        groups.setdefault(gk, []).append((full, digest))
    out = []
    for gk in sorted(groups):
        members = sorted(groups[gk])
        out.append(("group:" + json.dumps(list(gk)), [m[0] for m in members],
                    hashlib.sha256("".join(m[1] for m in members).encode()).hexdigest()))
    return out


def _result_rows(result):
    """run()'s return value as output lines: list elements by str(), DataFrame rows by value."""
    if result is None:
        return []
    if hasattr(result, "to_csv") and hasattr(result, "columns"):
        text = result.to_csv(sep=" ", header=False, index=False)
        return text.splitlines()
    return [str(x) for x in result]


# ---- the driver ----------------------------------------------------------------------


class Driver:
    def __init__(self, args):
        self.args = args
        self.run_dir = _run_dir()
        self.log_dir = os.path.join(self.run_dir, "logs", "parallel")
        os.makedirs(self.log_dir, exist_ok=True)
        # A task of a Slurm job array (runnel submits a ParallelRunStep on Slurm as one array
        # of node_count x process_count_per_node tasks): pull mode, one folder per array job
        # (a retry is a new array, with a fresh plan).
        job, task = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
        if not args.pull_dir and job and task and task.isdigit():
            args.pull_dir = os.path.join(self.log_dir, "array-" + job)
            args.pull_task = int(task)
        self.cache_dir = None
        ws = _workspace_dir()
        if ws and not args.no_reuse:
            self.cache_dir = os.path.join(ws, ".runnel", "cache", "parallel")
            os.makedirs(os.path.join(self.cache_dir, "batches"), exist_ok=True)

    def cached_result(self, key):
        if not self.cache_dir:
            return None
        try:
            with open(os.path.join(self.cache_dir, "batches", key + ".json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def store_result(self, key, result):
        if not self.cache_dir:
            return
        path = os.path.join(self.cache_dir, "batches", key + ".json")
        tmp = "%s.tmp.%d" % (path, os.getpid())
        with open(tmp, "w") as f:
            json.dump(result, f)
        os.replace(tmp, path)

    def run(self):
        if self.args.pull_dir:
            return self.run_pull()
        tasks = self.plan()
        self.execute(tasks)
        return self.finish(tasks)

    def plan(self):
        """The step's mini-batches (reused ones with their cached result), in output order."""
        a = self.args
        code_key = _digest(code_digest(a.source_directory), a.entry_script, a.program_args,
                           a.output_action, a.tabular, a.separator, a.partition_keys)
        if a.tabular:
            header, items = tabular_items(a.input_path, a.partition_keys, a.separator)
            limit = parse_size(a.mini_batch_size or "1MB", "--mini-batch-size")
            weight = (lambda it: 1) if a.partition_keys else (lambda it: len(it[1]))
            if a.partition_keys:
                limit = 1  # one group per mini-batch
        elif a.partition_keys:
            # A partitioned FileDataset (partition_format): one mini-batch per combination
            # of the keys' values, as Azure ML groups partition-per-folder jobs.
            header, items = None, file_partition_items(a.input_path, a.input_entry, a.partition_keys)
            limit, weight = 1, (lambda it: 1)
        else:
            header, items = None, (file_items(a.input_path) if a.mltable_files is None else
                                   [(os.path.relpath(f, a.input_path), f, _sha256_file(f))
                                    for f in a.mltable_files])
            try:
                limit = int(a.mini_batch_size or 10)
            except ValueError:
                limit = None
            if limit is None or limit <= 0:
                raise ParallelRunError("--mini-batch-size: '%s' must be a positive number of files "
                                       "for a file input" % a.mini_batch_size)
            weight = lambda it: 1  # noqa: E731
        layout_path = os.path.join(self.cache_dir, "layout-%s.json" % code_key) if self.cache_dir else None
        previous = []
        if layout_path and os.path.exists(layout_path):
            try:
                with open(layout_path) as f:
                    previous = json.load(f)
            except (OSError, ValueError):
                previous = []

        def batch_key(members):
            return _digest(code_key, [(m[0], m[2]) for m in members])

        batches = plan_batches(items, limit, weight, previous,
                               lambda members: self.cached_result(batch_key(members)) is not None)
        tasks = []
        for n, (members, reused) in enumerate(batches):
            key = batch_key(members)
            message = {"log": os.path.join(self.log_dir, "minibatch-%d.txt" % n)}
            if a.tabular:
                message["header"] = header.decode("utf-8")
                message["rows"] = [m[1].decode("utf-8") for m in members]
            elif a.partition_keys:
                message["files"] = [f for m in members for f in m[1]]
                message["partition"] = dict(zip(a.partition_keys, json.loads(members[0][0][len("group:"):])))
            else:
                message["files"] = [m[1] for m in members]
            if a.tabular and a.partition_keys:
                message["partition"] = dict(zip(a.partition_keys, json.loads(members[0][0][len("group:"):])))
            if a.tabular and a.partition_keys:
                n_items = sum(m[1].count(b"\n") or 1 for m in members)
            elif a.partition_keys:
                n_items = sum(len(m[1]) for m in members)
            else:
                n_items = len(members)
            tasks.append({"n": n, "key": key, "message": message, "reused": reused, "tries": 0,
                          "first": members[0][0],
                          "items": n_items, "result": self.cached_result(key) if reused else None})
        if layout_path:
            with open(layout_path + ".tmp", "w") as f:
                json.dump([[(m[0], m[2]) for m in members] for members, _ in batches], f)
            os.replace(layout_path + ".tmp", layout_path)
        return tasks

    def execute(self, tasks, take=None, n_workers=None, on_result=None, progress=None, on_try=None):
        """Runs mini-batches on long-lived workers until `take()` (default: every task not
        reused) returns None; retries stay with this driver. on_try(task) sees each try
        start, on_result(task) each final result; progress(done, final) reports."""
        a = self.args
        if take is None:
            pending = queue.deque(t for t in tasks if not t["reused"])
            total_run = len(pending)
            take = lambda: pending.popleft() if pending else None  # noqa: E731
            n_workers = max(1, min(a.node_count * a.process_count_per_node, total_run or 1))
            progress = lambda done, final=False: self._progress(tasks, done, total_run, final)  # noqa: E731
        retry = queue.deque()
        exhausted = False

        def next_task():
            nonlocal exhausted
            if retry:
                return retry.popleft()
            t = None if exhausted else take()
            exhausted = t is None
            return t

        workers = []  # started when there is work for them: init() runs only where needed
        self.started = time.monotonic()
        self.last_progress = 0.0
        done = 0
        try:
            while True:
                for w in workers + [None] * (n_workers - len(workers)):
                    if w is not None and w.task is not None:
                        continue
                    t = next_task()
                    if t is None:
                        break
                    if w is None:
                        w = Worker(a, a.pull_task * n_workers + len(workers))
                        workers.append(w)
                    t["tries"] += 1
                    if on_try:
                        on_try(t)
                    w.send(t)
                if not any(w.task for w in workers):
                    break
                ready = self._wait(workers)
                for w in workers:
                    t = w.task
                    if t is None:
                        continue
                    reply = None
                    if w in ready:
                        messages = w.read_messages()
                        for m in messages or []:
                            if m.get("ready"):
                                w.ready, w.started = True, time.monotonic()  # the clock starts after init()
                            else:
                                reply = m
                        if messages is None:
                            reply = {"ok": False, "error": "the worker process died (exit code %s)"
                                     % w.proc.poll()}
                            self._restart(workers, w)
                    elif a.run_invocation_timeout > 0 and time.monotonic() - w.started > (
                            a.run_invocation_timeout if w.ready else 10 * a.run_invocation_timeout + 60):
                        reply = {"ok": False, "error": "run() took longer than --run-invocation-timeout %ss"
                                 % a.run_invocation_timeout}
                        self._restart(workers, w)
                    if reply is None:
                        continue
                    w.task = None  # (a restarted worker's replacement starts idle)
                    if not reply["ok"] and t["tries"] < a.run_max_try:
                        retry.append(t)
                        continue
                    t["result"] = reply
                    if reply["ok"]:
                        self.store_result(t["key"], reply)
                    if on_result:
                        on_result(t)
                    done += 1
                progress(done)
        finally:
            for w in workers:
                w.close()
        progress(done, final=True)

    def _wait(self, workers):
        busy = [w for w in workers if w.task is not None]
        if not busy:
            return []
        r, _, _ = select.select([w.fd for w in busy], [], [], 0.5)
        return [w for w in busy if w.fd in r]

    def _restart(self, workers, w):
        w.kill()
        workers[workers.index(w)] = Worker(self.args, w.index)  # idle: the loop hands it work

    def _progress(self, tasks, done, total_run, final=False):
        now = time.monotonic()
        if not final and now - self.last_progress < 1.0:
            return
        self.last_progress = now
        elapsed = now - self.started
        failed = sum(1 for t in tasks if t["result"] and not t["result"]["ok"])
        reused = sum(1 for t in tasks if t["reused"])
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total_run - done) / rate if rate > 0 else None
        self._write_progress(len(tasks), reused, total_run, done, failed, rate, eta, final)

    def _write_progress(self, n_tasks, reused, total_run, done, failed, rate, eta, final, extra=None):
        state = {"mini_batches": n_tasks, "reused": reused, "to_run": total_run, "done": done,
                 "failed": failed, "rate_per_s": round(rate, 2),
                 "eta_s": round(eta, 1) if eta is not None else None, "final": final}
        state.update(extra or {})
        tmp = os.path.join(self.log_dir, "progress.json.tmp.%d" % os.getpid())
        with open(tmp, "w") as f:
            json.dump(state, f)
        os.replace(tmp, os.path.join(self.log_dir, "progress.json"))
        print("ParallelRunStep: %d/%d mini-batches run, %d reused, %d failed, %.1f/s%s"
              % (done, total_run, reused, failed, rate, ", ETA %.0fs" % eta if eta else ""), flush=True)

    # ---- pull mode: one of several drivers (a Slurm job array's tasks) sharing a folder ----

    def run_pull(self):
        """This driver is task `pull_task` of several started on the same `pull_dir` (on a
        filesystem they all see). The first to take the lock makes the plan (plan.json); each
        then claims mini-batches one at a time (claims/<n>: a lease, see _Lease), runs them on
        its own worker (init() once per task) and writes each final result atomically
        (results/<n>-ok.json or <n>-failed.json). A task that ran out of unclaimed work stays
        until every mini-batch has its result, taking over the claims of tasks that died
        (_Lease.dead); a task that never found work exits at once (more tasks than
        mini-batches). Whoever finds every result present, under the lock, writes the output,
        summary, metrics and final progress, once (aggregated), and the verdict for the
        engine ($RUNNEL_ARRAY_STATE)."""
        a = self.args
        d = a.pull_dir
        for sub in ("claims", "results", "alive"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        lock_path = os.path.join(d, "lock")
        state_path = os.environ.get("RUNNEL_ARRAY_STATE", "")
        with _FileLock(lock_path):
            plan_path = os.path.join(d, "plan.json")
            if os.path.exists(plan_path):
                with open(plan_path) as f:
                    plan = json.load(f)
            else:
                plan = {"tasks": self.plan(), "planned_at": time.time(), "by": a.pull_task}
                _write_json_atomic(plan_path, plan)
                if state_path:  # what the engine names when every task died
                    _write_json_atomic(state_path, _array_state(d, plan["tasks"], None))
                print("ParallelRunStep: task %d planned %d mini-batches in %s"
                      % (a.pull_task, len(plan["tasks"]), d), flush=True)
        tasks = plan["tasks"]
        to_run = [t for t in tasks if not t["reused"]]
        cursor = iter(to_run)
        lease = _Lease(d, a.pull_task, a.lease_heartbeat, a.lease_timeout)
        ran = [0]  # mini-batches this task took (claimed or taken over)

        def result_names():
            return set(os.listdir(os.path.join(d, "results")))

        def has_result(t, names):
            return "%d-ok.json" % t["n"] in names or "%d-failed.json" % t["n"] in names

        def take():
            for t in cursor:
                if lease.claim(t):
                    ran[0] += 1
                    return t
            # No unclaimed mini-batch left: wait for the others' results, taking over the
            # claims of tasks that died. A task that never had work leaves now (unless a
            # claim is already dead): the tasks that have work stand by for each other.
            while True:
                names = result_names()
                pending = [t for t in to_run if not has_result(t, names)]
                if not pending or os.path.exists(os.path.join(d, "aggregated")):
                    return None
                for t in pending:
                    verdict = lease.take_over(t, a.run_max_try)
                    if verdict == "taken":
                        ran[0] += 1
                        return t
                    if verdict == "exhausted":  # its last try died with its task: failed
                        on_result(t)
                if not ran[0]:
                    return None
                progress(ran[0])
                time.sleep(min(0.1, a.lease_heartbeat))

        def on_try(t):
            lease.record_try(t)

        def on_result(t):
            _write_json_atomic(os.path.join(d, "results", "%d-%s.json" % (t["n"], "ok" if t["result"]["ok"] else "failed")),
                               {"result": t["result"], "tries": t["tries"], "task": a.pull_task})
            lease.release(t)

        def progress(done_here, final=False):
            now = time.monotonic()
            if now - self.last_progress < 1.0:
                return
            self.last_progress = now
            with _FileLock(lock_path):  # never after the final one
                if not os.path.exists(os.path.join(d, "aggregated")):
                    write_progress(done_here)

        def write_progress(done_here):
            names = os.listdir(os.path.join(d, "results"))
            done = len({x.split("-")[0] for x in names if x.endswith(".json")})
            failed = sum(1 for x in names if x.endswith("-failed.json"))
            elapsed = max(time.time() - plan["planned_at"], 1e-6)
            rate = done / elapsed
            eta = (len(to_run) - done) / rate if rate > 0 else None
            self._write_progress(len(tasks), len(tasks) - len(to_run), len(to_run), done, failed, rate, eta,
                                 False, {"array_task": a.pull_task, "done_by_this_task": done_here})

        try:
            self.execute(tasks, take=take, n_workers=1, on_result=on_result, progress=progress, on_try=on_try)
        finally:
            lease.stop()
        with _FileLock(lock_path):
            marker = os.path.join(d, "aggregated")
            if os.path.exists(marker):
                with open(marker) as f:
                    by = json.load(f).get("by")
                print("ParallelRunStep: task %d has no more mini-batches to claim; task %s wrote the output"
                      % (a.pull_task, by), flush=True)
                return 0
            missing = []
            for t in to_run:
                # ok before failed: when a mini-batch was taken over from a task thought dead
                # that still finished it, either result may be there; one is chosen, whole.
                for state in ("ok", "failed"):
                    path = os.path.join(d, "results", "%d-%s.json" % (t["n"], state))
                    if os.path.exists(path):
                        with open(path) as f:
                            r = json.load(f)
                        t["result"], t["tries"] = r["result"], r["tries"]
                        break
                else:
                    missing.append(t["n"])
            if missing:
                print("ParallelRunStep: task %d found no mini-batch to claim; %d of %d still run elsewhere "
                      "(the task that finishes the last one writes the output)"
                      % (a.pull_task, len(missing), len(to_run)), flush=True)
                return 0
            failed = sum(1 for t in to_run if not t["result"]["ok"])
            elapsed = max(time.time() - plan["planned_at"], 1e-6)
            self._write_progress(len(tasks), len(tasks) - len(to_run), len(to_run), len(to_run), failed,
                                 len(to_run) / elapsed, None, True, {"array_task": a.pull_task})
            rc = self.finish(tasks)
            _write_json_atomic(marker, {"by": a.pull_task, "exit_code": rc})
            if state_path:
                _write_json_atomic(state_path, _array_state(d, tasks, {"exit_code": rc, "by": a.pull_task}))
            return rc

    def finish(self, tasks):
        a = self.args
        failed_batches = [t for t in tasks if not t["result"]["ok"]]
        failed_items = sum(t["items"] for t in failed_batches)
        failed_items += sum(t["items"] - t["result"].get("succeeded", t["items"])
                            for t in tasks if t["result"]["ok"])
        total_items = sum(t["items"] for t in tasks)
        reasons = []
        if a.error_threshold >= 0 and failed_items > a.error_threshold:
            reasons.append("%d failed items exceed error_threshold %d" % (failed_items, a.error_threshold))
        if a.allowed_failed_count is not None and len(failed_batches) > a.allowed_failed_count:
            reasons.append("%d failed mini-batches exceed allowed_failed_count %d"
                           % (len(failed_batches), a.allowed_failed_count))
        if a.allowed_failed_percent is not None and tasks and \
                100.0 * len(failed_batches) / len(tasks) > a.allowed_failed_percent:
            reasons.append("%.1f%% failed mini-batches exceed allowed_failed_percent %s"
                           % (100.0 * len(failed_batches) / len(tasks), a.allowed_failed_percent))
        summary = {"mini_batches": len(tasks), "reused": sum(1 for t in tasks if t["reused"]),
                   "failed_mini_batches": [{"index": t["n"], "error": t["result"].get("error", ""),
                                            "log": t["message"]["log"]} for t in failed_batches],
                   "items": total_items, "failed_items": failed_items, "passed": not reasons,
                   "batches": [{"index": t["n"], "items": t["items"], "reused": t["reused"],
                                "ok": bool(t["result"]["ok"]), "tries": t["tries"],
                                "log": t["message"]["log"]} for t in tasks]}
        os.makedirs(a.output, exist_ok=True)
        if a.output_action == "append_row" and not reasons:
            path = os.path.join(a.output, a.append_row_file_name)
            if a.append_row_to:  # v2: a uri_folder output gets the file, a uri_file one is it
                path = (os.path.join(a.append_row_to, a.append_row_file_name)
                        if os.path.isdir(a.append_row_to) else a.append_row_to)
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path + ".tmp", "w") as f:
                for t in tasks:
                    if t["result"]["ok"]:
                        for row in t["result"]["rows"]:
                            f.write(row + "\n")
            os.replace(path + ".tmp", path)
        with open(os.path.join(self.log_dir, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
        _log_metrics(summary)
        print("ParallelRunStep: %d mini-batches (%d reused), %d of %d items failed"
              % (len(tasks), summary["reused"], failed_items, total_items), flush=True)
        if reasons:
            lines = ["ParallelRunStep failed: " + "; ".join(reasons)]
            for t in failed_batches[:20]:
                first = t["message"].get("files", [None])[0] if "files" in t["message"] else None
                lines.append("  mini-batch %d%s: %s (log: %s)" % (
                    t["n"], " (%s, ...)" % first if first else "",
                    (t["result"].get("error") or "").strip().splitlines()[-1:] or [""],
                    t["message"]["log"]))
            if len(failed_batches) > 20:
                lines.append("  ... and %d more" % (len(failed_batches) - 20))
            print("\n".join(lines), file=sys.stderr, flush=True)
            return 1
        return 0


def _array_state(pull_dir, tasks, verdict):
    """What the Slurm backend reads when the array ends ($RUNNEL_ARRAY_STATE): where the
    results are, the mini-batches to run (index and first item, to name the unfinished ones
    when every task died), and the verdict of the task that wrote the output."""
    return {"pull_dir": os.path.abspath(pull_dir),
            "mini_batches": [{"n": t["n"], "first": t.get("first", "")} for t in tasks if not t["reused"]],
            "verdict": verdict}


def _proc_start_time(pid):
    """When process `pid` started (clock ticks since boot, /proc/PID/stat field 22), or None
    when there is no such process: with the pid, it names one process (pids are reused)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except (OSError, ValueError):
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def _boot_id():
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return ""


# squeue states of a task that still runs (or may run again); anything else has ended.
_SLURM_ACTIVE = ("PENDING", "RUNNING", "CONFIGURING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD",
                 "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD")


def _slurm_task_ended(job):
    """True when squeue says Slurm job `job` ("12_3") has ended or no longer knows it; None
    when it cannot tell (no squeue here, Slurm not answering)."""
    try:
        r = subprocess.run(["squeue", "-h", "-t", "all", "-j", job, "-o", "%T"],
                           capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0:
        return True if "Invalid job id" in r.stderr else None
    states = r.stdout.split()
    return not states or states[0] not in _SLURM_ACTIVE


class _Lease:
    """The claims of one pull-mode task. claims/<n> is a lease on mini-batch n: JSON naming
    its owner (array task, host, boot id, pid and the process's start time, Slurm job
    J_N), a token, and the tries started; its mtime is the heartbeat, touched every
    `heartbeat` seconds by a thread while the task holds it. A claim's owner is dead when,
    on the same host (same boot), its pid with that start time is gone; on another host,
    when the heartbeat is older than `timeout` seconds (by the shared filesystem's clock:
    alive/<task> is touched to read it), or, sooner, when it is older than two heartbeats
    and squeue says that array task has ended. Taking over replaces the claim under the
    lock, so exactly one task gets it; the dead owner's try counts toward run_max_try."""

    def __init__(self, pull_dir, task, heartbeat, timeout):
        import socket
        import uuid
        self.dir = pull_dir
        self.heartbeat, self.timeout = heartbeat, timeout
        job, array_task = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
        self.me = {"task": task, "host": socket.gethostname(), "boot_id": _boot_id(), "pid": os.getpid(),
                   "start": _proc_start_time(os.getpid()),
                   "slurm_job": "%s_%s" % (job, array_task) if job and array_task else ""}
        self._uuid = uuid.uuid4
        self.held = {}  # n -> (path, token, tries the claim counts)
        self.mu = threading.Lock()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)
        self.thread.start()

    def _path(self, t):
        return os.path.join(self.dir, "claims", str(t["n"]))

    def _body(self, token, tries):
        return dict(self.me, token=token, tries=tries, at=time.time())

    def claim(self, t):
        """Claims an unclaimed mini-batch for its first try: False when another task has it."""
        path, token = self._path(t), self._uuid().hex
        if os.path.exists(path):  # the usual case for most of them: one stat, no file written
            return False
        tmp = "%s.tmp.%s" % (path, token)
        with open(tmp, "w") as f:
            json.dump(self._body(token, 1), f)
        try:
            os.link(tmp, path)  # atomic, never a half-written claim (also on NFS)
        except FileExistsError:
            return False
        finally:
            os.unlink(tmp)
        with self.mu:
            self.held[t["n"]] = (path, token, 1)
        return True

    def record_try(self, t):
        """Before each try starts: the claim counts it (a retry rewrites the claim, unless it
        was taken from us; the first try is counted when claimed or taken over)."""
        with self.mu:
            path, token, recorded = self.held.get(t["n"], (None, None, 0))
        if path is None or t["tries"] <= recorded:
            return
        with _FileLock(os.path.join(self.dir, "lock")):
            current = self._read(path)
            if current and current[0].get("token") == token:
                _write_json_atomic(path, self._body(token, t["tries"]))
        with self.mu:
            if t["n"] in self.held:
                self.held[t["n"]] = (path, token, t["tries"])

    def release(self, t):
        with self.mu:
            self.held.pop(t["n"], None)

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=5)

    def _beat(self):
        while not self.stopping.wait(self.heartbeat):
            with self.mu:
                held = list(self.held.values())
            for path, token, _ in held:
                current = self._read(path)
                if current and current[0].get("token") == token:
                    try:
                        os.utime(path)
                    except OSError:
                        pass
            self.now()

    def now(self):
        """The shared filesystem's clock: the mtime of our own alive/<task>, just touched."""
        path = os.path.join(self.dir, "alive", str(self.me["task"]))
        with open(path, "a"):
            pass
        os.utime(path)
        return os.stat(path).st_mtime

    @staticmethod
    def _read(path):
        try:
            with open(path) as f:
                body = json.load(f)
            return body, os.stat(path).st_mtime
        except (OSError, ValueError):
            return None

    def dead(self, owner, mtime):
        """Why the claim's owner is provably dead, or None while it may live."""
        if not isinstance(owner, dict) or "pid" not in owner:
            return None
        if owner.get("host") == self.me["host"]:
            if owner.get("boot_id") and owner.get("boot_id") != self.me["boot_id"]:
                return "its host %s rebooted" % owner["host"]
            if _proc_start_time(int(owner["pid"])) != owner.get("start"):
                return "its process %s on %s is gone" % (owner["pid"], owner["host"])
            return None
        age = self.now() - mtime
        if age > self.timeout:
            return "its heartbeat is %.0f s old (lease timeout %g s)" % (age, self.timeout)
        if owner.get("slurm_job") and age > 2 * self.heartbeat and _slurm_task_ended(owner["slurm_job"]):
            return "Slurm says its job %s has ended" % owner["slurm_job"]
        return None

    def take_over(self, t, max_try):
        """Takes over mini-batch t if its claim's owner is dead: "taken" (run it, its tries
        so far in t["tries"]), "exhausted" (its last try died with its owner: t["result"] is
        the failure), or None (no claim to take, or its owner may live)."""
        path = self._path(t)
        found = self._read(path)
        with self.mu:
            if found is None or t["n"] in self.held:
                return None
        owner, mtime = found
        why = self.dead(owner, mtime)
        if why is None:
            return None
        with _FileLock(os.path.join(self.dir, "lock")):
            again = self._read(path)
            results = os.path.join(self.dir, "results", "%d-" % t["n"])
            if again is None or again[0].get("token") != owner.get("token") or \
                    os.path.exists(results + "ok.json") or os.path.exists(results + "failed.json"):
                return None  # someone else took it, or it ended after all
            tries = int(owner.get("tries", 0))
            who = "array task %s (host %s, pid %s)" % (owner.get("task"), owner.get("host"), owner.get("pid"))
            if tries >= max_try:
                t["tries"] = tries
                t["result"] = {"ok": False, "error": "%s died while running it, on try %d of run_max_try %d: %s"
                               % (who, tries, max_try, why)}
                print("ParallelRunStep: task %d: mini-batch %d failed: %s" % (self.me["task"], t["n"], t["result"]["error"]),
                      file=sys.stderr, flush=True)
                return "exhausted"
            token = self._uuid().hex
            _write_json_atomic(path, self._body(token, tries + 1))  # the try about to start
            with self.mu:
                self.held[t["n"]] = (path, token, tries + 1)
        t["tries"] = tries
        print("ParallelRunStep: task %d takes over mini-batch %d from %s: %s (%d of run_max_try %d tries used)"
              % (self.me["task"], t["n"], who, why, tries, max_try), flush=True)
        return "taken"


class _FileLock:
    """An exclusive POSIX record lock (fcntl.lockf: NFS-safe with lockd) on `path`."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        import fcntl
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.lockf(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        import fcntl
        fcntl.lockf(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def _write_json_atomic(path, value):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.replace(tmp, path)


def _context():
    path = os.environ.get("RUNNEL_RUN_CONTEXT")
    if not path:
        return {}
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _run_dir():
    ctx = _context()
    if ctx.get("run_dir"):
        return ctx["run_dir"]
    metrics = ctx.get("metrics_file")
    return os.path.dirname(metrics) if metrics else os.getcwd()


def _workspace_dir():
    ctx = _context()
    ws = ctx.get("workspace")
    if isinstance(ws, dict):
        ws = ws.get("root") or ws.get("path")
    return ws if isinstance(ws, str) and ws else None


def _log_metrics(summary):
    try:
        from .run import Run
        run = Run.get_context()
        run.log("mini_batches", summary["mini_batches"])
        run.log("mini_batches_reused", summary["reused"])
        run.log("mini_batches_failed", len(summary["failed_mini_batches"]))
        run.log("items_failed", summary["failed_items"])
    except Exception as e:  # metrics are a convenience; the summary file holds the same
        print("ParallelRunStep: could not log metrics: %s" % e, file=sys.stderr)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m runnel.parallel_run", description=__doc__.split("\n")[0])
    p.add_argument("--entry-script", required=True)
    p.add_argument("--source-directory", default=".")
    p.add_argument("--input", action="append", default=[], metavar="NAME=PATH",
                   help="the data to split (one input); further ones are side inputs")
    p.add_argument("--tabular", action="store_true", help="the input is delimited files: DataFrame batches")
    p.add_argument("--separator", default=",")
    p.add_argument("--partition-keys", default="", help="comma-separated columns: one mini-batch per group")
    p.add_argument("--output", default=".")
    p.add_argument("--mini-batch-size", default=None)
    p.add_argument("--error-threshold", type=int, default=-1)
    p.add_argument("--allowed-failed-count", type=int, default=None)
    p.add_argument("--allowed-failed-percent", type=float, default=None)
    p.add_argument("--output-action", choices=("append_row", "summary_only"), default="append_row")
    p.add_argument("--append-row-file-name", default="parallel_run_step.txt")
    p.add_argument("--append-row-to", default="",
                   help="v2 append_row_to: a folder (the file goes in it) or the output file itself")
    p.add_argument("--logging-level", default="INFO", help="the entry script's logging level")
    p.add_argument("--process-count-per-node", type=int, default=os.cpu_count() or 1)
    p.add_argument("--node-count", type=int, default=1)
    p.add_argument("--run-invocation-timeout", type=float, default=60)
    p.add_argument("--run-max-try", type=int, default=3)
    p.add_argument("--no-reuse", action="store_true")
    p.add_argument("--pull-dir", default="",
                   help="pull mode: one of several drivers sharing this folder, each claiming mini-batches "
                        "(set by itself from SLURM_ARRAY_JOB_ID/SLURM_ARRAY_TASK_ID in a Slurm job array)")
    p.add_argument("--pull-task", type=int, default=0, help="this driver's number in pull mode")
    p.add_argument("--lease-heartbeat", type=float,
                   default=float(os.environ.get("RUNNEL_PARALLEL_LEASE_HEARTBEAT", 5)),
                   help="pull mode: seconds between touches of this task's claims "
                        "(default $RUNNEL_PARALLEL_LEASE_HEARTBEAT or 5)")
    p.add_argument("--lease-timeout", type=float, default=None,
                   help="pull mode: a claim from another host whose heartbeat is older than this many "
                        "seconds is taken over (default $RUNNEL_PARALLEL_LEASE_TIMEOUT or 6 heartbeats)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("program_args", nargs="*")
    a = p.parse_args(argv)
    a.partition_keys = [k for k in a.partition_keys.split(",") if k]
    if a.worker:
        return a
    if not a.input:
        p.error("--input NAME=PATH is required")
    name, sep, path = a.input[0].partition("=")
    a.input_path = path if sep else name
    # A v2 mltable input is tabular: the step's context says the input's type.
    inputs = _context().get("inputs") or {}
    entry = inputs.get(name) if sep else next(
        (e for e in inputs.values() if isinstance(e, dict) and e.get("path") == a.input_path), None)
    a.input_entry = entry if isinstance(entry, dict) else {}
    a.mltable_files = None
    if isinstance(entry, dict) and entry.get("type") == "mltable":
        # Tabular when its MLTable reads the files (read_delimited, ...); an MLTable of
        # paths only is a file list, as Azure ML's parallel job treats it.
        a.mltable_files = mltable_file_list(a.input_path)
        a.tabular = a.mltable_files is None
    if a.append_row_to:
        a.output = a.append_row_to if os.path.isdir(a.append_row_to) else os.path.dirname(a.append_row_to) or "."
    if a.run_max_try < 1:
        p.error("--run-max-try must be at least 1")
    if a.lease_timeout is None:
        a.lease_timeout = float(os.environ.get("RUNNEL_PARALLEL_LEASE_TIMEOUT", 6 * a.lease_heartbeat))
    if a.lease_heartbeat <= 0 or a.lease_timeout <= a.lease_heartbeat:
        p.error("--lease-heartbeat must be positive and --lease-timeout longer than it (got %g and %g)"
                % (a.lease_heartbeat, a.lease_timeout))
    if a.process_count_per_node < 1 or a.node_count < 1:
        p.error("--process-count-per-node and --node-count must be at least 1")
    if not os.path.isfile(os.path.join(a.source_directory, a.entry_script)):
        p.error("--entry-script: %s not found in %s" % (a.entry_script, os.path.abspath(a.source_directory)))
    return a


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.worker:
        return worker_main(args)
    try:
        return Driver(args).run()
    except ParallelRunError as e:
        print("error: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
