#!/usr/bin/python3
"""Concurrent submits: 8 identical and 8 different pipelines submitted at once to one
workspace, for --trials trials. Checks that every step ran exactly once per fingerprint (the
8 identical pipelines share one execution of each step; each different pipeline has its own)
and that no run was lost (16 runs recorded, all Finished).

    concurrency.py --runnel BUILD/runnel [--trials T]

Each step appends "<variant> <step>" to a shared exec log; a variant is the pipeline's
`tag` input, part of every step's fingerprint. Exits 1 on any duplicate, missing execution
or lost run, printing the counts.
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

PIPELINE = """
type: pipeline
inputs:
  tag: {type: string, default: "%(tag)s"}
jobs:
  a:
    type: command
    command: echo "${{inputs.tag}} a" >> %(log)s; sleep 0.3; echo a-${{inputs.tag}} > ${{outputs.o}}/a.txt
    inputs:
      tag: ${{parent.inputs.tag}}
    outputs:
      o: {type: uri_folder}
  b:
    type: command
    command: echo "${{inputs.tag}} b" >> %(log)s; sleep 0.2; cat ${{inputs.i}}/a.txt > ${{outputs.o}}/b.txt
    inputs:
      tag: ${{parent.inputs.tag}}
      i: ${{parent.jobs.a.outputs.o}}
    outputs:
      o: {type: uri_folder}
  c:
    type: command
    command: echo "${{inputs.tag}} c" >> %(log)s; cat ${{inputs.i}}/a.txt > ${{outputs.o}}/c.txt
    inputs:
      tag: ${{parent.inputs.tag}}
      i: ${{parent.jobs.a.outputs.o}}
    outputs:
      o: {type: uri_folder}
"""
STEPS = ("a", "b", "c")


def runnel(binary, ws, *args, timeout=300):
    env = {k: v for k, v in os.environ.items() if k != "RUNNEL_WORKSPACE"}
    env["NO_COLOR"] = "1"
    return subprocess.run([binary, "--workspace", ws] + list(args), env=env, capture_output=True,
                          text=True, timeout=timeout)


def trial(binary, root, n):
    d = os.path.join(root, "t%d" % n)
    os.makedirs(d)
    ws, log = os.path.join(d, "ws"), os.path.join(d, "exec.log")
    p = runnel(binary, ws, "init", ws)
    if p.returncode != 0:
        sys.exit("runnel init failed: " + p.stderr)
    files = []
    for i in range(16):
        tag = "same" if i < 8 else "diff%d" % i
        path = os.path.join(d, "p%d.yml" % i)
        with open(path, "w") as f:
            f.write(PIPELINE % {"tag": tag, "log": log})
        files.append(path)
    env = {k: v for k, v in os.environ.items() if k != "RUNNEL_WORKSPACE"}
    procs = [subprocess.Popen([binary, "--workspace", ws, "run", f], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for f in files]
    outs = [(p.communicate(timeout=600)[0], p.returncode) for p in procs]
    problems = []
    for (out, rc), f in zip(outs, files):
        if rc != 0:
            problems.append("runnel run %s: exit %d: %s" % (os.path.basename(f), rc, out.strip()[-400:]))
    with open(log) as f:
        runs = collections.Counter(tuple(l.split()) for l in f if l.strip())
    expected = [("same", s) for s in STEPS] + [("diff%d" % i, s) for i in range(8, 16) for s in STEPS]
    dup = {k: v for k, v in runs.items() if v > 1}
    missing = [k for k in expected if runs.get(k, 0) == 0]
    p = runnel(binary, ws, "runs", "list", "-n", "100", "--output", "json")
    listed = json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else []
    finished = [r for r in listed if r.get("status") == "Finished"]
    lost = 16 - len(finished)
    for k, v in sorted(dup.items()):
        problems.append("step %s of variant %s executed %d times" % (k[1], k[0], v))
    for k in missing:
        problems.append("step %s of variant %s never executed" % (k[1], k[0]))
    if lost:
        problems.append("%d of 16 runs not recorded Finished (%s)"
                        % (lost, collections.Counter(r.get("status") for r in listed)))
    return sum(v - 1 for v in dup.values()), len(missing), lost, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runnel", default=os.environ.get("RUNNEL_BIN", "build/runnel"))
    ap.add_argument("--trials", type=int, default=1)
    a = ap.parse_args()
    binary = os.path.abspath(a.runnel)
    root = tempfile.mkdtemp(prefix="runnel-concurrency-")
    totals = collections.Counter()
    for n in range(1, a.trials + 1):
        dup, missing, lost, problems = trial(binary, root, n)
        totals.update({"duplicates": dup, "missing": missing, "lost": lost,
                       "bad_trials": 1 if problems else 0})
        print("trial %d: %d duplicate executions, %d missing, %d lost runs" % (n, dup, missing, lost))
        for pr in problems:
            print("  " + pr)
    shutil.rmtree(root, True)
    print("concurrency: %s over %d trials of 8 identical + 8 different runs: %s"
          % ("FAILED" if totals["bad_trials"] else "OK", a.trials, dict(totals)))
    return 1 if totals["bad_trials"] else 0


if __name__ == "__main__":
    sys.exit(main())
