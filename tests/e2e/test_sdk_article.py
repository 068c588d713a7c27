"""The article's code (tests/e2e/sdk_article/article_pipeline.py: the code blocks of
"Create and run machine learning pipelines", unedited, plus marked glue for what the article
leaves out) runs against a local workspace: it finishes, and a second run reuses every
step. Also: source_directory="." never snapshots .runnel/."""

import os
import re
import unittest

from e2e_util import SOURCE_DIR
from sdk_util import SdkScriptTest

ARTICLE = os.path.join(SOURCE_DIR, "tests", "e2e", "sdk_article")


class ArticleTest(SdkScriptTest):
    def one_step_script(self, name, step_kwargs, submit):
        """Writes an SDK script that builds `step` from `step_kwargs` and runs `submit`."""
        with open(os.path.join(self.ws, name), "w") as f:
            f.write("from azureml.core import Workspace, Experiment\n"
                    "from azureml.pipeline.core import Pipeline\n"
                    "from azureml.pipeline.steps import PythonScriptStep\n"
                    "ws = Workspace.from_config()\n"
                    "step = PythonScriptStep(%s)\n%s\n" % (step_kwargs, submit))

    def test_article_runs_unchanged_then_reuses(self):
        self.copy_tree(ARTICLE)
        first = self.run_script("article_pipeline.py")
        self.assertIn("Creating a new compute target...", first.stdout)
        self.assertIn("'maxNodeCount': 4", first.stdout)
        self.assertRegex(first.stdout, r"PipelineRunId: \S+")
        self.assertIn("PipelineRun Status: Finished", first.stdout)
        steps = self.latest_steps()
        self.assertEqual(set(steps), {"prepare.py", "train.py", "compare.py"})
        for name, s in steps.items():
            self.assertEqual(s["status"], "Finished", name)
        # The compute target the article created is a local target with 4 slots.
        p = self.runnel("compute", "show", "aml-compute")
        self.assertIn('"max_nodes": 4', p.stdout)
        self.assertIn('"vm_size": "STANDARD_NC6"', p.stdout)
        report = [os.path.join(d, f) for d, _s, fs in os.walk(self.datastore()) for f in fs if f == "report.md"]
        self.assertEqual(len(report), 1)
        with open(report[0]) as f:
            self.assertRegex(f.read(), r"mean_words=4\.")

        second = self.run_script("article_pipeline.py")
        self.assertIn("Found compute target: aml-compute", second.stdout)
        self.assertIn("PipelineRun Status: Finished", second.stdout)
        steps2 = self.latest_steps()
        for name, s in steps2.items():
            self.assertEqual(s["status"], "Reused", name)
            self.assertEqual(s["fingerprint"], steps[name]["fingerprint"], name)
        self.assertEqual(len(re.findall(r"reused run", second.stdout)), 3)

    def test_source_directory_dot_never_snapshots_runnel_dir(self):
        with open(os.path.join(self.ws, "list.py"), "w") as f:
            f.write("import os\nprint(sorted(os.listdir('.')))\nassert '.runnel' not in os.listdir('.')\n")
        self.one_step_script("pipe.py", "script_name='list.py', source_directory='.'",
                             "Experiment(ws, 'dot').submit(Pipeline(ws, [step])).wait_for_completion()")
        self.run_script("pipe.py")
        self.assertEqual(self.latest_steps()["list.py"]["status"], "Finished")

    def test_script_exiting_early_leaves_a_finished_run(self):
        with open(os.path.join(self.ws, "slow.py"), "w") as f:
            f.write("import time\ntime.sleep(2)\nprint('done')\n")
        self.one_step_script("submit_only.py", "script_name='slow.py', source_directory='.', allow_reuse=False",
                             "run = Experiment(ws, 'early').submit(Pipeline(ws, [step]))\n"
                             "print('submitted', run.id, run.get_status())")
        p = self.run_script("submit_only.py")
        self.assertIn("submitted", p.stdout)
        self.assertIn("waiting for PipelineRun", p.stderr)
        self.assertEqual(self.show()["status"], "Finished")


if __name__ == "__main__":
    unittest.main()
