"""Pipeline scripts in the style of the Azure ML v1 sample notebooks
(tests/e2e/sdk_samples/) run unchanged: DataReference inputs, PipelineData between
PythonScriptSteps, DataPath pipeline parameters with DataPathComputeBinding, outputs read as
TabularDatasets (as_dataset().parse_delimited_files(), read_delimited_files()), filter
expressions, saved run configurations and the v1 pipeline YAML (Pipeline.load_yaml)."""

import hashlib
import json
import os
import unittest

from e2e_util import SOURCE_DIR
from sdk_util import SdkScriptTest

SAMPLES = os.path.join(SOURCE_DIR, "tests", "e2e", "sdk_samples")


class SamplesTest(SdkScriptTest):
    def test_data_dependency(self):
        self.copy_tree(SAMPLES)
        p = self.run_script("data_dependency.py")
        self.assertIn("Simple validation complete", p.stdout)
        for name in ("train.py", "extract.py", "compare.py"):
            self.assertIn("Script: %s status: Finished" % name, p.stdout)
        out = [os.path.join(d, f) for d, _s, fs in os.walk(self.datastore()) for f in fs if f == "compare.txt"]
        self.assertEqual(len(out), 1)
        with open(out[0]) as f:
            self.assertEqual(f.read(), "words=12 unique=9\n")

    def test_datapath_and_parameters(self):
        self.copy_tree(SAMPLES)
        p = self.run_script("datapath_and_parameters.py")
        self.assertIn("Creating a new compute target...", p.stdout)
        self.assertIn("train_step Finished {'arg1': 'sample_string1', 'rows': 3}", p.stdout)
        self.assertIn("train_step Finished {'arg1': 'sample_string3', 'rows': 2}", p.stdout)
        p2 = self.run_script("datapath_and_parameters.py")
        self.assertIn("Found existing compute target", p2.stdout)
        self.assertEqual(self.latest_steps()["train_step"]["status"], "Reused")

    def test_secrets_from_the_workspace_key_vault(self):
        self.copy_tree(SAMPLES)
        secret = "s3cr3t-" + os.urandom(6).hex()
        p = self.run_script("secrets_pipeline.py", env={"SAMPLE_SECRET": secret})
        self.assertIn("secrets: ['api-key', 'db-password']", p.stdout)
        self.assertIn("status: Finished", p.stdout)
        path = os.path.join(self.ws, ".runnel", "secrets.json")
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        digest = [os.path.join(d, f) for d, _s, fs in os.walk(self.datastore()) for f in fs if f == "digest.txt"]
        self.assertEqual(len(digest), 1)
        with open(digest[0]) as f:
            self.assertEqual(f.read(), hashlib.sha256(secret.encode()).hexdigest() + "\napi-key=True not-set=None\n")
        logs = self.steps("latest")["use_secret.py"]["stdout"]
        with open(logs) as f:
            text = f.read()
        self.assertIn("missing: UserErrorException there is no secret named 'missing-one'", text)
        self.assertIn("read %d characters" % len(secret), text)
        # The value is in no log, no metadata, no output but the secrets file itself.
        for d, _s, fs in os.walk(self.ws):
            for name in fs:
                full = os.path.join(d, name)
                if full == path or os.path.islink(full):
                    continue
                with open(full, "rb") as f:
                    self.assertNotIn(secret.encode(), f.read(), full)

    def test_interactive_logging_with_start_logging(self):
        self.copy_tree(SAMPLES)
        p = self.run_script("interactive_logging.py")
        for line in ("started: Running", "metrics while running: ['alpha', 'loss', 'scores']",
                     "after complete: Completed", "loss series: [0.9, 0.5, 0.3]", "block: Completed", "raised: Failed", "leaving one open"):
            self.assertIn(line, p.stdout)
        listed = self.runnel("runs", "list", "--output", "json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        runs = {d["steps"][0]["name"]: d for d in (self.show(r["run_id"]) for r in json.loads(listed.stdout))}
        self.assertEqual(len(runs), 4, sorted(runs))
        self.assertEqual(runs["interactive"]["status"], "Finished")
        m = runs["interactive"]["steps"][0]["metrics"]
        self.assertEqual((m["loss"], m["alpha"]), (0.3, 0.03))  # runs show: a scalar's last value
        self.assertEqual(runs["in-a-block"]["status"], "Finished")
        self.assertEqual(runs["raises"]["status"], "Failed")
        self.assertEqual(runs["left-open"]["status"], "Failed")
        with open(runs["left-open"]["steps"][0]["stderr"]) as f:
            self.assertIn("ended without run.complete()", f.read())

    def test_tabular_transformations_reach_the_step(self):
        self.copy_tree(SAMPLES)
        p = self.run_script("tabular_prep.py")
        for line in ("uploaded: ['rides.csv']", "split: 30 10", "train columns: ['distance', 'fare']",
                     "skip/take_sample: 10 True", "registered: vendor_summary 1 (2, 2)", "status: Finished"):
            self.assertIn(line, p.stdout)
        step = self.steps("latest")["fit"]
        with open(step["stdout"]) as f:
            out = f.read()
        self.assertIn("train rows 30 columns ['distance', 'fare'] test rows 10", out)
        # The step saw the very test rows the notebook split off (seeded: the same every time).
        import pandas as pd
        df = pd.read_csv(os.path.join(SAMPLES, "tabular_data", "rides.csv"))
        test_rows = sorted(set(df["ride"]) - set(df.sample(frac=0.75, random_state=7)["ride"]))
        self.assertIn("rides seen %s" % test_rows, out)
        self.assertEqual(step["metrics"]["slope"], 2.973)
        # Unchanged split, unchanged content: the step is reused on a second run.
        self.run_script("tabular_prep.py")
        self.assertEqual(self.steps("latest")["fit"]["status"], "Reused")

    def test_taxi_pipeline_passes_outputs_as_tabular_datasets(self):
        self.copy_tree(SAMPLES)
        p = self.run_script("taxi_pipeline.py")
        for line in ("green rows with passengers: 18", "pip packages: ['azureml-sdk', 'pyarrow']",
                     "Pipeline is built", "status: Finished", "metrics: ['rows', 'slope']",
                     "runconfig files: ['conda_dependencies.yml', 'taxi.runconfig']"):
            self.assertIn(line, p.stdout)
        steps = self.steps("latest")
        logs = {}
        for name in ("Merge Taxi Data", "Filter Taxi Data", "Train Model"):
            with open(steps[name]["stdout"]) as f:
                logs[name] = f.read()
        # The merge step got each cleansed output as a TabularDataset, the train step only the
        # columns kept, and the bad fares were filtered out before it.
        self.assertIn("inputs: TabularDataset 18 24", logs["Merge Taxi Data"])
        self.assertIn("filter kept 41 of 42 rows", logs["Filter Taxi Data"])
        self.assertIn("train columns ['distance', 'cost'] rows 41", logs["Train Model"])
        self.assertEqual(steps["Train Model"]["metrics"], {"rows": 41, "slope": 2.5})
        # Unchanged data and code: every step is reused the second time.
        self.run_script("taxi_pipeline.py")
        self.assertEqual({s["status"] for s in self.steps("latest").values()}, {"Reused"})

    def test_v1_pipeline_yaml_loaded_and_run(self):
        self.copy_tree(SAMPLES)
        p = self.run_script("pipeline_from_yaml.py")
        for line in ("steps: ['select', 'summarize']", "Pipeline validated", "status: Finished",
                     "summary: {'trips': 18, 'unit': 'USD'}"):
            self.assertIn(line, p.stdout)
        with open(self.steps("latest")["select"]["stdout"]) as f:
            self.assertIn("raw folder: ['green.csv']", f.read())


if __name__ == "__main__":
    unittest.main()
