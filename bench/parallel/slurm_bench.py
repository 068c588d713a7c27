#!/usr/bin/env python3
"""A ParallelRunStep (a v2 `type: parallel` job) on a Slurm compute, through `runnel run`:
N files, mini_batch_size 10, a trivial run(), node_count 1 x W workers.

Prints, for the same pipeline on `--compute local` and on the Slurm compute: the wall time
of `runnel run` (cold: every mini-batch runs) and how many sbatch submissions the step made
(distinct Slurm job ids, an array counting once, whose working folder is the step's, from
squeue and the jobcomp log). On Slurm the step must be ONE submission: a job array of W tasks.

--batch-sleep S makes run() sleep S seconds per mini-batch; --scancel-task N then runs the
Slurm case once more and `scancel`s array task N while it runs a mini-batch: the others take
over its work, and the line says how much longer the step took (the output must still be
complete and in order). --workers beyond the mini-batch count measures the extra tasks (a v2
job's array is not capped: they start, find nothing to claim and exit).
Usage (needs a cluster: scripts/services/slurm-up.sh):
    /usr/bin/python3 bench/parallel/slurm_bench.py --runnel build/runnel [--files 1000] [--workers 3]
        [--batch-sleep 0.2 --scancel-task 1]
"""
import argparse
import glob
import json
import os
import subprocess
import tempfile
import time

JOBCOMP_LOG = "/var/log/slurm/jobcomp.log"

SCORE = ("import time\n\ndef init():\n    pass\n\ndef run(mini_batch):\n    time.sleep(%r)\n"
         "    return [p.rsplit('/', 1)[-1] for p in mini_batch]\n")

PIPELINE = """type: pipeline
jobs:
  score:
    type: parallel
    inputs:
      data: {type: uri_folder, path: ./data}
    outputs:
      rows: {type: uri_folder}
    input_data: ${{inputs.data}}
    mini_batch_size: "10"
    max_concurrency_per_instance: %d
    resources: {instance_count: 1}
    task:
      type: run_function
      code: ./src
      entry_script: score.py
      append_row_to: ${{outputs.rows}}
"""


def submissions_under(folder):
    """Distinct Slurm submissions (an array's tasks share one ArrayJobId) whose working folder
    is inside `folder`: {job id: number of tasks seen}."""
    prefix = os.path.join(os.path.realpath(folder), "")
    seen = {}
    p = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%F|%K|%Z"], capture_output=True, text=True, timeout=30)
    rows = [l.split("|") for l in p.stdout.splitlines()]
    try:
        with open(JOBCOMP_LOG) as f:
            for line in f:
                kv = dict(t.partition("=")[::2] for t in line.split() if "=" in t)
                rows.append([kv.get("ArrayJobId") or kv.get("JobId", ""), kv.get("ArrayTaskId", ""),
                             kv.get("WorkDir", "/-")])
    except OSError:
        pass
    for parts in rows:
        if len(parts) == 3 and os.path.join(parts[2], "").startswith(prefix):
            tasks = seen.setdefault(parts[0], set())
            if parts[1].isdigit():  # a plain job has none ("N/A", or no ArrayTaskId)
                tasks.add(parts[1])
    return {k: len(v) for k, v in seen.items()}


def scancel_mid_run(runnel, ws, root, task):
    """`runnel run` on Slurm, `scancel JOB_task` once that task runs a mini-batch; waits."""
    proc = subprocess.Popen([runnel, "--workspace", ws, "run", "p.yml", "--compute", "sl"], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 600
    victim = None
    while victim is None and proc.poll() is None and time.time() < deadline:
        for claim in glob.glob(os.path.join(ws, ".runnel", "runs", "*", "logs", "parallel", "array-*", "claims", "*")):
            try:
                with open(claim) as f:
                    c = json.load(f)
            except (OSError, ValueError):
                continue
            if c.get("task") == task and c.get("slurm_job"):
                victim = c["slurm_job"]
                break
        time.sleep(0.05)
    if victim is None:
        raise SystemExit("array task %d never claimed a mini-batch" % task)
    subprocess.run(["scancel", victim], check=True, timeout=30)
    out, err = proc.communicate(timeout=1800)
    if proc.returncode != 0:
        raise SystemExit("runnel run failed after scancel %s (%d):\n%s%s" % (victim, proc.returncode, out, err))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runnel", required=True)
    p.add_argument("--files", type=int, default=1000)
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--batch-sleep", type=float, default=0.0)
    p.add_argument("--scancel-task", type=int, default=-1)
    a = p.parse_args()
    runnel = os.path.abspath(a.runnel)
    with tempfile.TemporaryDirectory(prefix="runnel-slurm-bench-") as root:
        for d in ("data", "src"):
            os.makedirs(os.path.join(root, d))
        for i in range(a.files):
            with open(os.path.join(root, "data", "f%06d.txt" % i), "w") as f:
                f.write(str(i))
        with open(os.path.join(root, "src", "score.py"), "w") as f:
            f.write(SCORE % a.batch_sleep)
        with open(os.path.join(root, "p.yml"), "w") as f:
            f.write(PIPELINE % a.workers)
        for compute in ("local", "sl") + (("sl-scancel",) if a.scancel_task >= 0 else ()):
            ws = os.path.join(root, "ws-" + compute)

            def rn(*args):
                r = subprocess.run([runnel, "--workspace", ws] + list(args), cwd=root, capture_output=True,
                                   text=True, timeout=1800)
                if r.returncode != 0:
                    raise SystemExit("runnel %s failed (%d):\n%s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
                return r
            subprocess.run([runnel, "init", ws], check=True, capture_output=True)
            if compute != "local":
                rn("compute", "create", "sl", "--type", "slurm")
            t = time.perf_counter()
            if compute == "sl-scancel":
                scancel_mid_run(runnel, ws, root, a.scancel_task)
            else:
                rn("run", "p.yml", "--compute", compute)
            dt = time.perf_counter() - t
            step = next(s for s in json.loads(rn("runs", "show", "latest", "--output", "json").stdout)["steps"]
                        if s["name"] == "score")
            with open(os.path.join(step["outputs"]["rows"], "parallel_run_step.txt")) as f:
                rows = f.read().split()
            assert rows == ["f%06d.txt" % i for i in range(a.files)], "output incomplete or out of order"
            subs = submissions_under(os.path.dirname(step["log_dir"])) if compute != "local" else {}
            print("%-10s %5d files, %3d mini-batches, %d workers: %6.2f s wall%s" % (
                compute, a.files, (a.files + 9) // 10, a.workers, dt,
                ", %d sbatch (%s)" % (len(subs), "; ".join(
                    "job %s: %s" % (j, "an array of %d tasks" % n if n else "one plain job") for j, n in subs.items()))
                if compute != "local" else ""))


if __name__ == "__main__":
    main()
