#!/usr/bin/python3
"""Runs the whole-command benchmark: runnel against GNU make, ninja and Snakemake on the
workflows that gen.py writes, and stores every sample as JSON for report.py.

Per tool and shape, in this order on the same tree:
  cold    outputs (and the tool's state: .ninja_log, .snakemake/, runnel workspace) removed
          before each run;
  noop    everything up to date, run again;
  change  inputs/mid.txt gets new content (a new value every run) before each run;
  touch   inputs/mid.txt gets a newer mtime, same content, before each run;
and separately, on a fresh tree:
  plan    dry run: `runnel plan`, `make -n`, `ninja -n`, `snakemake -n`.

Each run is timed with time.perf_counter around `/usr/bin/time -f '%e %M'`, which gives the
peak RSS (KiB, the largest process of the tree, as wait4 reports it).  Steps executed are
counted through $BENCH_EXECLOG, which every generated step appends its name to.  All tools
run with -j 2.  Slow cells are cut short so that the whole run stays bounded: a cell whose
first run exceeds `slow` seconds keeps that run as its only sample; a tool that needs more
than `skip` seconds for one run of a shape is not run on larger sizes of that shape; each
tool has a time budget for execution and one for planning.  Every cut is recorded.

Usage: measure.py --work DIR --out results.json [--runnel PATH] [--quick] [--tools ...]
"""

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

MEASURES = ("cold", "noop", "change", "touch")
TIME = "/usr/bin/time"

# Everything that differs between the full and the QUICK run.
CONFIGS = {
    "full": {
        # (kind, N) in the order they run: small sizes first, so that a slow tool is
        # measured on every shape before its time runs out, and the shapes that the
        # targets name before the other large ones.
        "shapes": [(k, n) for n in (10, 100) for k in ("chain", "fanout", "diamond")] + [
            ("chain", 1000), ("fanout", 1000), ("chain", 5000), ("diamond", 1000),
            ("fanout", 5000), ("diamond", 5000)],
        "plan_n": 100000, "plan_n_snakemake": 10000,
        "plan_kinds": ["diamond", "fanout", "chain"],
        "warmup": 1, "reps": 5, "slow": 10.0, "skip": 60.0,
        "timeout": 300.0, "plan_timeout": 50.0,
        "budget": 330.0, "budget_runnel": 450.0, "plan_budget": 50.0,
    },
    "quick": {
        # the shapes the targets name first
        "shapes": [("chain", 1000), ("fanout", 1000), ("diamond", 100)],
        "plan_n": 10000, "plan_n_snakemake": 1000, "plan_kinds": ["chain"],
        "warmup": 0, "reps": 3, "slow": 2.0, "skip": 8.0,
        "timeout": 60.0, "plan_timeout": 8.0,
        "budget": 20.0, "budget_runnel": 40.0, "plan_budget": 8.0,
    },
}


def shape_name(kind, n):
    return gen.canonical_shape("%s-%d" % (kind, n))


class Tool:
    """How to run, dry-run and reset one tool in a generated workflow folder."""

    def __init__(self, name, runnel=None):
        self.name = name
        self.runnel = runnel

    def available(self):
        if self.name == "runnel":
            return bool(self.runnel) and os.access(self.runnel, os.X_OK)
        return shutil.which(self.name) is not None

    def missing(self):
        return "not built" if self.name == "runnel" else "not installed"

    def version(self):
        if not self.available():
            return self.missing()
        exe = self.runnel if self.name == "runnel" else self.name
        try:
            out = subprocess.run([exe, "--version"], capture_output=True, text=True,
                                 timeout=30)
            line = (out.stdout or out.stderr).strip().splitlines()
            return line[0] if line else "?"
        except (OSError, subprocess.TimeoutExpired) as e:
            return "? (%s)" % e

    def ws(self, d):
        return os.path.join(d, "ws")

    def run_cmd(self, d):
        if self.name == "make":
            return ["make", "-j2"]
        if self.name == "ninja":
            return ["ninja", "-j2"]
        if self.name == "snakemake":
            # greedy: the default ILP job selector is far slower on graphs this large.
            return ["snakemake", "-j2", "--quiet", "--scheduler", "greedy"]
        return [self.runnel, "--workspace", self.ws(d), "run", os.path.join(d, "pipeline.yml"),
                "-j", "2", "--output", "json"]

    def plan_cmd(self, d):
        if self.name == "runnel":
            return [self.runnel, "--workspace", self.ws(d), "plan", os.path.join(d, "pipeline.yml")]
        return [self.name, "-n"]

    def reset(self, d):
        """Removes every output and every trace of earlier runs."""
        for p in ("out", ".snakemake", ".ninja_log", ".ninja_deps", "ws"):
            p = os.path.join(d, p)
            if os.path.isdir(p):
                shutil.rmtree(p)
            elif os.path.exists(p):
                os.remove(p)
        if self.name == "runnel":
            r = subprocess.run([self.runnel, "init", self.ws(d)], capture_output=True, text=True)
            if r.returncode != 0:
                raise RunFailed("runnel init failed (exit %d): %s" % (r.returncode,
                                                                      tail(r.stderr)))
        else:
            os.makedirs(os.path.join(d, "out"))

    def runs_dir_count(self, d):
        """runnel only: committed step-run folders, a fallback count of executed steps."""
        p = os.path.join(self.ws(d), ".runnel", "datastores", "workspaceblobstore", "runs")
        try:
            return len(os.listdir(p))
        except OSError:
            return None


class RunFailed(Exception):
    pass


def tail(text, n=600):
    text = (text or "").strip()
    return text[-n:]


def unlimited_stack():
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    resource.setrlimit(resource.RLIMIT_STACK, (hard, hard))


class Runner:
    def __init__(self, cfg, log_dir):
        self.cfg = cfg
        self.log_dir = log_dir
        self.big_stack = set()  # (tool, shape) pairs that crashed on the default stack

    def timed(self, cmd, cwd, timeout, execlog, key):
        """Runs cmd once; returns dict(wall, rss_kb, executed_log).  Raises RunFailed."""
        tfile = os.path.join(self.log_dir, "time.txt")
        open(execlog, "w").close()
        env = dict(os.environ, BENCH_EXECLOG=execlog)
        full = [TIME, "-f", "%e %M", "-o", tfile] + cmd
        out_path = os.path.join(self.log_dir, "last.out")
        err_path = os.path.join(self.log_dir, "last.err")
        for attempt in (0, 1):
            big = key in self.big_stack
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                t0 = time.perf_counter()
                p = subprocess.Popen(full, cwd=cwd, env=env, stdout=out, stderr=err,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=unlimited_stack if big else None)
                try:
                    p.wait(timeout=max(0.5, timeout))
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
                    raise RunFailed("timeout after %.0f s" % timeout)
                wall = time.perf_counter() - t0
            with open(tfile) as f:
                lines = f.read().strip().splitlines()
            with open(err_path, errors="replace") as f:
                err_text = f.read()
            crashed = any("terminated by signal 11" in ln for ln in lines)
            if crashed and not big and attempt == 0:
                self.big_stack.add(key)  # retry once with the hard stack limit
                continue
            if p.returncode != 0:
                why = lines[0] if lines and not lines[0][0].isdigit() else ""
                raise RunFailed("exit %d %s: %s" % (p.returncode, why, tail(err_text)))
            wall_s, rss = lines[-1].split()
            with open(execlog) as f:
                executed = sum(1 for ln in f if ln.strip())
            return {"wall": wall, "rss_kb": int(rss), "executed": executed}
        raise RunFailed("unreachable")


def runnel_json_executed(path):
    """Steps that `runnel run --output json` reports as not reused, or None if unreadable."""
    try:
        with open(path) as f:
            doc = json.load(f)
        return sum(1 for st in doc.get("steps", []) if st.get("status") != "Reused")
    except (OSError, ValueError, AttributeError):
        return None


def median(xs):
    return statistics.median(xs) if xs else None


class Bench:
    def __init__(self, args):
        self.args = args
        self.cfg = dict(CONFIGS["quick" if args.quick else "full"])
        self.work = os.path.abspath(args.work)
        self.gen_dir = os.path.join(self.work, "wf")
        os.makedirs(self.gen_dir, exist_ok=True)
        self.runner = Runner(self.cfg, self.work)
        runnel = os.path.abspath(args.runnel) if args.runnel else ""
        self.tools = [Tool(t, runnel) for t in args.tools.split(",")]
        self.spent = {t.name: 0.0 for t in self.tools}
        self.plan_spent = {t.name: 0.0 for t in self.tools}
        self.plan_total = {t.name: 0.0 for t in self.tools}
        self.too_slow = {}  # (tool, kind) -> note: skip larger sizes
        self.cells = []
        self.shapes = {}
        self.generated = set()
        self.use_runs_dirs = False
        self.t_start = time.perf_counter()  # set when runnel's steps do not see $BENCH_EXECLOG

    def log(self, msg):
        print("[bench %5.0fs] %s" % (time.perf_counter() - self.t_start, msg), flush=True)

    def ensure(self, kind, n, tools):
        shape = shape_name(kind, n)
        todo = [t for t in tools if (t, shape) not in self.generated]
        if todo:
            self.shapes[shape] = gen.generate(shape, self.gen_dir, todo)
            self.generated.update((t, shape) for t in todo)
        return shape

    def cell(self, tool, shape, measure, **kw):
        c = {"tool": tool.name, "shape": shape, "kind": shape.split("-")[0],
             "steps": self.shapes[shape]["steps"], "cone": self.shapes[shape]["cone"],
             "measure": measure, "samples": [], "status": "ok", "note": ""}
        c.update(kw)
        self.cells.append(c)
        return c

    def finish(self, c):
        s = c["samples"]
        c["n"] = len(s)
        c["wall"] = median([x["wall"] for x in s])
        c["rss_kb"] = median([x["rss_kb"] for x in s])
        c["executed"] = median([x["executed"] for x in s]) if s else None
        js = [x.get("json_executed") for x in s]
        c["json_executed"] = median(js) if js and None not in js else None
        if c["status"] == "ok" and not s:
            c["status"] = "skipped"

    def sample(self, tool, d, cmd, c, budget_key, prepare=None):
        """One timed run into cell c; returns its wall time or raises RunFailed."""
        spent = self.spent if budget_key == "exec" else self.plan_spent
        if budget_key == "exec":
            limit = self.cfg.get("budget_" + tool.name, self.cfg["budget"])
        else:
            limit = self.cfg["plan_budget"]
        left = limit - spent[tool.name]
        if left <= 0:
            raise RunFailed("budget")
        t0 = time.perf_counter()  # preparing counts against the budget too
        if prepare:
            prepare()
        execlog = os.path.join(self.work, "execlog.txt")
        runnel_exec = tool.name == "runnel" and budget_key == "exec"
        runs_before = (tool.runs_dir_count(d) or 0) if runnel_exec else None
        timeout = self.cfg["plan_timeout" if budget_key == "plan" else "timeout"]
        try:
            r = self.runner.timed(cmd, d, min(timeout, left), execlog, (tool.name, c["shape"]))
        except RunFailed as e:
            if str(e).startswith("timeout") and left < timeout:
                raise RunFailed("budget")
            raise
        finally:
            spent[tool.name] += time.perf_counter() - t0
            if (tool.name, c["shape"]) in self.runner.big_stack:
                c["stack"] = ("crashed (SIGSEGV) at the default stack size; "
                              "ran again with `ulimit -s` at the hard limit")
        if runnel_exec:
            after = tool.runs_dir_count(d)
            r["runs_dirs"] = None if after is None else after - runs_before
            r["json_executed"] = runnel_json_executed(os.path.join(self.work, "last.out"))
        return r

    def measure_cell(self, tool, d, c, cmd, prepare=None, budget_key="exec"):
        """warm-up + reps samples into c, cut short when slow.  Returns the worst wall."""
        worst = 0.0
        try:
            runs = self.cfg["warmup"] + self.cfg["reps"]
            for i in range(runs):
                r = self.sample(tool, d, cmd, c, budget_key, prepare)
                worst = max(worst, r["wall"])
                if i < self.cfg["warmup"] and r["wall"] <= self.cfg["slow"]:
                    continue  # a warm-up sample is thrown away
                c["samples"].append(r)
                if r["wall"] > self.cfg["slow"] and i < runs - 1:
                    c["cut"] = "slow (> %.0f s): stopped after %d run(s)" % (
                        self.cfg["slow"], len(c["samples"]))
                    break
        except RunFailed as e:
            if str(e) == "budget":
                c["status"] = "budget"
                c["note"] = "tool's time budget used up"
            elif str(e).startswith("timeout"):
                c["status"] = "timeout"
                c["note"] = str(e)
                worst = float("inf")
            else:
                c["status"] = "failed"
                c["note"] = str(e)
                worst = float("inf")
        self.finish(c)
        return worst

    def run_shape(self, tool, kind, n):
        shape = self.ensure(kind, n, [tool.name])
        d = os.path.join(self.gen_dir, tool.name, shape)
        mid = os.path.join(d, gen.MID)
        key = (tool.name, kind)
        if not tool.available():
            for m in MEASURES:
                self.finish(self.cell(tool, shape, m, status=tool.missing()))
            return
        if key in self.too_slow:
            for m in MEASURES:
                self.finish(self.cell(tool, shape, m, status="skipped",
                                      note=self.too_slow[key]))
            return
        counter = [0]

        def reset():
            with open(mid, "w") as f:
                f.write(gen.MID_TEXT)
            tool.reset(d)

        def change():
            counter[0] += 1
            with open(mid, "w") as f:
                f.write("mid %d\n" % counter[0])

        def touch():
            st = os.stat(mid)
            t = max(time.time_ns(), st.st_mtime_ns + 1_000_000_000)
            os.utime(mid, ns=(t, t))

        cmd = tool.run_cmd(d)
        worst = 0.0
        self.log("%s %s" % (tool.name, shape))
        try:
            reset()
        except RunFailed as e:
            for m in MEASURES:
                self.finish(self.cell(tool, shape, m, status="failed", note=str(e)))
            return
        cold = self.cell(tool, shape, "cold")
        worst = max(worst, self.measure_cell(tool, d, cold, cmd, reset))
        if cold["status"] != "ok" or not cold["samples"]:
            for m in MEASURES[1:]:
                if cold["status"] == "budget":
                    self.finish(self.cell(tool, shape, m, status="budget",
                                          note=cold["note"]))
                else:
                    self.finish(self.cell(tool, shape, m, status="skipped",
                                          note="its cold run did not finish"))
        else:
            # The cold run must have run every step; otherwise the exec log is not reaching
            # the steps (environment not passed on) and counts come from elsewhere.
            if cold["executed"] != cold["steps"] and tool.name == "runnel":
                cold["note"] += "; $BENCH_EXECLOG not seen by steps, counts from run folders"
                self.use_runs_dirs = True
            for m, prep in (("noop", None), ("change", change), ("touch", touch)):
                c = self.cell(tool, shape, m)
                worst = max(worst, self.measure_cell(tool, d, c, cmd, prep))
        if tool.name == "runnel" and self.use_runs_dirs:
            for c in self.cells:
                if c["tool"] == "runnel" and c["shape"] == shape:
                    ex = [x.get("runs_dirs") for x in c["samples"]]
                    c["executed"] = median(ex) if ex and None not in ex else None
        statuses = {c["status"] for c in self.cells if c["tool"] == tool.name and
                    c["shape"] == shape}
        if "failed" in statuses:
            self.too_slow[key] = "not run: %s failed at %s" % (tool.name, shape)
        elif "timeout" in statuses or worst > self.cfg["skip"]:
            self.too_slow[key] = "not run: %s took %s at %s" % (
                tool.name, "too long" if worst == float("inf") else "%.0f s" % worst, shape)

    def run_plan(self, tool, kind):
        n = self.cfg["plan_n_snakemake" if tool.name == "snakemake" else "plan_n"]
        shape = self.ensure(kind, n, [tool.name])
        d = os.path.join(self.gen_dir, tool.name, shape)
        c = self.cell(tool, shape, "plan")
        if not tool.available():
            c["status"] = tool.missing()
            self.finish(c)
            return
        self.log("%s plan %s" % (tool.name, shape))
        self.plan_total[tool.name] += self.plan_spent[tool.name]
        self.plan_spent[tool.name] = 0.0  # the planning budget is per cell
        try:
            tool.reset(d)
        except RunFailed as e:
            c["status"], c["note"] = "failed", str(e)
            self.finish(c)
            return
        self.measure_cell(tool, d, c, tool.plan_cmd(d), None, "plan")

    def machine(self):
        def first_line(cmd):
            try:
                return subprocess.run(cmd, capture_output=True, text=True,
                                      timeout=30).stdout.strip().splitlines()[0]
            except (OSError, IndexError, subprocess.TimeoutExpired):
                return "?"
        cpu = "?"
        try:
            with open("/proc/cpuinfo") as f:
                for ln in f:
                    if ln.startswith("model name"):
                        cpu = ln.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        mem = "?"
        try:
            with open("/proc/meminfo") as f:
                mem = "%.1f GiB" % (int(f.readline().split()[1]) / 1024 / 1024)
        except (OSError, ValueError, IndexError):
            pass
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        return {
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "mode": "quick" if self.args.quick else "full",
            "nproc": os.cpu_count(), "cpu": cpu, "memory": mem,
            "kernel": platform.release(), "os": first_line(["sh", "-c", ". /etc/os-release;"
                                                            " echo $PRETTY_NAME"]),
            "loadavg": "%.2f %.2f %.2f" % os.getloadavg(),
            "commit": first_line(["git", "-C", repo, "rev-parse", "--short", "HEAD"]),
            "versions": {t.name: t.version() for t in self.tools},
            "python": sys.version.split()[0],
            "config": {k: v for k, v in self.cfg.items()},
        }

    def run(self):
        meta = self.machine()
        t0 = time.perf_counter()
        for kind, n in self.cfg["shapes"]:
            for tool in self.tools:
                self.run_shape(tool, kind, n)
        for kind in self.cfg["plan_kinds"]:
            for tool in self.tools:
                self.run_plan(tool, kind)
        meta["elapsed_s"] = time.perf_counter() - t0
        meta["loadavg_end"] = "%.2f %.2f %.2f" % os.getloadavg()
        meta["shapes"] = self.shapes
        meta["spent"] = {"exec": self.spent,
                         "plan": {t: self.plan_total[t] + self.plan_spent[t]
                                  for t in self.plan_total}}
        return {"meta": meta, "cells": self.cells}


def main(argv):
    ap = argparse.ArgumentParser(description="runs the whole-command benchmark")
    ap.add_argument("--work", required=True, help="scratch folder (generated workflows)")
    ap.add_argument("--out", required=True, help="JSON file for report.py")
    ap.add_argument("--runnel", default="", help="path to the runnel binary")
    ap.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    ap.add_argument("--tools", default="make,ninja,snakemake,runnel")
    args = ap.parse_args(argv)
    for t in args.tools.split(","):
        if t not in gen.TOOLS:
            raise SystemExit("measure.py: unknown tool %r (one of %s)" % (t, ", ".join(gen.TOOLS)))
    if not os.access(TIME, os.X_OK):
        raise SystemExit("measure.py: %s is missing (Debian package `time`)" % TIME)
    result = Bench(args).run()
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print("[bench] results in %s (%.0f s)" % (args.out, result["meta"]["elapsed_s"]))


if __name__ == "__main__":
    main(sys.argv[1:])
