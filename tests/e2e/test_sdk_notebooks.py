"""More scripts modeled on the Azure ML v1 pipeline sample notebooks (tests/e2e/notebooks/<name>/
pipeline.py, the notebook's code cells in order in our own words, small local data instead of
downloads), run unchanged against runnel, with the SDK's outcomes checked: statuses, outputs,
reuse. Those of test_notebooks.py are listed in docs/notebook-compat.md."""

import os
import unittest

from e2e_util import SOURCE_DIR, ServerTestBase
from sdk_util import SdkScriptTest

NOTEBOOKS = os.path.join(SOURCE_DIR, "tests", "e2e", "notebooks")


class MoreNotebooksTest(SdkScriptTest):
    def notebook(self, name, script="pipeline.py", **kw):
        self.copy_tree(os.path.join(NOTEBOOKS, name))
        return self.run_script(script, **kw)

    def test_data_dependency_steps(self):
        # intro-to-pipelines/aml-pipelines-with-data-dependency-steps: a DataReference to a file,
        # PipelineData chained through three steps, a Docker/conda RunConfiguration, a DataPath
        # PipelineParameter bound with DataPathComputeBinding, the pipeline built from its last
        # step; then a resubmit with another DataPath and one with the compare cell run again.
        out = self.notebook("data_dependency").stdout
        self.assertIn("compute: cpu-cluster AmlCompute", out)
        for name in ("train.py", "extract.py", "compare.py"):
            self.assertIn("step: %s Finished" % name, out)
        self.assertIn("compare output: 12 of 12 words known", out)
        # The DataPath parameter only changes the compare step; the others are reused.
        self.assertIn("run 2: [('compare.py', 'Finished', False), ('extract.py', 'Finished', True), "
                      "('train.py', 'Finished', True)]", out)
        # The trainStep cell run again with the same PipelineData (a ValueError before): the
        # pipeline built from compareStep pulls in the new train step; nothing changed, all reused.
        self.assertIn("run 3: [('compare.py', 'Finished', True), ('extract.py', 'Finished', True), "
                      "('train.py', 'Finished', True)]", out)


class MoreNotebooksServerTest(SdkScriptTest, ServerTestBase):
    def test_datapath_and_pipeline_parameter(self):
        # intro-to-pipelines/aml-pipelines-showcasing-datapath-and-pipelineparameter, all its
        # cells with `runnel serve` running: submitted with the defaults and with
        # pipeline_parameters, then published with its DataPath PipelineParameter (refused
        # before: NotImplementedError) and triggered over REST with DataPathAssignments, and a
        # datastore-trigger schedule with data_path_parameter_name.
        self.start_server()
        self.copy_tree(os.path.join(NOTEBOOKS, "datapath_parameter"))
        out = self.run_script("pipeline.py").stdout
        for exp, n in (("showcasing-datapath", 1), ("showcasing-datapath", 2), ("MyRestPipeline", 3)):
            self.assertIn("run: %s Finished ['Sample string argument  : sample_string%d', "
                          "'data: sample%d.txt rows of sample %d']" % (exp, n, n, n), out)
        self.assertIn("Created schedule with id: ", out)
        self.assertIn("Status: Disabled", out)


if __name__ == "__main__":
    unittest.main()
