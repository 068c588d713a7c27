"""The compare-models demo in its three forms -- pipeline.yml (CLI), compare_models.cc
(C++ SDK) and compare_models.py (Python SDK) -- builds the same pipeline: every step has
the same fingerprint, so a later form reuses what an earlier one computed.

The YAML form is compared in test_sdk_compare_yaml.py (the engine fingerprints the rendered
command, so `--seed ${{inputs.seed}}` with seed 42 and the SDKs' `--seed 42` agree)."""

import os
import subprocess
import unittest

from e2e_util import RUNNEL, SOURCE_DIR, clean_env, has_sklearn
from sdk_util import SdkScriptTest

EXAMPLE = os.path.join(SOURCE_DIR, "examples", "compare-models")
CPP_DEMO = os.path.join(os.path.dirname(RUNNEL), "compare_models")


@unittest.skipUnless(has_sklearn(), "scikit-learn/pandas not installed for /usr/bin/python3")
class CompareFormsTest(SdkScriptTest):
    def fingerprints(self):
        return {n: s["fingerprint"] for n, s in self.latest_steps().items()}

    def run_python_form(self):
        py = self.run_script(os.path.join(EXAMPLE, "compare_models.py"), self.ws, cwd=EXAMPLE, timeout=600)
        self.assertIn("PipelineRun Status: Finished", py.stdout)
        self.assertIn("report:", py.stdout)
        fps = self.fingerprints()
        self.assertEqual(set(fps), {"prep", "train_lr", "train_rf", "train_gb", "train_svm", "compare"})
        return fps

    def assert_all_reused(self):
        for name, s in self.latest_steps().items():
            self.assertEqual(s["status"], "Reused", name)

    def test_python_and_cpp_same_fingerprints(self):
        self.assertTrue(os.access(CPP_DEMO, os.X_OK), "C++ demo not built at %s" % CPP_DEMO)
        from_python = self.run_python_form()
        p = subprocess.run([CPP_DEMO, self.ws], cwd=EXAMPLE, env=clean_env(), capture_output=True,
                           text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(self.fingerprints(), from_python)
        self.assert_all_reused()


if __name__ == "__main__":
    unittest.main()
