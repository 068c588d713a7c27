"""Pipeline scripts in the style of the Azure ML v1 sample notebooks
(tests/e2e/sdk_samples/) run unchanged: DataReference inputs, PipelineData between
PythonScriptSteps, DataPath pipeline parameters with DataPathComputeBinding."""

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


if __name__ == "__main__":
    unittest.main()
