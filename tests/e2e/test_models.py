"""`runnel model create|list|show|download|archive|restore`, the `az ml model` verbs: models
from local files, from a job's files (azureml://jobs/ID/outputs/artifacts/paths/P, runs:/ID/P)
and named outputs (azureml://jobs/ID/outputs/NAME), kept where the SDK's Model.register keeps
them, so a pipeline's `path: azureml:NAME:V` and Model(ws, NAME) find them; and MLflow's
log_model(registered_model_name=...) in a step registering one."""

import json
import os
import subprocess

from e2e_util import PYTHON, WorkspaceTest, clean_env, read

TRAIN = """
$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
type: command
command: >-
  mkdir -p outputs/model && echo "weights ${{inputs.lr}}" > outputs/model/w.txt &&
  echo "named ${{inputs.lr}}" > ${{outputs.best}}/w.txt
inputs:
  lr: 0.1
outputs:
  best:
    type: custom_model
"""

SCORE = """
type: pipeline
jobs:
  score:
    type: command
    inputs:
      m:
        type: custom_model
        path: azureml:%s
    command: cat ${{inputs.m}}/w.txt > ${{outputs.o}}/got.txt
    outputs:
      o: {type: uri_folder}
"""


class ModelCliTest(WorkspaceTest):
    def model(self, *args, expect=0):
        p = self.runnel("model", *args)
        self.assertEqual(p.returncode, expect, p.stdout + p.stderr)
        return p

    def job_id(self):
        p = self.runnel("job", "list", "--query", "[0].name", "-o", "tsv")
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def scored(self, ref):
        self.run_pipeline(self.write("score_%s.yml" % ref.replace(":", "_"), SCORE % ref))
        return read(os.path.join(self.steps()["score"]["outputs"]["o"], "got.txt")).strip()

    def test_models_from_a_jobs_files_and_outputs_feed_a_pipeline(self):
        self.run_pipeline(self.write("train.yml", TRAIN))
        job = self.job_id()
        p = self.model("create", "--name", "clf", "--path",
                       "azureml://jobs/%s/outputs/artifacts/paths/model/" % job, "--type", "mlflow_model")
        self.assertIn("Registered model clf:1 (mlflow_model)", p.stdout)
        self.model("create", "-n", "clf", "--path", "azureml://jobs/%s/outputs/best" % job)
        self.model("create", "-n", "clf", "--path", "runs:/%s/model" % job)
        self.assertEqual(self.scored("clf:1"), "weights 0.1")
        self.assertEqual(self.scored("clf:2"), "named 0.1")
        self.assertEqual(self.scored("clf@latest"), "weights 0.1")
        show = json.loads(self.model("show", "-n", "clf", "-v", "1").stdout)
        self.assertEqual((show["type"], show["version"], show["id"]), ("mlflow_model", "1", "azureml:clf:1"))
        self.assertTrue(show["job_name"])
        # A job that has no such output or file: the error names what is there.
        p = self.model("create", "-n", "clf", "--path", "azureml://jobs/%s/outputs/nope" % job, expect=2)
        self.assertIn("no step of job %s has an output 'nope'" % job, p.stderr)
        p = self.model("create", "-n", "x", "--path", "runs:/no-such-job/model", expect=2)
        self.assertIn("no job 'no-such-job'", p.stderr)

    def test_a_model_file_versions_list_show_download_and_archive(self):
        self.write("m/model.pkl", "pickle")
        path = self.write("model.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/model.schema.json
            name: local-file-example
            path: m/model.pkl
            description: Model created from local file.
            version: 3
            tags: {stage: dev}
            """)
        self.assertIn("Registered model local-file-example:3", self.model("create", "-f", path).stdout)
        p = self.model("create", "-f", path, expect=2)
        self.assertIn("model local-file-example:3 exists (versions are immutable)", p.stderr)
        self.model("create", "-f", path, "--set", "version=4", "--set", "description=again")
        p = self.model("create", "-f", path, "--set", "type=custom_modle", "--set", "version=5", expect=2)
        self.assertIn("did you mean 'custom_model'", p.stderr)
        p = self.model("create", "-f", self.write("bad.yml", "name: b\npath: m\nflavour: x\n"), expect=2)
        self.assertIn("unknown key 'flavour'", p.stderr)
        rows = json.loads(self.model("list", "-n", "local-file-example", "-o", "json").stdout)
        self.assertEqual([r["version"] for r in rows], ["4", "3"])
        self.assertEqual(rows[1]["tags"], {"stage": "dev"})
        self.assertIn("local-file-example  4", self.model("list").stdout)
        self.model("download", "-n", "local-file-example", "-v", "3", "-p", os.path.join(self.dir, "dl"))
        self.assertEqual(read(os.path.join(self.dir, "dl", "local-file-example", "model.pkl")), "pickle")
        self.model("archive", "-n", "local-file-example", "-v", "4")
        self.assertEqual(json.loads(self.model("show", "-n", "local-file-example").stdout)["version"], "3")
        self.assertNotIn("  4 ", self.model("list", "-n", "local-file-example").stdout)
        self.model("restore", "-n", "local-file-example", "-v", "4")
        self.assertEqual(json.loads(self.model("show", "-n", "local-file-example").stdout)["version"], "4")
        p = self.model("show", "-n", "nothing", expect=2)
        self.assertIn("no model 'nothing'", p.stderr)
        self.assertIn("local-file-example", p.stderr)

    def test_the_sdk_and_mlflow_see_the_same_models(self):
        from sdk_util import PYTHON_PKG, native_built
        self.assertTrue(native_built(), "runnel's native module is not built (target runnel_python)")
        self.write("src/train.py", """
            import mlflow
            import mlflow.sklearn
            with mlflow.start_run():
                mlflow.log_metric("acc", 0.5)
                mlflow.sklearn.log_model({"w": 1}, "model", registered_model_name="from-mlflow")
            """)
        path = self.write("mljob.yml", """
            type: command
            code: src
            command: python train.py
            """)
        self.run_pipeline(path)
        show = json.loads(self.model("show", "-n", "from-mlflow").stdout)
        self.assertEqual((show["type"], show["version"]), ("mlflow_model", "1"))
        self.assertTrue(os.path.exists(os.path.join(show["path"], "MLmodel")))
        self.model("create", "-n", "from-mlflow", "--path", self.write("f.txt", "x"))
        script = self.write("ws/sdk_models.py", """
            from azureml.core import Workspace
            from azureml.core.model import Model
            ws = Workspace.from_config()
            m = Model(ws, "from-mlflow")
            print("SDK", m.version, sorted(x.version for x in Model.list(ws, name="from-mlflow")))
            """)
        p = subprocess.run([PYTHON, script], cwd=self.ws, capture_output=True, text=True, timeout=120,
                           env=clean_env(PYTHONPATH=PYTHON_PKG, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("SDK 2 [1, 2]", p.stdout)


class StandaloneJobInputsTest(WorkspaceTest):
    def test_set_inputs_of_a_command_job_file(self):
        # az ml job create -f job.yml --set inputs.lr=0.5: a command job's own inputs.
        path = self.write("train.yml", TRAIN)
        self.run_pipeline(path)
        first = self.steps()["train"]["run_id"]
        p = self.runnel("job", "create", "-f", path, "--set", "inputs.lr=0.5", "--stream")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(read(os.path.join(self.steps()["train"]["outputs"]["best"], "w.txt")).strip(), "named 0.5")
        p = self.run_pipeline(path)  # the file's value again: the first run is reused
        self.assertEqual(self.steps()["train"]["reused_run_id"], first)
        p = self.runnel("job", "create", "-f", path, "--set", "inputs.rate=1", "--stream")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("'rate' is not a parameter of this pipeline (parameters: lr)", p.stderr)


class NamedOutputsTest(WorkspaceTest):
    PIPELINE = """
        type: pipeline
        jobs:
          train:
            type: command
            command: echo %s > ${{outputs.model}}/w.txt; echo d > ${{outputs.data}}/d.txt
            outputs:
              model:
                type: mlflow_model
                name: reg-model
                %s
              data:
                type: uri_folder
                name: reg-data
                version: 3
        """

    def test_a_named_model_output_is_a_model_and_version_is_honoured(self):
        path = self.write("p.yml", self.PIPELINE % ("w1", "version: 5"))
        self.run_pipeline(path)
        show = json.loads(self.runnel("model", "show", "-n", "reg-model").stdout)
        self.assertEqual((show["version"], show["type"]), ("5", "mlflow_model"))
        self.assertEqual(read(os.path.join(show["path"], "w.txt")).strip(), "w1")
        data = json.loads(self.runnel("data", "show", "-n", "reg-data").stdout)
        self.assertEqual((data["version"], data["type"]), (3, "uri_folder"))
        # Other files under the same fixed version: refused (versions are immutable).
        self.write("p.yml", self.PIPELINE % ("w2", "version: 5"))
        p = self.run_pipeline(path, expect=1)
        self.assertIn("model reg-model:5 exists (versions are immutable)", p.stdout + p.stderr)
        # Without a version: the next one, and none for a rerun that makes the same files.
        self.write("p.yml", self.PIPELINE % ("w2", ""))
        self.run_pipeline(path, "--regenerate-outputs")
        self.run_pipeline(path, "--regenerate-outputs")
        rows = json.loads(self.runnel("model", "list", "-n", "reg-model", "-o", "json").stdout)
        self.assertEqual([r["version"] for r in rows], ["6", "5"])
        self.assertEqual(self.runnel("model", "list", "-o", "json").stdout.count('"name"'), 1)
