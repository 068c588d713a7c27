#!/usr/bin/python3
"""A chain of N Python steps under runnel against GNU make running the same commands
(issue 9 target: at most 2 ms per step more than make).

Each step is `/usr/bin/python3 step.py IN OUT`: step.py (in a code folder) reads its input
file and writes its output file. runnel runs it with `code: ./src` (a snapshot per run,
extracted into each step's working folder); make runs the same script from the folder.
Both cold (every step runs; runnel: a fresh workspace each time), -j1, so the chain is
serial either way. Prints the medians and the difference per step.

Usage: bench/python_chain.py RUNNEL [--steps 100] [--reps 3]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

STEP_PY = """import sys
src, dst = sys.argv[1], sys.argv[2]
with open(src) as f:
    text = f.read()
with open(dst, "w") as f:
    f.write(str(len(text)) + "\\n")
"""


def write_tree(root, n):
    os.makedirs(os.path.join(root, "src"))
    with open(os.path.join(root, "src", "step.py"), "w") as f:
        f.write(STEP_PY)
    os.makedirs(os.path.join(root, "inputs"))
    with open(os.path.join(root, "inputs", "src.txt"), "w") as f:
        f.write("source\n")
    y = ["type: pipeline", "experiment_name: pychain",
         "inputs:", "  src: {type: uri_file, path: ./inputs/src.txt}", "jobs:"]
    for i in range(n):
        y += ["  p%d:" % i, "    type: command", "    code: ./src",
              "    command: /usr/bin/python3 step.py ${{inputs.x}} ${{outputs.out}}",
              "    inputs:",
              "      x: '${{parent.inputs.src}}'" if i == 0 else
              "      x: '${{parent.jobs.p%d.outputs.out}}'" % (i - 1),
              "    outputs: {out: {type: uri_file}}"]
    with open(os.path.join(root, "pipeline.yml"), "w") as f:
        f.write("\n".join(y) + "\n")
    m = ["all: out/p%d.txt" % (n - 1), ""]
    for i in range(n):
        dep = "inputs/src.txt" if i == 0 else "out/p%d.txt" % (i - 1)
        m += ["out/p%d.txt: %s" % (i, dep),
              "\t/usr/bin/python3 src/step.py %s $@" % dep, ""]
    with open(os.path.join(root, "Makefile"), "w") as f:
        f.write("\n".join(m))


def timed(cmd, cwd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit("python_chain: %s failed (exit %d): %s" % (" ".join(cmd), r.returncode, r.stderr[-800:]))
    return dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runnel")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    runnel = os.path.abspath(a.runnel)
    root = tempfile.mkdtemp(prefix="pychain.")
    try:
        write_tree(root, a.steps)
        make_t, runnel_t = [], []
        for _ in range(a.reps):
            shutil.rmtree(os.path.join(root, "out"), ignore_errors=True)
            os.makedirs(os.path.join(root, "out"))
            make_t.append(timed(["make", "-j1"], root))
            ws = os.path.join(root, "ws")
            shutil.rmtree(ws, ignore_errors=True)
            subprocess.run([runnel, "init", ws], check=True, stdout=subprocess.DEVNULL)
            runnel_t.append(timed([runnel, "--workspace", ws, "run", "pipeline.yml", "-j", "1",
                                   "--output", "json"], root))
        m, r = statistics.median(make_t), statistics.median(runnel_t)
        extra = (r - m) / a.steps * 1000
        print("python chain-%d: make %.2f s, runnel %.2f s, runnel - make = %.2f ms/step "
              "(target <= 2 ms/step: %s)" % (a.steps, m, r, extra, "PASS" if extra <= 2 else "MISS"))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
