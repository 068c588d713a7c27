"""Runs the examples/compare-models step scripts by hand, as runnel would, with fake run
contexts, and checks their outputs and logged metrics; checks the YAML's bindings.

Run: /usr/bin/python3 -m unittest discover -s tests/python
(skipped where scikit-learn or PyYAML is not installed)
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
import unittest

import helpers
from helpers import make_context, read_lines, subprocess_env, temp_dir

EXAMPLE = os.path.join(helpers.REPO, "examples", "compare-models")
HAVE_SKLEARN = all(importlib.util.find_spec(m) for m in ("sklearn", "pandas"))
HAVE_YAML = importlib.util.find_spec("yaml") is not None
MODELS = {"lr": "logistic_regression", "rf": "random_forest", "gb": "gradient_boosting",
          "svm": "svm"}


@unittest.skipUnless(HAVE_SKLEARN, "scikit-learn/pandas not installed")
class CompareModelsScriptsTest(unittest.TestCase):
    def step(self, name, script, args, inputs=None, outputs=None):
        """Runs one step script in its code folder under a fake context; returns the context."""
        path, ctx = make_context(self.root, run_id="run-" + name, step_name=name,
                                 inputs=inputs, outputs=outputs)
        proc = subprocess.run([sys.executable, os.path.basename(script)] + args,
                              cwd=os.path.dirname(script), env=subprocess_env(path),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        ctx["stdout"] = proc.stdout
        return ctx

    def metrics(self, ctx, target="self"):
        return {l["name"]: l for l in read_lines(ctx["metrics_file"]) if l["target"] == target}

    def test_pipeline_by_hand(self):
        self.root = temp_dir(self)
        data = os.path.join(self.root, "data")
        train, test = os.path.join(data, "train"), os.path.join(data, "test")
        prep = self.step("prep", os.path.join(EXAMPLE, "prep", "prepare.py"),
                         ["--dataset", "wine", "--test_size", "0.3", "--seed", "7",
                          "--train_data", train, "--test_data", test])
        self.assertIn("train: 124 rows", prep["stdout"])
        self.assertEqual(self.metrics(prep)["test_rows"]["value"], 54)
        self.assertTrue(os.path.exists(os.path.join(train, "train.csv")))

        folders = []
        for short, model in MODELS.items():
            out = os.path.join(data, short)
            folders.append(out)
            ctx = self.step("train_" + short, os.path.join(EXAMPLE, "train", "train.py"),
                            ["--model", model, "--train_data", train, "--test_data", test,
                             "--model_output", out, "--n_estimators", "20"])
            logged = self.metrics(ctx)
            for name in ("accuracy", "f1", "precision", "recall", "training_time_s"):
                self.assertEqual(logged[name]["kind"], "scalar")
            self.assertGreater(logged["accuracy"]["value"], 0.8)
            self.assertEqual(logged["confusion_matrix"]["kind"], "table")
            self.assertEqual((logged["model"]["kind"], logged["model"]["value"]), ("tag", model))
            if model in ("random_forest", "gradient_boosting"):
                self.assertEqual(logged["learning_curve"]["kind"], "row")
            with open(os.path.join(out, "metrics.json")) as f:
                self.assertEqual(json.load(f)["model"], model)
            self.assertTrue(os.path.getsize(os.path.join(out, "model.pkl")) > 0)

        report = os.path.join(data, "report")
        ctx = self.step("compare", os.path.join(EXAMPLE, "compare", "compare.py"),
                        ["--models"] + folders + ["--metric", "f1", "--output", report])
        with open(os.path.join(report, "best.json")) as f:
            best = json.load(f)
        self.assertIn(best["model"], MODELS.values())
        self.assertEqual(best["metric"], "f1")
        self.assertEqual(sorted(best["ranking"]), sorted(MODELS.values()))
        with open(os.path.join(report, "report.md")) as f:
            self.assertIn("Best: **%s**" % best["model"], f.read())
        self.assertTrue(os.path.exists(os.path.join(report, "best_model.pkl")))
        self.assertEqual(self.metrics(ctx)["best_model"]["value"], best["model"])
        self.assertEqual(self.metrics(ctx, "parent")["best_model"]["value"], best["model"])

    def test_compare_names_a_bad_folder(self):
        self.root = temp_dir(self)
        missing = os.path.join(self.root, "nothing")
        proc = subprocess.run(
            [sys.executable, os.path.join(EXAMPLE, "compare", "compare.py"), "--models", missing,
             "--output", os.path.join(self.root, "r")],
            env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn(os.path.join(missing, "metrics.json"), proc.stderr)

    def test_offline_run_of_prep(self):
        self.root = temp_dir(self)
        proc = subprocess.run(
            [sys.executable, os.path.join(EXAMPLE, "prep", "prepare.py"),
             "--train_data", os.path.join(self.root, "tr"), "--test_data",
             os.path.join(self.root, "te")],
            env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("Attempted to log scalar metric train_rows:", proc.stdout)


PLACEHOLDER = re.compile(r"\$\{\{\s*(inputs|outputs)\.([A-Za-z0-9_]+)\s*\}\}")
BINDING = re.compile(r"^\$\{\{\s*parent\.(inputs|outputs|jobs)\.([A-Za-z0-9_.]+)\s*\}\}$")


@unittest.skipUnless(HAVE_YAML, "PyYAML not installed")
class CompareModelsYamlTest(unittest.TestCase):
    def load(self, rel):
        import yaml
        with open(os.path.join(EXAMPLE, rel)) as f:
            return yaml.safe_load(f)

    def test_bindings_and_placeholders_resolve(self):
        pipeline = self.load("pipeline.yml")
        self.assertEqual(pipeline["type"], "pipeline")
        self.assertEqual(pipeline["experiment_name"], "compare-models")
        self.assertNotIn("environment", json.dumps(pipeline))
        jobs = pipeline["jobs"]
        outputs_of = {}
        for name, job in jobs.items():
            self.assertEqual(job["type"], "command", name)
            if "component" in job:
                comp = self.load(job["component"])
                code = os.path.join(os.path.dirname(job["component"]), comp["code"])
                declared_in = set(comp["inputs"])
                declared_out = set(comp["outputs"])
                command = comp["command"]
                for key, spec in comp["inputs"].items():
                    if "default" not in spec and not spec.get("optional") \
                            and spec["type"] not in ("uri_folder", "uri_file", "mltable"):
                        self.assertIn(key, job["inputs"], name)
                self.assertTrue(set(job["inputs"]) <= declared_in, name)
            else:
                code = job["code"]
                declared_in = set(job.get("inputs", {}))
                declared_out = set(job.get("outputs", {}))
                command = job["command"]
            self.assertTrue(os.path.isdir(os.path.join(EXAMPLE, code)), name)
            script = re.match(r"python (\S+)", command).group(1)
            self.assertTrue(os.path.isfile(os.path.join(EXAMPLE, code, script)), name)
            for kind, key in PLACEHOLDER.findall(command):
                self.assertIn(key, declared_in if kind == "inputs" else declared_out,
                              "%s: ${{%s.%s}}" % (name, kind, key))
            outputs_of[name] = declared_out
        for name, job in jobs.items():
            for key, value in list(job.get("inputs", {}).items()) + \
                    list(job.get("outputs", {}).items()):
                m = BINDING.match(str(value))
                if not m:
                    continue
                ns, rest = m.groups()
                if ns == "jobs":
                    producer, _, output = rest.split(".")
                    self.assertIn(output, outputs_of[producer], "%s.%s" % (name, key))
                else:
                    self.assertIn(rest, pipeline[ns], "%s.%s" % (name, key))


if __name__ == "__main__":
    unittest.main()
