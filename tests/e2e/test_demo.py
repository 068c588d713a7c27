"""The compare-models demo end to end: every step finishes, the train steps run side by
side, metrics and outputs are where `runs show` says, and the JSON has its documented shape.
The pipeline runs once for the whole class (it takes several seconds)."""

import datetime
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from e2e_util import RUNNEL, SOURCE_DIR, clean_env, has_sklearn

PIPELINE = os.path.join(SOURCE_DIR, "examples", "compare-models", "pipeline.yml")
TRAIN_STEPS = ("train_lr", "train_rf", "train_gb", "train_svm")
ALL_STEPS = ("prep",) + TRAIN_STEPS + ("compare",)

# src/cli/run_json.h
RUN_KEYS = {"run_id", "experiment", "status", "display_name", "source_file", "created",
            "started", "ended", "duration_s", "error", "git", "steps"}
STEP_KEYS = {"name", "run_id", "status", "exit_code", "signal", "error", "started", "ended",
             "duration_s", "compute", "backend_job_id", "reused_run_id", "log_dir", "stdout",
             "stderr", "outputs", "metrics", "tags"}


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


@unittest.skipUnless(has_sklearn(), "/usr/bin/python3 lacks sklearn/pandas; "
                     "install python3-sklearn python3-pandas to run the demo test")
class CompareModelsDemoTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if not os.access(RUNNEL, os.X_OK):
            raise unittest.SkipTest("runnel binary not found at " + RUNNEL)
        cls.dir = tempfile.mkdtemp(prefix="runnel-e2e-demo-")
        cls.ws = os.path.join(cls.dir, "ws")
        subprocess.run([RUNNEL, "init", cls.ws], check=True, capture_output=True,
                       env=clean_env())
        cls.proc = cls.runnel("run", PIPELINE, "-j", "4", timeout=170)
        cls.show_proc = cls.runnel("runs", "show", "--output", "json")
        cls.run_json = json.loads(cls.show_proc.stdout) if cls.show_proc.returncode == 0 else {}
        cls.by_name = {s["name"]: s for s in cls.run_json.get("steps", [])}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    @classmethod
    def runnel(cls, *args, timeout=60):
        return subprocess.run([RUNNEL, "--workspace", cls.ws] + list(args), cwd=cls.dir,
                              env=clean_env(), capture_output=True, text=True, timeout=timeout)

    def test_run_finishes(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stdout + self.proc.stderr)
        self.assertEqual(self.run_json["status"], "Finished")
        self.assertEqual(sorted(self.by_name), sorted(ALL_STEPS))
        for name, s in self.by_name.items():
            self.assertEqual(s["status"], "Finished", name)
            self.assertEqual(s["exit_code"], 0, name)
        self.assertEqual(self.run_json["experiment"], "compare-models")
        self.assertIn(self.run_json["run_id"], self.proc.stdout)

    def test_train_steps_overlap(self):
        iv = [(parse_time(self.by_name[n]["started"]), parse_time(self.by_name[n]["ended"]))
              for n in TRAIN_STEPS]
        overlapping = [(a, b) for i, a in enumerate(iv) for b in iv[i + 1:]
                       if a[0] < b[1] and b[0] < a[1]]
        self.assertTrue(overlapping, "no two train steps ran at the same time: %s" % iv)

    def test_dependencies_respected(self):
        prep_end = parse_time(self.by_name["prep"]["ended"])
        compare_start = parse_time(self.by_name["compare"]["started"])
        for n in TRAIN_STEPS:
            self.assertLessEqual(prep_end, parse_time(self.by_name[n]["started"]), n)
            self.assertLessEqual(parse_time(self.by_name[n]["ended"]), compare_start, n)

    def test_metrics_in_json(self):
        for n in TRAIN_STEPS:
            m = self.by_name[n]["metrics"]
            for key in ("accuracy", "f1", "precision", "recall"):
                self.assertIn(key, m, n)
                self.assertGreater(m[key], 0.5, n)
                self.assertLessEqual(m[key], 1.0, n)
        self.assertIn("best_model", self.run_json["metrics"])

    def test_metrics_command(self):
        p = self.runnel("metrics", self.run_json["run_id"])
        self.assertEqual(p.returncode, 0, p.stderr)
        for n in TRAIN_STEPS:
            self.assertRegex(p.stdout, r"(?m)^%s\s+accuracy\s+scalar\s+0\.\d+" % n)
        p = self.runnel("metrics", self.run_json["run_id"], "train_rf", "--output", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual(list(j), ["train_rf"])
        self.assertAlmostEqual(j["train_rf"]["accuracy"],
                               self.by_name["train_rf"]["metrics"]["accuracy"])

    def test_outputs_on_disk(self):
        for n in TRAIN_STEPS:
            out = self.by_name[n]["outputs"]["model_output"]
            self.assertTrue(os.path.isfile(os.path.join(out, "model.pkl")), n)
            self.assertTrue(os.path.isfile(os.path.join(out, "metrics.json")), n)
            self.assertTrue(out.startswith(os.path.join(self.ws, ".runnel", "datastores")), out)
        prep = self.by_name["prep"]["outputs"]
        self.assertTrue(os.path.isfile(os.path.join(prep["train_data"], "train.csv")))
        report = self.by_name["compare"]["outputs"]["report"]
        for f in ("report.md", "best.json"):
            self.assertTrue(os.path.isfile(os.path.join(report, f)), f)
        with open(os.path.join(report, "best.json")) as f:
            best = json.load(f)
        self.assertEqual(best["model"], self.run_json["metrics"]["best_model"])
        self.assertTrue(os.path.isfile(os.path.join(report, "best_model.pkl")))

    def test_json_shape(self):
        j = self.run_json
        self.assertEqual(j.keys() & RUN_KEYS, RUN_KEYS, "missing: %s" % (RUN_KEYS - j.keys()))
        for k in ("created", "started", "ended"):
            parse_time(j[k])
        self.assertIsInstance(j["duration_s"], (int, float))
        self.assertIsNone(j["error"])
        self.assertEqual(j["source_file"], PIPELINE)
        for s in j["steps"]:
            self.assertEqual(s.keys() & STEP_KEYS, STEP_KEYS,
                             "%s missing: %s" % (s.get("name"), STEP_KEYS - s.keys()))
            self.assertIsInstance(s["run_id"], str)
            self.assertIsNone(s["signal"])
            self.assertIsNone(s["error"])
            self.assertIsNone(s["reused_run_id"])
            self.assertEqual(s["compute"], "local")
            self.assertIsInstance(s["duration_s"], (int, float))
            self.assertIsInstance(s["outputs"], dict)
            self.assertIsInstance(s["metrics"], dict)
            self.assertIsInstance(s["tags"], dict)
            self.assertEqual(s["log_dir"], os.path.dirname(s["stdout"]))
            self.assertEqual(s["log_dir"], os.path.dirname(s["stderr"]))
            self.assertTrue(os.path.isfile(s["stdout"]), s["stdout"])
            self.assertTrue(os.path.isfile(s["stderr"]), s["stderr"])

    def test_run_output_json_equals_runs_show(self):
        p = self.runnel("runs", "show", self.run_json["run_id"][:12], "--output", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["run_id"], self.run_json["run_id"])

    def test_logs(self):
        p = self.runnel("logs", self.run_json["run_id"], "compare")
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.by_name["compare"]["stdout"]) as f:
            self.assertIn(f.read(), p.stdout)


if __name__ == "__main__":
    unittest.main()
