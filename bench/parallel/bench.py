#!/usr/bin/env python3
"""ParallelRunStep driver overhead: 10,000 small files, mini_batch_size 10, a trivial run().

Prints the wall time per mini-batch of a cold run (all 1,000 mini-batches run), of a no-op
rerun (everything reused), and of a rerun after 10 files were added (one mini-batch runs).
Usage: bench/parallel/bench.py [--files N] [--workers W]   (run under /usr/bin/python3)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = os.path.join(HERE, "..", "..", "python")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--files", type=int, default=10000)
    p.add_argument("--workers", type=int, default=2)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as root:
        data, src, ws = (os.path.join(root, d) for d in ("data", "src", "ws"))
        for d in (data, src, os.path.join(ws, ".runnel", "runs", "r")):
            os.makedirs(d)
        for i in range(a.files):
            with open(os.path.join(data, "f%06d.txt" % i), "w") as f:
                f.write(str(i))
        with open(os.path.join(src, "score.py"), "w") as f:
            f.write("def init():\n    pass\n\ndef run(mini_batch):\n    return list(mini_batch)\n")
        ctx = os.path.join(ws, ".runnel", "runs", "r", "context.json")
        with open(ctx, "w") as f:
            json.dump({"run_id": "r", "workspace": ws, "run_dir": os.path.dirname(ctx),
                       "metrics_file": os.path.join(os.path.dirname(ctx), "metrics.jsonl")}, f)
        env = dict(os.environ, PYTHONPATH=PYTHON, RUNNEL_RUN_CONTEXT=ctx)
        cmd = [sys.executable, "-m", "runnel.parallel_run", "--entry-script", "score.py", "--source-directory",
               src, "--input", "d=" + data, "--output", os.path.join(root, "out"), "--mini-batch-size", "10",
               "--process-count-per-node", str(a.workers)]

        def timed(label):
            t = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
            dt = time.perf_counter() - t
            with open(os.path.join(os.path.dirname(ctx), "logs", "parallel", "summary.json")) as f:
                s = json.load(f)
            ran = s["mini_batches"] - s["reused"]
            print("%-28s %6.2f s  %5d mini-batches, %5d ran, %5d reused, %.2f ms per mini-batch"
                  % (label, dt, s["mini_batches"], ran, s["reused"], 1000 * dt / s["mini_batches"]))
        timed("cold")
        timed("no-op rerun")
        for i in range(10):
            with open(os.path.join(data, "new%02d.txt" % i), "w") as f:
                f.write("new")
        timed("rerun after 10 new files")


if __name__ == "__main__":
    main()
