"""The sweep driver (runnel.sweep): sampling, early termination, reuse per trial, the best
trial's outputs, and clear errors for bad specs."""

import base64
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from helpers import PYTHON_DIR, make_context

# Logs `acc` five times: quality * k / 5, so a trial's quality decides its whole curve.
TRAIN = textwrap.dedent("""
    import argparse, os, time
    from azureml.core import Run
    p = argparse.ArgumentParser()
    p.add_argument("--quality", type=float)
    p.add_argument("--depth", type=int, default=1)
    p.add_argument("--model")
    a = p.parse_args()
    with open(os.environ["CALLS"], "a") as f:
        f.write("%s %s\\n" % (a.quality, a.depth))
    run = Run.get_context()
    for k in range(1, 6):
        run.log("acc", a.quality * k / 5.0)
        time.sleep(float(os.environ.get("STEP_SLEEP", "0")))
    os.makedirs(a.model, exist_ok=True)
    with open(os.path.join(a.model, "model.txt"), "w") as f:
        f.write("quality=%s depth=%s\\n" % (a.quality, a.depth))
""")


class SweepTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        self.ctx_path, self.ctx = make_context(self.root, run_id="sweeprun")
        self.code = os.path.join(self.root, "code")
        os.makedirs(self.code)
        with open(os.path.join(self.code, "train.py"), "w") as f:
            f.write(TRAIN)
        self.calls = os.path.join(self.root, "calls.txt")
        self.model = os.path.join(self.root, "best_model")

    def tearDown(self):
        self.tmp.cleanup()

    def spec(self, **over):
        s = {"trial": {"command": "%s train.py --model ${{outputs.model}}" % sys.executable, "code": self.code},
             "append_params": True,
             "search_space": {"--quality": {"type": "choice", "values": [0.2, 0.5, 0.9]},
                              "--depth": {"type": "choice", "values": [1, 2]}},
             "sampling_algorithm": {"type": "grid"},
             "objective": {"primary_metric": "acc", "goal": "maximize"},
             "limits": {"max_concurrent_trials": 2}}
        s.update(over)
        return s

    def sweep(self, spec, sleep="0"):
        env = dict(os.environ, RUNNEL_RUN_CONTEXT=self.ctx_path, CALLS=self.calls, PYTHONPATH=PYTHON_DIR,
                   STEP_SLEEP=sleep)
        if os.path.exists(self.calls):
            os.remove(self.calls)
        b64 = base64.b64encode(json.dumps(spec).encode()).decode()
        r = subprocess.run([sys.executable, "-m", "runnel.sweep", "--spec-b64", b64,
                            "--output", "model=" + self.model], env=env, capture_output=True, text=True,
                           timeout=120)
        return r

    def children(self):
        with open(os.path.join(self.ctx["run_dir"], "trials", "children.json")) as f:
            return json.load(f)["children"]

    def executed(self):
        if not os.path.exists(self.calls):
            return []
        with open(self.calls) as f:
            return sorted(f.read().splitlines())

    def test_grid_runs_every_combination_and_takes_the_best_outputs(self):
        r = self.sweep(self.spec())
        self.assertEqual(r.returncode, 0, r.stderr)
        kids = self.children()
        self.assertEqual(len(kids), 6)
        self.assertEqual(sorted((k["parameters"]["--quality"], k["parameters"]["--depth"]) for k in kids),
                         [(q, d) for q in (0.2, 0.5, 0.9) for d in (1, 2)])
        finals = [k["primary_metric"]["final"] for k in kids]
        self.assertEqual(finals, sorted(finals, reverse=True), "children sorted by the primary metric")
        self.assertAlmostEqual(finals[0], 0.9)
        with open(os.path.join(self.model, "model.txt")) as f:
            self.assertIn("quality=0.9", f.read())
        self.assertIn("best trial", r.stdout)

    def test_rerun_reuses_every_unchanged_trial(self):
        self.assertEqual(self.sweep(self.spec()).returncode, 0)
        self.assertEqual(len(self.executed()), 6)
        r = self.sweep(self.spec())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.executed(), [], "nothing runs again")
        self.assertEqual({k["status"] for k in self.children()}, {"Reused"})
        # A changed search space runs only the new trials.
        space = self.spec()["search_space"]
        space["--depth"]["values"] = [1, 2, 3]
        r = self.sweep(self.spec(search_space=space))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.executed()), 3)

    def test_seeded_random_sweep_is_reproducible(self):
        spec = self.spec(sampling_algorithm={"type": "random", "seed": 11}, no_reuse=True,
                         search_space={"--quality": {"type": "uniform", "min_value": 0.1, "max_value": 1.0},
                                       "--depth": {"type": "randint", "upper": 5}},
                         limits={"max_total_trials": 4, "max_concurrent_trials": 1})
        self.assertEqual(self.sweep(spec).returncode, 0)
        first = [k["parameters"] for k in sorted(self.children(), key=lambda k: k["number"])]
        self.assertEqual(self.sweep(spec).returncode, 0)
        second = [k["parameters"] for k in sorted(self.children(), key=lambda k: k["number"])]
        self.assertEqual(first, second)
        self.assertTrue(all(0.1 <= p["--quality"] <= 1.0 and 0 <= p["--depth"] < 5 for p in first))

    def test_bandit_policy_cancels_the_trials_far_behind(self):
        spec = self.spec(search_space={"--quality": {"type": "choice", "values": [1.0, 0.95, 0.2, 0.1]}},
                         early_termination={"type": "bandit", "slack_factor": 0.2, "evaluation_interval": 1,
                                            "delay_evaluation": 1},
                         limits={"max_concurrent_trials": 4}, no_reuse=True)
        r = self.sweep(spec, sleep="0.3")
        self.assertEqual(r.returncode, 0, r.stderr)
        status = {k["parameters"]["--quality"]: k["status"] for k in self.children()}
        self.assertEqual(status[1.0], "Finished")
        self.assertEqual(status[0.95], "Finished")
        self.assertEqual(status[0.2], "Canceled")
        self.assertEqual(status[0.1], "Canceled")
        self.assertIn("canceled by bandit policy", r.stdout)

    def test_policies_decide_as_defined(self):
        sys.path.insert(0, PYTHON_DIR)
        from runnel.sweep import Policy
        trials = {"a": ([0.9, 0.9], True), "b": ([0.5, 0.6], True), "c": ([0.8, 0.85], True)}
        self.assertEqual(Policy({"type": "bandit", "slack_amount": 0.2}, "maximize").to_cancel(trials), ["b"])
        self.assertEqual(Policy({"type": "median_stopping"}, "maximize").to_cancel(trials), ["b"])
        self.assertEqual(Policy({"type": "truncation_selection", "truncation_percentage": 34}, "maximize")
                         .to_cancel(trials), ["b"])
        self.assertEqual(Policy({"type": "bandit", "slack_factor": 0.1}, "minimize").to_cancel(
            {"a": ([1.0], True), "b": ([2.0], True)}), ["b"])
        self.assertEqual(Policy({"type": "bandit", "slack_amount": 0.2, "delay_evaluation": 2}, "maximize")
                         .to_cancel(trials), [])

    def test_bayesian_sampling_stays_in_the_space(self):
        spec = self.spec(sampling_algorithm={"type": "bayesian", "seed": 3}, no_reuse=True,
                         search_space={"--quality": {"type": "quniform", "min_value": 0.1, "max_value": 1.0,
                                                     "q": 0.1}},
                         limits={"max_total_trials": 8, "max_concurrent_trials": 2})
        r = self.sweep(spec)
        self.assertEqual(r.returncode, 0, r.stderr)
        values = [k["parameters"]["--quality"] for k in self.children()]
        self.assertEqual(len(values), 8)
        self.assertTrue(all(0.1 - 1e-9 <= v <= 1.0 + 1e-9 and abs(v * 10 - round(v * 10)) < 1e-6 for v in values))

    def test_bad_specs_are_clear_errors(self):
        r = self.sweep(self.spec(sampling_algorithm={"type": "grid"},
                                 search_space={"--quality": {"type": "uniform", "min_value": 0, "max_value": 1}}))
        self.assertEqual(r.returncode, 2)
        self.assertIn("search_space.--quality must be choice()", r.stderr)
        r = self.sweep(self.spec(search_space={"x": {"type": "gaussian"}}))
        self.assertIn("search_space.x: type must be one of", r.stderr)
        r = self.sweep(self.spec(objective={"goal": "maximize"}))
        self.assertIn("objective.primary_metric: required", r.stderr)
        r = self.sweep(self.spec(early_termination={"type": "bandit"}))
        self.assertIn("bandit needs exactly one of slack_factor, slack_amount", r.stderr)


if __name__ == "__main__":
    unittest.main()
