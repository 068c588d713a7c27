"""The C++ SDK demo (examples/compare-models/compare_models.cc, built as `compare_models`)
run end to end in a fresh workspace: it exits 0, every step finishes, the report exists,
and a second run reuses every step and gives the same report."""

import json
import os
import subprocess
import unittest

from e2e_util import SOURCE_DIR, WorkspaceTest, clean_env, has_sklearn

BINARY_DIR = os.environ.get("RUNNEL_BINARY_DIR", os.path.join(SOURCE_DIR, "build"))
DEMO = os.path.join(BINARY_DIR, "compare_models")
EXAMPLE = os.path.join(SOURCE_DIR, "examples", "compare-models")
ALL_STEPS = ("prep", "train_lr", "train_rf", "train_gb", "train_svm", "compare")


@unittest.skipUnless(has_sklearn(), "/usr/bin/python3 lacks sklearn/pandas; "
                     "install python3-sklearn python3-pandas to run the C++ demo")
class CppDemoTest(WorkspaceTest):

    def run_demo(self):
        p = subprocess.run([DEMO], cwd=EXAMPLE, env=clean_env(RUNNEL_WORKSPACE=self.ws),
                           capture_output=True, text=True, timeout=200)
        self.assertEqual(p.returncode, 0, "compare_models: exit %d\nstdout:\n%s\nstderr:\n%s"
                         % (p.returncode, p.stdout, p.stderr))
        reports = [l.split(": ", 1)[1] for l in p.stdout.splitlines() if l.startswith("report: ")]
        self.assertEqual(len(reports), 1, p.stdout)
        return p, reports[0]

    def test_demo_runs_and_reuses(self):
        self.assertTrue(os.access(DEMO, os.X_OK), "compare_models not built at " + DEMO)
        _, report = self.run_demo()
        with open(report) as f:
            text = f.read()
        for model in ("logistic_regression", "random_forest", "gradient_boosting", "svm"):
            self.assertIn(model, text)
        run = self.show()
        self.assertEqual(run["status"], "Finished")
        self.assertEqual(run["experiment"], "compare-models-cpp")
        self.assertEqual(sorted(s["name"] for s in run["steps"]), sorted(ALL_STEPS))
        for s in run["steps"]:
            self.assertEqual(s["status"], "Finished", json.dumps(s))
        # The same pipeline again: every step reused, same report content.
        _, report2 = self.run_demo()
        with open(report2) as f:
            self.assertEqual(f.read(), text)
        self.assertEqual({s["status"] for s in self.show()["steps"]}, {"Reused"})


if __name__ == "__main__":
    unittest.main()
