"""The sweep driver (HyperDriveStep, v2 ``type: sweep``): trials of one training command over
a search space, with early termination, reuse per trial and the best trial's outputs as the
step's outputs.

    python -m runnel.sweep --spec-b64 <base64 JSON> --input data=/path --output model=/path

The spec (JSON, the v2 sweep job's fields; the SDK's HyperDriveConfig is translated to it):

    {"trial": {"command": "python train.py --lr ${{search_space.lr}} --data ${{inputs.data}}
                           --model ${{outputs.model}}",
               "code": "/abs/code/folder"},
     "search_space": {"lr": {"type": "loguniform", "min_value": -6, "max_value": -1},
                      "depth": {"type": "choice", "values": [2, 4, 8]}},
     "sampling_algorithm": {"type": "random", "seed": 7},   # or "grid", "bayesian"
     "objective": {"primary_metric": "accuracy", "goal": "maximize"},
     "early_termination": {"type": "bandit", "slack_factor": 0.1, "evaluation_interval": 1,
                           "delay_evaluation": 0},
     "limits": {"max_total_trials": 20, "max_concurrent_trials": 2, "timeout": 3600,
                "trial_timeout": 600},
     "append_params": false}

``append_params: true`` (what HyperDriveConfig does) appends every sampled value to the
command as ``NAME VALUE`` (names such as ``--lr`` keep their dashes; bare names get ``--``).

Search-space expressions, as Azure ML defines them: choice(values), randint(upper) →
integer in [0, upper), uniform(min, max), quniform(min, max, q) → round(uniform/q)*q,
loguniform(min, max) → exp(uniform(min, max)), qloguniform, normal(mu, sigma), qnormal,
lognormal(mu, sigma) → exp(normal), qlognormal.

Sampling: ``grid`` walks the cartesian product of choice() values (other expressions are
refused); ``random`` draws independently from a seeded generator (a seeded sweep samples the
same trials every time); ``bayesian`` is a Tree-structured Parzen Estimator: the first
max(5, 2*dims) trials are random, then each new trial is the best of 24 candidates drawn
around the better quarter of finished trials, ranked by the ratio of a Parzen density over
the better quarter to one over the rest (per dimension, in a unit cube; choices by smoothed
frequency).

Early termination acts on the primary metric the trials log with ``run.log`` while they run;
interval k is a trial's k-th logged value. ``bandit``: at each evaluation interval after
``delay_evaluation``, a trial whose best value so far is worse than the best trial's best at
that interval by more than ``slack_factor`` (ratio) or ``slack_amount`` is canceled.
``median_stopping``: canceled when its best so far is worse than the median of the other
trials' running averages at that interval. ``truncation_selection``: the worst
``truncation_percentage`` percent of trials at an interval are canceled.

Trials are child runs: each has its own context (run id ``<step run id>_<n>``), metrics file,
logs and outputs under ``<run dir>/trials/<n>/``; ``<run dir>/trials/children.json`` lists
them with their parameters, status and metrics, sorted by the primary metric. A trial whose
command, parameters, code and input contents are unchanged is reused from
``.runnel/cache/sweep/`` (its metrics and outputs are taken, it does not run). The best
trial is the one with the best final value of the primary metric; its outputs are copied
into the step's outputs.
"""

import argparse
import base64
import hashlib
import itertools
import json
import math
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

from .parallel_run import _context  # one lenient reader of the run context for both drivers

_PLACEHOLDER = re.compile(r"\$\{\{\s*(search_space|inputs|outputs)\.([A-Za-z0-9_\-]+)\s*\}\}")
EXPRESSIONS = {
    "choice": ("values",), "randint": ("upper",), "uniform": ("min_value", "max_value"),
    "quniform": ("min_value", "max_value", "q"), "loguniform": ("min_value", "max_value"),
    "qloguniform": ("min_value", "max_value", "q"), "normal": ("mu", "sigma"),
    "qnormal": ("mu", "sigma", "q"), "lognormal": ("mu", "sigma"), "qlognormal": ("mu", "sigma", "q"),
}


class SweepError(Exception):
    """A bad sweep specification; the message names the key."""


# ---- search space --------------------------------------------------------------------


def check_space(space):
    if not isinstance(space, dict) or not space:
        raise SweepError("search_space: must be a non-empty mapping of name -> expression")
    for name, e in space.items():
        if not isinstance(e, dict) or e.get("type") not in EXPRESSIONS:
            raise SweepError("search_space.%s: type must be one of %s" % (name, ", ".join(EXPRESSIONS)))
        for key in EXPRESSIONS[e["type"]]:
            if key not in e:
                raise SweepError("search_space.%s: %s needs '%s'" % (name, e["type"], key))
        if e["type"] == "choice" and (not isinstance(e["values"], list) or not e["values"]):
            raise SweepError("search_space.%s: choice needs a non-empty list of values" % name)


def _q(x, q):
    return round(round(x / q) * q, 10)


def draw(e, rng):
    t = e["type"]
    if t == "choice":
        return rng.choice(e["values"])
    if t == "randint":
        return rng.randrange(int(e["upper"]))
    if t in ("uniform", "quniform"):
        x = rng.uniform(e["min_value"], e["max_value"])
    elif t in ("loguniform", "qloguniform"):
        x = math.exp(rng.uniform(e["min_value"], e["max_value"]))
    elif t in ("normal", "qnormal"):
        x = rng.gauss(e["mu"], e["sigma"])
    else:
        x = math.exp(rng.gauss(e["mu"], e["sigma"]))
    return _q(x, e["q"]) if t.startswith("q") else x


def to_unit(e, x):
    """A value of a continuous expression mapped into [0, 1] (for the Parzen estimator)."""
    t = e["type"]
    if t in ("uniform", "quniform"):
        lo, hi, v = e["min_value"], e["max_value"], x
    elif t in ("loguniform", "qloguniform"):
        lo, hi, v = e["min_value"], e["max_value"], math.log(max(x, 1e-300))
    elif t == "randint":
        lo, hi, v = 0, e["upper"], x
    else:
        mu, sigma = e["mu"], e["sigma"]
        v = math.log(max(x, 1e-300)) if "log" in t else x
        lo, hi = mu - 3 * sigma, mu + 3 * sigma
    return min(1.0, max(0.0, (v - lo) / (hi - lo))) if hi > lo else 0.5


def from_unit(e, u):
    t = e["type"]
    if t in ("uniform", "quniform"):
        x = e["min_value"] + u * (e["max_value"] - e["min_value"])
    elif t in ("loguniform", "qloguniform"):
        x = math.exp(e["min_value"] + u * (e["max_value"] - e["min_value"]))
    elif t == "randint":
        return min(int(e["upper"]) - 1, int(u * e["upper"]))
    else:
        mu, sigma = e["mu"], e["sigma"]
        v = mu - 3 * sigma + u * 6 * sigma
        x = math.exp(v) if "log" in t else v
    return _q(x, e["q"]) if t.startswith("q") else x


class Sampler:
    def __init__(self, space, algorithm, goal):
        check_space(space)
        self.space = space
        self.names = sorted(space)
        self.kind = (algorithm or {}).get("type", "random") if isinstance(algorithm, dict) else (algorithm or "random")
        seed = (algorithm or {}).get("seed") if isinstance(algorithm, dict) else None
        self.rng = random.Random(seed)
        self.goal = goal
        if self.kind not in ("random", "grid", "bayesian"):
            raise SweepError("sampling_algorithm: '%s' is not random, grid or bayesian" % self.kind)
        if self.kind == "grid":
            bad = [n for n in self.names if space[n]["type"] != "choice"]
            if bad:
                raise SweepError("sampling_algorithm grid: search_space.%s must be choice() "
                                 "(grid sampling takes only discrete values)" % bad[0])
            self.grid = iter(itertools.product(*[space[n]["values"] for n in self.names]))

    def size(self):
        if self.kind == "grid":
            return math.prod(len(self.space[n]["values"]) for n in self.names)
        return None

    def next(self, finished):
        """The next trial's parameters, or None when grid sampling is exhausted.
        finished: [(params, final primary metric)] of trials that reported one."""
        if self.kind == "grid":
            combo = next(self.grid, None)
            return None if combo is None else dict(zip(self.names, combo))
        if self.kind == "bayesian" and len(finished) >= max(5, 2 * len(self.names)):
            return self._tpe(finished)
        return {n: draw(self.space[n], self.rng) for n in self.names}

    def _tpe(self, finished):
        sign = -1 if self.goal == "maximize" else 1
        ranked = sorted(finished, key=lambda f: sign * f[1])
        n_good = max(1, int(math.ceil(0.25 * len(ranked))))
        good, bad = [p for p, _ in ranked[:n_good]], [p for p, _ in ranked[n_good:]]
        best, best_score = None, -math.inf
        for _ in range(24):
            cand, score = {}, 0.0
            for n in self.names:
                e = self.space[n]
                if e["type"] == "choice":
                    values = e["values"]
                    pick = self.rng.choice([p[n] for p in good]) if self.rng.random() < 0.8 else self.rng.choice(values)
                    lg = (sum(1 for p in good if p[n] == pick) + 1) / (len(good) + len(values))
                    lb = (sum(1 for p in bad if p[n] == pick) + 1) / (len(bad) + len(values))
                    cand[n] = pick
                else:
                    centre = to_unit(e, self.rng.choice(good)[n])
                    u = min(1.0, max(0.0, self.rng.gauss(centre, 0.15)))
                    cand[n] = from_unit(e, u)
                    u = to_unit(e, cand[n])
                    lg = _parzen(u, [to_unit(e, p[n]) for p in good])
                    lb = _parzen(u, [to_unit(e, p[n]) for p in bad]) if bad else 1.0
                score += math.log(lg + 1e-12) - math.log(lb + 1e-12)
            if score > best_score:
                best, best_score = cand, score
        return best


def _parzen(u, points, bandwidth=0.15):
    return sum(math.exp(-0.5 * ((u - p) / bandwidth) ** 2) for p in points) / (len(points) * bandwidth) + 1e-3


# ---- early termination ---------------------------------------------------------------


class Policy:
    def __init__(self, spec, goal):
        spec = spec or {}
        self.kind = spec.get("type") or "none"
        if self.kind not in ("none", "bandit", "median_stopping", "truncation_selection"):
            raise SweepError("early_termination.type: '%s' is not bandit, median_stopping or "
                             "truncation_selection" % self.kind)
        self.interval = int(spec.get("evaluation_interval", 1) or 1)
        self.delay = int(spec.get("delay_evaluation", 0) or 0)
        self.slack_factor = spec.get("slack_factor")
        self.slack_amount = spec.get("slack_amount")
        self.percentage = spec.get("truncation_percentage")
        if self.kind == "bandit" and (self.slack_factor is None) == (self.slack_amount is None):
            raise SweepError("early_termination: bandit needs exactly one of slack_factor, slack_amount")
        if self.kind == "truncation_selection" and not (0 < float(self.percentage or 0) < 100):
            raise SweepError("early_termination: truncation_selection needs truncation_percentage in (0, 100)")
        self.maximize = goal == "maximize"

    def better(self, a, b):
        return a > b if self.maximize else a < b

    def best_of(self, values):
        return max(values) if self.maximize else min(values)

    def to_cancel(self, trials):
        """Ids of running trials to cancel now. trials: {id: (values logged, running?)}."""
        if self.kind == "none":
            return []
        out = []
        for tid, (values, running) in trials.items():
            k = len(values)
            if not running or k == 0 or k <= self.delay or k % self.interval:
                continue
            peers = {o: v[:k] for o, (v, _) in trials.items() if len(v) >= k}
            mine = self.best_of(values[:k])
            if self.kind == "bandit":
                top = self.best_of([self.best_of(v) for v in peers.values()])
                if self.slack_factor is not None:
                    limit = top / (1 + self.slack_factor) if self.maximize else top * (1 + self.slack_factor)
                else:
                    limit = top - self.slack_amount if self.maximize else top + self.slack_amount
                if self.better(limit, mine):
                    out.append(tid)
            elif self.kind == "median_stopping":
                others = sorted(sum(v) / len(v) for o, v in peers.items() if o != tid)
                if others:
                    median = others[len(others) // 2] if len(others) % 2 else \
                        (others[len(others) // 2 - 1] + others[len(others) // 2]) / 2
                    if self.better(median, mine):
                        out.append(tid)
            else:
                if len(peers) < 2:
                    continue
                ranked = sorted(peers, key=lambda o: self.best_of(peers[o]), reverse=self.maximize)
                n_cut = int(math.floor(len(ranked) * float(self.percentage) / 100.0))
                if tid in ranked[len(ranked) - n_cut:]:
                    out.append(tid)
        return out


# ---- trials --------------------------------------------------------------------------


def _sha_file(path, h):
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)


def content_digest(path):
    h = hashlib.sha256()
    if os.path.isfile(path):
        _sha_file(path, h)
    elif os.path.isdir(path):
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".runnel", ".git"))
            for name in sorted(files):
                full = os.path.join(root, name)
                h.update(os.path.relpath(full, path).encode() + b"\0")
                _sha_file(full, h)
    else:
        h.update(b"literal:" + path.encode())
    return h.hexdigest()


_OPTIONAL = re.compile(r"\$\[\[(.*?)\]\]", re.S)


def render(command, params, inputs, outputs, append_params):
    tables = {"search_space": params, "inputs": inputs, "outputs": outputs}

    def optional(m):  # $[[ ... ]] is kept (without brackets) only when all it names is set
        inner = m.group(1)
        names = _PLACEHOLDER.findall(inner)
        return inner if all(n in tables[k] for k, n in names) else ""
    command = _OPTIONAL.sub(optional, command)

    def sub(m):
        kind, name = m.group(1), m.group(2)
        table = {"search_space": params, "inputs": inputs, "outputs": outputs}[kind]
        if name not in table:
            raise SweepError("trial.command: ${{%s.%s}}: no such %s" % (kind, name, kind.rstrip("s")))
        v = table[name]
        return shlex.quote(str(v))
    text = _PLACEHOLDER.sub(sub, command)
    if append_params:
        for name in sorted(params):
            flag = name if name.startswith("-") else "--" + name
            text += " %s %s" % (flag, shlex.quote(str(params[name])))
    return text


class Trial:
    def __init__(self, number, params, driver):
        self.number = number
        self.params = params
        self.id = "%s_%d" % (driver.run_id, number)
        self.dir = os.path.join(driver.trials_dir, str(number))
        self.outputs = {n: os.path.join(self.dir, "outputs", n) for n in driver.outputs}
        self.values = []
        self.metrics_offset = 0
        self.status = "NotStarted"
        self.proc = None
        self.started = self.ended = None
        self.reused_from = None
        self.key = driver.trial_key(params)

    def final(self):
        return self.values[-1] if self.values else None


class Driver:
    def __init__(self, spec, inputs, outputs):
        self.spec = spec
        trial = spec.get("trial") or {}
        self.command = trial.get("command")
        if not isinstance(self.command, str) or not self.command.strip():
            raise SweepError("trial.command: must be a non-empty command string")
        self.code = trial.get("code") or os.getcwd()
        obj = spec.get("objective") or {}
        self.metric = obj.get("primary_metric")
        self.goal = (obj.get("goal") or "maximize").lower()
        if not self.metric:
            raise SweepError("objective.primary_metric: required")
        if self.goal not in ("maximize", "minimize"):
            raise SweepError("objective.goal: '%s' must be maximize or minimize" % self.goal)
        limits = spec.get("limits") or {}
        self.max_total = int(limits.get("max_total_trials") or 0)
        self.max_concurrent = int(limits.get("max_concurrent_trials") or 1)
        self.timeout = float(limits.get("timeout") or 0)
        self.trial_timeout = float(limits.get("trial_timeout") or 0)
        self.sampler = Sampler(spec.get("search_space"), spec.get("sampling_algorithm"), self.goal)
        if not self.max_total:
            self.max_total = self.sampler.size() or 0
        if self.max_total <= 0:
            raise SweepError("limits.max_total_trials: required (a positive number) unless sampling is grid")
        self.policy = Policy(spec.get("early_termination"), self.goal)
        self.append_params = bool(spec.get("append_params"))
        self.inputs, self.outputs = inputs, outputs
        self.ctx = _context()
        self.run_id = self.ctx.get("run_id") or "sweep"
        run_dir = self.ctx.get("run_dir") or os.getcwd()
        self.trials_dir = os.path.join(run_dir, "trials")
        os.makedirs(self.trials_dir, exist_ok=True)
        ws = self.ctx.get("workspace")
        self.cache = os.path.join(ws, ".runnel", "cache", "sweep") if ws and not spec.get("no_reuse") else None
        self.base_key = json.dumps([self.command, content_digest(self.code),
                                    {k: content_digest(v) for k, v in sorted(inputs.items())},
                                    sorted(outputs), self.append_params, self.metric])

    def trial_key(self, params):
        return hashlib.sha256((self.base_key + json.dumps(params, sort_keys=True)).encode()).hexdigest()

    # -- running -------------------------------------------------------------------
    def start(self, t):
        os.makedirs(t.dir, exist_ok=True)
        cached = os.path.join(self.cache, t.key) if self.cache else None
        if cached and os.path.exists(os.path.join(cached, "trial.json")):
            with open(os.path.join(cached, "trial.json")) as f:
                old = json.load(f)
            for n in self.outputs:
                src = os.path.join(cached, "outputs", n)
                if os.path.exists(src):
                    shutil.copytree(src, t.outputs[n], dirs_exist_ok=True)
            shutil.copyfile(os.path.join(cached, "metrics.jsonl"), os.path.join(t.dir, "metrics.jsonl"))
            t.values, t.status, t.reused_from = old["values"], "Reused", old["id"]
            t.started = t.ended = time.time()
            return
        for p in t.outputs.values():
            os.makedirs(p, exist_ok=True)
        ctx = dict(self.ctx)
        ctx.update({"run_id": t.id, "run_dir": t.dir, "metrics_file": os.path.join(t.dir, "metrics.jsonl"),
                    "outputs_dir": os.path.join(t.dir, "run_outputs"),
                    "parent": {"run_id": self.run_id},
                    "outputs": {n: {"path": p, "type": "uri_folder"} for n, p in t.outputs.items()},
                    "tags": dict(ctx.get("tags") or {}, hyperparameters=json.dumps(t.params))})
        ctx_path = os.path.join(t.dir, "context.json")
        with open(ctx_path, "w") as f:
            json.dump(ctx, f)
        cmd = render(self.command, t.params, self.inputs, t.outputs, self.append_params)
        with open(os.path.join(t.dir, "command.txt"), "w") as f:
            f.write(cmd + "\n")
        out = open(os.path.join(t.dir, "stdout.txt"), "wb")
        err = open(os.path.join(t.dir, "stderr.txt"), "wb")
        env = dict(os.environ, RUNNEL_RUN_CONTEXT=ctx_path, AZUREML_RUN_ID=t.id)
        # Each trial runs in its own copy of the code, so what a script writes beside itself
        # (./outputs/model/..., as Azure ML trials do) is the trial's own.
        wd = os.path.join(t.dir, "wd")
        shutil.copytree(self.code, wd, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".runnel"))
        t.proc = subprocess.Popen(["/bin/sh", "-c", cmd], cwd=wd, env=env, stdout=out, stderr=err,
                                  start_new_session=True)
        out.close()
        err.close()
        t.status, t.started = "Running", time.time()
        print("sweep: trial %d started: %s" % (t.number, json.dumps(t.params, sort_keys=True)), flush=True)

    def read_metrics(self, t):
        path = os.path.join(t.dir, "metrics.jsonl")
        try:
            with open(path, "rb") as f:
                f.seek(t.metrics_offset)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1
        t.metrics_offset += end
        for line in data[:end].splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("name") == self.metric and rec.get("kind") == "scalar" and rec.get("target", "self") == "self":
                try:
                    t.values.append(float(rec["value"]))
                except (TypeError, ValueError):
                    pass

    def stop(self, t, status):
        if t.proc and t.proc.poll() is None:
            try:
                os.killpg(t.proc.pid, signal.SIGTERM)
                t.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                try:
                    os.killpg(t.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
                t.proc.wait()
        t.status, t.ended = status, time.time()

    def save(self, t):
        if not self.cache or t.status != "Finished":
            return
        dest = os.path.join(self.cache, t.key)
        tmp = dest + ".tmp.%d" % os.getpid()
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        for n, p in t.outputs.items():
            shutil.copytree(p, os.path.join(tmp, "outputs", n))
        shutil.copyfile(os.path.join(t.dir, "metrics.jsonl"), os.path.join(tmp, "metrics.jsonl"))
        with open(os.path.join(tmp, "trial.json"), "w") as f:
            json.dump({"id": t.id, "params": t.params, "values": t.values}, f)
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp, dest)

    def run(self):
        trials, started = [], time.monotonic()
        exhausted = False
        while True:
            running = [t for t in trials if t.status == "Running"]
            out_of_time = self.timeout and time.monotonic() - started > self.timeout
            while not exhausted and not out_of_time and len(running) < self.max_concurrent \
                    and len(trials) < self.max_total:
                finished = [(t.params, t.final()) for t in trials
                            if t.status in ("Finished", "Reused") and t.final() is not None]
                params = self.sampler.next(finished)
                if params is None:
                    exhausted = True
                    break
                t = Trial(len(trials), params, self)
                trials.append(t)
                self.start(t)
                if t.status == "Running":
                    running.append(t)
            self.write_children(trials)
            if not running:
                break
            time.sleep(0.1)
            for t in running:
                self.read_metrics(t)
                code = t.proc.poll()
                if code is not None:
                    self.read_metrics(t)
                    t.exit_code = code
                    t.status, t.ended = ("Finished" if code == 0 else "Failed"), time.time()
                    self.save(t)
                    print("sweep: trial %d %s%s" % (t.number, t.status.lower(),
                          "" if t.final() is None else " (%s=%g)" % (self.metric, t.final())), flush=True)
                elif self.trial_timeout and time.time() - t.started > self.trial_timeout:
                    self.stop(t, "Failed")
                    t.reason = "trial_timeout %ss" % self.trial_timeout
            if out_of_time:
                for t in trials:
                    if t.status == "Running":
                        self.stop(t, "Canceled")
                        t.reason = "the sweep's timeout"
            view = {t.id: (t.values, t.status == "Running") for t in trials if t.values}
            for tid in self.policy.to_cancel(view):
                t = next(x for x in trials if x.id == tid)
                self.stop(t, "Canceled")
                t.reason = "early termination (%s) at interval %d" % (self.policy.kind, len(t.values))
                print("sweep: trial %d canceled by %s policy at interval %d (%s=%g)"
                      % (t.number, self.policy.kind, len(t.values), self.metric, t.values[-1]), flush=True)
        return self.finish(trials)

    def write_children(self, trials, final=False):
        """<run dir>/trials/children.json: every trial so far, best first (runs show, the API)."""
        now = time.time()
        if not final and now - getattr(self, "_children_written", 0) < 1.0:
            return None
        self._children_written = now
        sign = 1 if self.goal == "maximize" else -1
        scored = [t for t in trials if t.status in ("Finished", "Reused") and t.final() is not None]
        scored.sort(key=lambda t: -sign * t.final())
        rest = [t for t in trials if t not in scored]
        children = [{"id": t.id, "number": t.number, "parameters": t.params, "status": t.status,
                     "primary_metric": {"name": self.metric, "final": t.final(),
                                        "values": t.values},
                     "reused_from": t.reused_from, "reason": getattr(t, "reason", ""),
                     "exit_code": getattr(t, "exit_code", None),
                     "duration_s": round((t.ended or now) - (t.started or now), 3),
                     "log_dir": t.dir} for t in scored + rest]
        path = os.path.join(self.trials_dir, "children.json")
        with open(path + ".tmp", "w") as f:
            json.dump({"primary_metric": self.metric, "goal": self.goal, "final": final,
                       "max_total_trials": self.max_total, "children": children}, f, indent=1)
        os.replace(path + ".tmp", path)
        return scored

    def write_metrics_output(self, path):
        """{trial run id: {metric: [values]}} of every trial, as HyperDriveStep's metrics_output."""
        from runnel import metrics
        out = {}
        for number in sorted(int(n) for n in os.listdir(self.trials_dir) if n.isdigit()):
            tid = "%s_%d" % (self.run_id, number)
            mpath = os.path.join(self.trials_dir, str(number), "metrics.jsonl")
            values = {}
            if os.path.exists(mpath):
                for line in metrics.read(mpath):
                    values.setdefault(line["name"], []).append(line.get("value"))
            out[tid] = values
        if os.path.isdir(path):
            path = os.path.join(path, "metrics.json")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            json.dump(out, f, indent=1)

    def copy_best_file(self, rel, dest):
        """The best trial's file or folder `rel` (in its working folder) copied to dest."""
        with open(os.path.join(self.trials_dir, "children.json")) as f:
            best = json.load(f)["children"][0]
        src = os.path.join(best["log_dir"], "wd", rel)
        if not os.path.exists(src):
            raise SweepError("TrainingOutput model_file %s: the best trial (%s) wrote no such file (%s)"
                             % (rel, best["id"], src))
        os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
        if os.path.isdir(src):
            shutil.copytree(src, dest, dirs_exist_ok=True)
        else:
            shutil.copyfile(src, dest)

    def finish(self, trials):
        scored = self.write_children(trials, final=True)
        if not scored:
            print("sweep failed: no trial reported the primary metric '%s' (%d trials: %s); see %s"
                  % (self.metric, len(trials), ", ".join("%d %s" % (t.number, t.status) for t in trials),
                     self.trials_dir), file=sys.stderr, flush=True)
            return 1
        best = scored[0]
        for n, dest in self.outputs.items():
            os.makedirs(dest, exist_ok=True)
            shutil.copytree(best.outputs[n], dest, dirs_exist_ok=True)
        _log_summary(self.metric, best, trials)
        print("sweep: best trial %d (%s=%g): %s; %d trials, %d canceled early, %d reused"
              % (best.number, self.metric, best.final(), json.dumps(best.params, sort_keys=True), len(trials),
                 sum(1 for t in trials if t.status == "Canceled"), sum(1 for t in trials if t.status == "Reused")),
              flush=True)
        return 0


def _log_summary(metric, best, trials):
    try:
        from .run import Run
        run = Run.get_context()
        run.log("best_" + metric, best.final())
        run.log("best_trial", best.id)
        run.log("trials", len(trials))
        run.log("trials_canceled", sum(1 for t in trials if t.status == "Canceled"))
        for k, v in sorted(best.params.items()):
            run.log("best_" + k.lstrip("-"), v)
    except Exception as e:  # the children file holds the same
        print("sweep: could not log metrics: %s" % e, file=sys.stderr)


def _pairs(values, what):
    out = {}
    for v in values:
        name, sep, path = v.partition("=")
        if not sep or not name:
            raise SweepError("%s %s: expected NAME=PATH" % (what, v))
        out[name] = path
    return out


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m runnel.sweep", description=__doc__.split("\n")[0])
    p.add_argument("--spec-b64", help="the sweep spec as base64 JSON")
    p.add_argument("--spec", help="a file holding the sweep spec (JSON)")
    p.add_argument("--input", action="append", default=[], metavar="NAME=PATH")
    p.add_argument("--output", action="append", default=[], metavar="NAME=PATH")
    p.add_argument("--input-pair", action="append", default=[], nargs=2, metavar=("NAME", "PATH"),
                   help="as --input, in two words (what the SDK's HyperDriveStep writes)")
    p.add_argument("--output-pair", action="append", default=[], nargs=2, metavar=("NAME", "PATH"))
    p.add_argument("--metrics-output", default="",
                   help="write every trial's metrics as JSON here (HyperDriveStep metrics_output)")
    p.add_argument("--model-output", action="append", default=[], nargs=2, metavar=("FILE", "PATH"),
                   help="copy the best trial's FILE (relative to its working folder, e.g. "
                        "outputs/model/saved_model.pb) to PATH (TrainingOutput('Model', model_file=FILE))")
    a = p.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if a.spec_b64:
            spec = json.loads(base64.b64decode(a.spec_b64).decode("utf-8"))
        elif a.spec:
            with open(a.spec) as f:
                spec = json.load(f)
        else:
            raise SweepError("--spec FILE or --spec-b64 DATA is required")
        inputs = dict(_pairs(a.input, "--input"), **{n: v for n, v in a.input_pair})
        outputs = dict(_pairs(a.output, "--output"), **{n: v for n, v in a.output_pair})
        driver = Driver(spec, inputs, outputs)
        code = driver.run()
        if a.metrics_output:
            driver.write_metrics_output(a.metrics_output)
        if code == 0:
            for rel, dest in a.model_output:
                driver.copy_best_file(rel, dest)
        return code
    except (SweepError, ValueError, OSError) as e:
        print("error: sweep: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
