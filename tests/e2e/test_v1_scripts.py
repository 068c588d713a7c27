"""Step scripts written for Azure ML v1 run unchanged: Run.get_context(), the experiment's
workspace, Dataset.get_by_name(...).to_pandas_dataframe(), run.log and run.parent.log."""
import json
import os
import unittest

from e2e_util import WorkspaceTest, has_sklearn

SCRIPT = """\
import argparse, os
from azureml.core import Run, Dataset
parser = argparse.ArgumentParser()
parser.add_argument("--output", type=str)
args = parser.parse_args()
run = Run.get_context()
ws = run.experiment.workspace
df = Dataset.get_by_name(ws, name="people").to_pandas_dataframe()
files = Dataset.get_by_name(ws, "people", version=1).to_path()
print("rows", len(df), "files", files)
run.log("rows", len(df))
run.log("mean_age", float(df["age"].mean()))
os.makedirs(args.output, exist_ok=True)
df.to_csv(os.path.join(args.output, "copy.csv"), index=False)
run.parent.log("scored", 1)
run.complete()
"""

PIPELINE = """\
type: pipeline
jobs:
  score:
    type: command
    code: ./v1
    command: python score.py --output ${{outputs.out}}
    outputs: {out: {type: uri_folder}}
"""


class V1ScriptTest(WorkspaceTest):
    def test_dataset_get_by_name_in_a_v1_script(self):
        if not has_sklearn():  # pandas comes with the same Debian packages
            self.skipTest("/usr/bin/python3 lacks pandas (apt-get install python3-pandas)")
        self.write("people.csv", "name,age\nann,30\nbob,40\ncid,50\n")
        p = self.runnel("dataset", "register", "people", "--tabular", os.path.join(self.dir, "people.csv"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.write("v1/score.py", SCRIPT)
        self.run_pipeline(self.write("p.yml", PIPELINE))
        p = self.runnel("metrics", "latest", "--output", "json")
        metrics = json.loads(p.stdout)
        self.assertEqual(metrics["score"]["rows"], 3)
        self.assertAlmostEqual(metrics["score"]["mean_age"], 40.0)
        self.assertEqual(metrics["(pipeline)"]["scored"], 1)

    def test_unknown_dataset_is_a_clear_error_in_the_step_log(self):
        self.write("v1/score.py", SCRIPT)
        p = self.runnel("run", self.write("p.yml", PIPELINE))
        self.assertEqual(p.returncode, 1)
        self.assertIn("no dataset 'people' is registered", p.stdout)


if __name__ == "__main__":
    unittest.main()
