"""v2 `type: parallel` and `type: sweep` jobs through `runnel run`: mini-batches appended in
order, step and mini-batch reuse, a grid sweep whose best trial's output feeds the next job,
early termination, the children in `runs show`, and clear errors for bad jobs."""

import json
import os
import unittest

from e2e_util import WorkspaceTest, read

SCORE = """
import argparse, os
parser = argparse.ArgumentParser()
parser.add_argument("--exec-log")
parser.add_argument("--factor", type=int)
args = None

def init():
    global args
    args, _ = parser.parse_known_args()

def run(mini_batch):
    with open(args.exec_log, "a") as f:
        f.write(" ".join(os.path.basename(p) for p in mini_batch) + "\\n")
    out = []
    for p in mini_batch:
        v = int(open(p).read())
        if v < 0:
            raise ValueError("poisoned file %s" % os.path.basename(p))
        out.append("%s %d" % (os.path.basename(p), v * args.factor))
    return out
"""

PARALLEL = """
type: pipeline
jobs:
  score:
    type: parallel
    inputs:
      data: {{type: uri_folder, path: ./data}}
    outputs:
      scores: {{type: uri_folder}}
    input_data: ${{{{inputs.data}}}}
    mini_batch_size: "5"
    max_concurrency_per_instance: 2
    resources: {{instance_count: 1}}
    error_threshold: {threshold}
    mini_batch_error_threshold: -1
    retry_settings: {{max_retries: 2, timeout: 30}}
    logging_level: INFO
    task:
      type: run_function
      code: ./src
      entry_script: score.py
      program_arguments: --exec-log {log} --factor 2
      append_row_to: ${{{{outputs.scores}}}}
  total:
    type: command
    command: >-
      python -c "import sys; rows = open(sys.argv[1] + '/parallel_run_step.txt').read().split('\\n');
      open(sys.argv[2] + '/total.txt', 'w').write(str(sum(int(r.split()[1]) for r in rows if r)))"
      ${{{{inputs.scores}}}} ${{{{outputs.total}}}}
    inputs:
      scores: ${{{{parent.jobs.score.outputs.scores}}}}
    outputs:
      total: {{type: uri_folder}}
"""

TRAIN = """
import argparse, os, time
from azureml.core import Run
p = argparse.ArgumentParser()
p.add_argument("--data")
p.add_argument("--lr", type=float)
p.add_argument("--depth", type=int)
p.add_argument("--model")
a = p.parse_args()
base = float(open(os.path.join(a.data, "base.txt")).read())
score = base - (a.lr - 0.1) ** 2 * 100 - (a.depth - 4) ** 2
run = Run.get_context()
for k in range(1, {steps} + 1):
    run.log("score", score * k / {steps} if score > 0 else score)
    time.sleep({sleep})
os.makedirs(a.model, exist_ok=True)
with open(os.path.join(a.model, "params.json"), "w") as f:
    f.write('{{"lr": %s, "depth": %d}}' % (a.lr, a.depth))
"""

COMPONENT = """
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
type: command
name: train
inputs:
  data: {type: uri_folder}
  lr: {type: number, default: 0.5}
  depth: {type: integer, default: 1}
outputs:
  model: {type: uri_folder}
code: ./
command: >-
  python train.py --data ${{inputs.data}} --lr ${{inputs.lr}} --depth ${{inputs.depth}}
  --model ${{outputs.model}}
"""

SWEEP = """
type: pipeline
jobs:
  sweep:
    type: sweep
    trial: ./train/train.yml
    inputs:
      data: {{type: uri_folder, path: ./train_data}}
    sampling_algorithm: grid
    search_space:
      lr: {{type: choice, values: [0.01, 0.1, 1.0]}}
      depth: {{type: choice, values: [2, 4]}}
    objective: {{goal: maximize, primary_metric: score}}
    limits: {{max_total_trials: 6, max_concurrent_trials: {concurrent}, trial_timeout: 60}}
{termination}
  pick:
    type: command
    command: cp ${{{{inputs.model}}}}/params.json ${{{{outputs.best}}}}/params.json
    inputs:
      model: ${{{{parent.jobs.sweep.outputs.model}}}}
    outputs:
      best: {{type: uri_folder}}
"""


class ParallelJobTest(WorkspaceTest):
    def setUp(self):
        super().setUp()
        self.log = os.path.join(self.dir, "exec.log")
        self.write("src/score.py", SCORE)
        self.add_files(0, 20)

    def add_files(self, start, end, value=None):
        for i in range(start, end):
            self.write("data/f%03d.txt" % i, "%d\n" % (i if value is None else value))

    def pipeline(self, threshold=-1):
        return self.write("p.yml", PARALLEL.format(log=self.log, threshold=threshold))

    def batches_run(self):
        return [l.split() for l in (read(self.log) or "").splitlines()]

    def test_rows_appended_reused_and_only_new_batches_rerun(self):
        path = self.pipeline()
        self.run_pipeline(path, timeout=180)
        steps = self.steps()
        rows = read(os.path.join(steps["score"]["outputs"]["scores"], "parallel_run_step.txt")).splitlines()
        self.assertEqual(rows, ["f%03d.txt %d" % (i, 2 * i) for i in range(20)])  # in mini-batch order
        self.assertEqual(read(os.path.join(steps["total"]["outputs"]["total"], "total.txt")), str(2 * sum(range(20))))
        self.assertEqual(sorted(len(b) for b in self.batches_run()), [5, 5, 5, 5])
        kids = steps["score"]["children"]
        self.assertEqual((kids["kind"], kids["mini_batches"], kids["reused"], kids["failed"]), ("parallel", 4, 0, 0))
        shown = self.runnel("runs", "show", "latest")
        self.assertIn("mini-batches: 4 (0 reused, 4 of 4 run, 0 failed)", shown.stdout)

        # Unchanged: the step is reused whole, nothing runs.
        self.run_pipeline(path, timeout=180)
        self.assertEqual(self.steps()["score"]["status"], "Reused")
        self.assertEqual(len(self.batches_run()), 4)

        # Ten new files: the step reruns, but only the two mini-batches holding them.
        self.add_files(20, 30)
        self.run_pipeline(path, timeout=180)
        steps = self.steps()
        self.assertEqual(steps["score"]["status"], "Finished")
        new = self.batches_run()[4:]
        self.assertEqual(sorted(f for b in new for f in b), ["f%03d.txt" % i for i in range(20, 30)])
        kids = steps["score"]["children"]
        self.assertEqual((kids["mini_batches"], kids["reused"]), (6, 4))
        rows = read(os.path.join(steps["score"]["outputs"]["scores"], "parallel_run_step.txt")).splitlines()
        self.assertEqual(len(rows), 30)
        self.assertEqual(read(os.path.join(steps["total"]["outputs"]["total"], "total.txt")), str(2 * sum(range(30))))

    def test_poisoned_file_fails_its_mini_batch_unless_the_threshold_allows(self):
        self.add_files(7, 8, value=-1)
        p = self.run_pipeline(self.pipeline(threshold=0), expect=1, timeout=180)
        score = self.steps()["score"]
        self.assertEqual(score["status"], "Failed")
        err = read(score["stderr"])
        self.assertIn("5 failed items exceed error_threshold 0", err)
        self.assertIn("poisoned file f007.txt", err)
        self.assertEqual(score["children"]["failed"], 1)
        self.assertIn("failed mini-batch 1", self.runnel("runs", "show", "latest").stdout, p.stdout)
        # The other three mini-batches ran once; the poisoned one was tried max_retries times.
        counts = {}
        for b in self.batches_run():
            counts[b[0]] = counts.get(b[0], 0) + 1
        self.assertEqual(counts, {"f000.txt": 1, "f005.txt": 2, "f010.txt": 1, "f015.txt": 1})
        self.run_pipeline(self.pipeline(threshold=5), timeout=180)
        rows = read(os.path.join(self.steps()["score"]["outputs"]["scores"], "parallel_run_step.txt")).splitlines()
        self.assertEqual(len(rows), 15)

    def test_bad_parallel_jobs_are_clear_errors(self):
        text = read(self.pipeline())
        bad = self.write("bad.yml", text.replace("input_data: ${{inputs.data}}", "input_data: ./data"))
        self.assert_bad_input(self.runnel("run", bad), "bad.yml", 9, "jobs.score.input_data",
                              what="not a single \\$\\{\\{inputs.NAME\\}\\} reference")
        bad = self.write("bad.yml", text.replace("type: run_function", "type: run_spark"))
        self.assert_bad_input(self.runnel("run", bad), "bad.yml", 18, "jobs.score.task.type", what="run_function")
        bad = self.write("bad.yml", text.replace("entry_script: score.py", "entry_scrip: score.py"))
        self.assert_bad_input(self.runnel("run", bad), "bad.yml", None, "jobs.score.task", what="entry_script")


class SweepJobTest(WorkspaceTest):
    def setUp(self):
        super().setUp()
        self.write("train_data/base.txt", "50\n")

    def sweep(self, steps=3, sleep=0.05, concurrent=2, termination=""):
        self.write("train/train.py", TRAIN.format(steps=steps, sleep=sleep))
        self.write("train/train.yml", COMPONENT)
        return self.write("sweep.yml", SWEEP.format(concurrent=concurrent, termination=termination))

    def test_grid_sweep_best_trial_feeds_the_next_job_and_is_reused(self):
        path = self.sweep()
        self.run_pipeline(path, timeout=240)
        steps = self.steps()
        kids = steps["sweep"]["children"]
        self.assertEqual(kids["kind"], "sweep")
        self.assertEqual(len(kids["children"]), 6)
        params = sorted((k["parameters"]["lr"], k["parameters"]["depth"]) for k in kids["children"])
        self.assertEqual(params, sorted((lr, d) for lr in (0.01, 0.1, 1.0) for d in (2, 4)))
        finals = [k["primary_metric"]["final"] for k in kids["children"]]
        self.assertEqual(finals, sorted(finals, reverse=True))  # best first
        self.assertEqual(kids["children"][0]["parameters"], {"lr": 0.1, "depth": 4})
        best = json.loads(read(os.path.join(steps["pick"]["outputs"]["best"], "params.json")))
        self.assertEqual(best, {"lr": 0.1, "depth": 4})
        self.assertEqual(steps["sweep"]["metrics"].get("best_score"), 50.0)
        shown = self.runnel("runs", "show", "latest").stdout
        self.assertIn("trials: 6 (score, maximize, best first)", shown)
        self.assertRegex(shown, r"depth=4 lr=0\.1")

        self.run_pipeline(path, timeout=240)
        steps = self.steps()
        self.assertEqual((steps["sweep"]["status"], steps["pick"]["status"]), ("Reused", "Reused"))
        self.assertEqual(len(steps["sweep"]["children"]["children"]), 6)  # the reused run's trials

    def test_bandit_early_termination_cancels_the_trials_far_behind(self):
        path = self.sweep(steps=8, sleep=0.3, concurrent=6, termination=(
            "    early_termination: {type: bandit, slack_factor: 0.2, evaluation_interval: 1, delay_evaluation: 1}"))
        p = self.run_pipeline(path, timeout=240)
        kids = self.steps()["sweep"]["children"]["children"]
        status = {(k["parameters"]["lr"], k["parameters"]["depth"]): k["status"] for k in kids}
        self.assertEqual(status[(0.1, 4)], "Finished", status)
        canceled = [k for k in kids if k["status"] == "Canceled"]
        self.assertTrue(canceled, "no trial was canceled: %s\n%s" % (status, p.stdout))
        for k in canceled:
            self.assertIn("early termination (bandit)", k["reason"])
            self.assertLess(k["primary_metric"]["final"], 40)  # far behind the best (score 50)

    def test_bad_sweep_jobs_are_clear_errors(self):
        text = read(self.sweep())
        bad = self.write("bad.yml", text.replace("type: choice, values: [2, 4]", "type: uniform, min_value: 2, max_value: 4"))
        self.assert_bad_input(self.runnel("run", bad), "bad.yml", None, "jobs.sweep.sampling_algorithm",
                              what="grid sampling needs choice")
        bad = self.write("bad.yml", text.replace("type: choice, values: [2, 4]", "type: gaussian, mu: 2"))
        self.assert_bad_input(self.runnel("run", bad), "bad.yml", 11, "jobs.sweep.search_space.depth.type",
                              what="unknown expression 'gaussian'")
        bad = self.write("bad.yml", text.replace("primary_metric: score", "metric: score"))
        self.assert_bad_input(self.runnel("run", bad), "bad.yml", 12, "jobs.sweep.objective", what="primary_metric")


if __name__ == "__main__":
    unittest.main()
