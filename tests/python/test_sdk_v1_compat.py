"""What scripts written for the Azure ML v1 SDK rely on, checked against the SDK's own
behaviour: the exception classes it raises for missing entities, write_config/from_config
with .azureml/config.json, PipelineRun.get_steps()/find_step_run/get_children and StepRun's
logs and outputs, the curated environments, one PipelineData used by pipelines built one
after another, and Experiment.submit / get_runs keywords.

Run: /usr/bin/python3 -m unittest test_sdk_v1_compat   (needs the native module)
"""

import io
import json
import os
import unittest
from contextlib import redirect_stderr, redirect_stdout

import helpers  # noqa: F401  (puts python/ on sys.path)
import test_sdk

import runnel
from azureml.core import ComputeTarget, Dataset, Environment, Experiment, Run, Workspace
from azureml.core.model import Model
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.steps import PythonScriptStep

errors = runnel.errors


class MissingEntitiesTest(test_sdk.SdkTestBase):
    def test_the_sdks_exception_names_import(self):
        from azureml.exceptions import (ActivityFailedException, AuthenticationException, AzureMLException,
                                        ComputeTargetException, ExperimentExecutionException,
                                        ProjectSystemException, RunConfigurationException, ServiceException,
                                        UserErrorException, WebserviceException)
        for cls in (ActivityFailedException, AuthenticationException, ComputeTargetException,
                    ExperimentExecutionException, ProjectSystemException, RunConfigurationException,
                    ServiceException, UserErrorException, WebserviceException):
            self.assertTrue(issubclass(cls, AzureMLException), cls)

    def test_a_missing_workspace_raises_what_the_sdk_raises(self):
        from azureml.exceptions import ProjectSystemException, UserErrorException
        empty = os.path.join(self.root, "empty")
        os.makedirs(empty)
        os.chdir(empty)
        # from_config: UserErrorException (the SDK's "could not find config.json").
        with self.assertRaises(UserErrorException) as e:
            Workspace.from_config()
        self.assertIsInstance(e.exception, errors.NotFoundError)  # and runnel's, as before
        self.assertIn("runnel init", e.exception.message)
        # Workspace(...) and Workspace.get of one that does not exist: ProjectSystemException.
        with self.assertRaises(ProjectSystemException):
            Workspace("sub", "rg", "nowhere")
        with self.assertRaises(ProjectSystemException) as e:
            Workspace.get("nowhere", subscription_id="sub", resource_group="rg")
        self.assertIsInstance(e.exception, LookupError)
        # The notebooks' get-or-create cell.
        try:
            ws = Workspace(subscription_id="sub", resource_group="rg", workspace_name="made")
        except ProjectSystemException:
            with redirect_stdout(io.StringIO()):
                ws = Workspace.create(name="made", subscription_id="sub", resource_group="rg")
        self.assertEqual(ws.path, empty)
        self.assertEqual(Workspace("sub", "rg", "made").path, empty)

    def test_missing_compute_model_and_dataset_raise_the_sdks_classes(self):
        from azureml.exceptions import ComputeTargetException, UserErrorException, WebserviceException
        with self.assertRaises(ComputeTargetException) as e:
            ComputeTarget(self.ws, "cpu-cluster")
        self.assertIn("ComputeTargetNotFound", e.exception.message)  # what notebooks test for
        with self.assertRaises(WebserviceException) as e:
            Model(self.ws, "no-model")
        self.assertIn("ModelNotFound", e.exception.message)
        self.assertIsInstance(e.exception, LookupError)
        with self.assertRaises(UserErrorException) as e:
            Dataset.get_by_name(self.ws, "no-data")
        self.assertIn('Cannot find dataset registered with name "no-data"', e.exception.message)
        self.assertIsInstance(e.exception, errors.NotFoundError)
        with self.assertRaisesRegex(UserErrorException, r'name "no-data" \(version: 2\)'):
            Dataset.get_by_name(self.ws, "no-data", version=2)
        # The step side (no native module) says the same.
        from runnel.dataset import Dataset as StepDataset
        from runnel.dataset import DatasetError
        with self.assertRaises(UserErrorException) as e:
            StepDataset.get_by_name(self.ws.path, "no-data")
        self.assertIn('Cannot find dataset registered with name "no-data"', e.exception.message)
        self.assertIsInstance(e.exception, DatasetError)  # what the step side raised before


class WriteConfigTest(test_sdk.SdkTestBase):
    def read(self, path):
        with open(path) as f:
            return json.load(f)

    def test_write_config_writes_azureml_config_json_in_the_current_folder(self):
        notebooks = os.path.join(self.root, "notebooks")
        os.makedirs(os.path.join(notebooks, "part1"))
        ws = Workspace("sub-1", "rg-1", "unit")  # found from the workspace folder (the current one)
        os.chdir(notebooks)
        path = ws.write_config()
        self.assertEqual(path, os.path.join(notebooks, ".azureml", "config.json"))
        cfg = self.read(path)
        self.assertEqual({k: cfg[k] for k in ("subscription_id", "resource_group", "workspace_name")},
                         {"subscription_id": "sub-1", "resource_group": "rg-1", "workspace_name": "unit"})
        # From a notebook folder outside the workspace, and from below it (the SDK searches up).
        for where in (notebooks, os.path.join(notebooks, "part1")):
            os.chdir(where)
            found = Workspace.from_config()
            self.assertEqual((found.path, found.subscription_id, found.resource_group, found.name),
                             (self.ws.path, "sub-1", "rg-1", "unit"))
            self.assertEqual(Workspace("sub-1", "rg-1", "unit").path, self.ws.path)
        self.assertEqual(Workspace.from_config(path=path).path, self.ws.path)
        self.assertEqual(Workspace.from_config(path=os.path.join(notebooks, "part1")).path, self.ws.path)

    def test_path_and_file_name(self):
        out = os.path.join(self.root, "elsewhere")
        path = self.ws.write_config(path=out, file_name="ws")
        self.assertEqual(path, os.path.join(out, ".azureml", "ws.json"))  # ".json" added, as the SDK does
        self.assertEqual(Workspace.from_config(path=out, _file_name="ws.json").path, self.ws.path)
        os.chdir(self.ws.path)
        self.ws.write_config()
        self.assertEqual(self.read(os.path.join(self.ws.path, ".azureml", "config.json"))["workspace_name"], "unit")
        os.makedirs(os.path.join(self.ws.path, "src", "deep"))
        os.chdir(os.path.join(self.ws.path, "src", "deep"))
        self.assertEqual(Workspace.from_config().path, self.ws.path)

    def test_a_config_naming_a_folder_without_a_workspace_says_so(self):
        from azureml.exceptions import UserErrorException
        out = os.path.join(self.root, "nb")
        path = self.ws.write_config(path=out)
        cfg = self.read(path)
        cfg["runnel_workspace"] = "../gone"
        with open(path, "w") as f:
            json.dump(cfg, f)
        with self.assertRaisesRegex(UserErrorException, "holds no .runnel/ folder") as e:
            Workspace.from_config(path=out)
        self.assertIn(path, str(e.exception))

    def test_the_nearest_config_names_the_workspace(self):
        # A config.json of Azure's (no runnel key) in a folder of the workspace gives its names.
        sub = os.path.join(self.ws.path, "project")
        os.makedirs(sub)
        with open(os.path.join(sub, "config.json"), "w") as f:
            json.dump({"subscription_id": "s2", "resource_group": "r2", "workspace_name": "w2"}, f)
        os.chdir(sub)
        ws = Workspace.from_config()
        self.assertEqual((ws.path, ws.name, ws.subscription_id), (self.ws.path, "w2", "s2"))


class CuratedEnvironmentsTest(test_sdk.SdkTestBase):
    def test_list_and_get_have_the_documented_curated_names(self):
        envs = Environment.list(self.ws)
        for n in ("AzureML-Minimal", "AzureML-Tutorial", "AzureML-sklearn-1.0-ubuntu20.04-py38-cpu",
                  "AzureML-lightgbm-3.2-ubuntu18.04-py37-cpu", "AzureML-pytorch-1.10-ubuntu18.04-py38-cuda11-gpu"):
            self.assertIn(n, envs)
            self.assertTrue(envs[n].python.user_managed_dependencies)
            self.assertIn("host interpreter", envs[n].runnel_note)
        self.assertEqual(set(self.ws.environments), set(envs))
        err = io.StringIO()
        with redirect_stderr(err):
            env = Environment.get(self.ws, "AzureML-Minimal")
            Environment.get(self.ws, "AzureML-Minimal")
        self.assertEqual(env.name, "AzureML-Minimal")
        self.assertEqual(err.getvalue().count("AzureML-Minimal is an Azure ML curated environment"), 1)
        # A registered environment is listed beside them.
        Environment("my-env").register(self.ws)
        self.assertIn("my-env", Environment.list(self.ws))


class StepRunsTest(test_sdk.SdkTestBase):
    def setUp(self):
        super().setUp()
        self.write("src/prep.py", "import argparse, os\nfrom azureml.core import Run\n"
                   "p = argparse.ArgumentParser(); p.add_argument('--out'); p.add_argument('--n', type=int, default=2)\n"
                   "a = p.parse_args(); os.makedirs(a.out, exist_ok=True)\n"
                   "open(os.path.join(a.out, 'rows.txt'), 'w').write(' '.join(str(i) for i in range(a.n)))\n"
                   "Run.get_context().tag('stage', 'prep')\nprint('prep wrote', a.n)\n")
        self.write("src/train.py", "import argparse, os, sys\n"
                   "p = argparse.ArgumentParser(); p.add_argument('--in', dest='inp'); "
                   "p.add_argument('--lr', type=float, default=0.1)\n"
                   "a = p.parse_args(); rows = open(os.path.join(a.inp, 'rows.txt')).read().split()\n"
                   "print('rows', len(rows), 'lr', a.lr); print('to stderr', file=sys.stderr)\n")
        self.ds = self.ws.get_default_datastore()
        self.exp = Experiment(self.ws, "compat")

    def prep(self, d, n=None):
        return PythonScriptStep("prep.py", name="prep", arguments=["--out", d] + (["--n", n] if n else []),
                                outputs=[d], source_directory="src")

    def train(self, d, lr=None):
        return PythonScriptStep("train.py", name="train", arguments=["--in", d] + (["--lr", lr] if lr else []),
                                inputs=[d], source_directory="src")

    def submit(self, steps, **kwargs):
        with redirect_stdout(io.StringIO()):
            run = self.exp.submit(Pipeline(self.ws, steps), **kwargs)
            run.wait_for_completion(show_output=False, raise_on_error=False)
        return run

    def test_get_steps_find_step_run_children_and_step_logs(self):
        d = PipelineData("prepped", datastore=self.ds)
        run = self.submit([self.prep(d), self.train(d)])
        self.assertEqual(run.get_status(), "Finished")
        first = next(run.get_steps())  # a generator in the SDK
        self.assertEqual(first.type, "azureml.StepRun")
        self.assertEqual(sorted(s.name for s in run.get_steps()), ["prep", "train"])
        self.assertEqual(len(run.get_steps()), 2)
        (train,) = run.find_step_run("train")
        self.assertEqual(run.find_step_run("nope"), [])
        # runDefinition: the script and its arguments (data as the step's placeholders).
        definition = train.get_details()["runDefinition"]
        self.assertEqual(definition["script"], "train.py")
        self.assertEqual(definition["arguments"][0], "--in")
        self.assertEqual(train.pipeline_run_id, run.id)
        self.assertIn("rows 2 lr 0.1", train.get_stdout_log())
        self.assertEqual(train.get_stderr_log().strip(), "to stderr")
        logs = train.get_details_with_logs()["logFiles"]
        self.assertIn("rows 2", logs["STDOUT"])
        self.assertIn("to stderr", logs["STDERR"])
        self.assertIn("to stderr", logs["JOBLOG"])
        (prep,) = run.find_step_run("prep")
        out = prep.get_output("prepped")
        self.assertEqual((out.name, out.pipeline_run_id), ("prepped", run.id))
        dest = out.get_port_data_reference().download(os.path.join(self.root, "dl"))
        with open(os.path.join(dest, "rows.txt")) as f:
            self.assertEqual(f.read(), "0 1")
        with self.assertRaises(NotImplementedError):
            prep.complete()
        # get_children filters, as Run.get_children's.
        self.assertEqual([s.name for s in run.get_children(tags={"stage": "prep"})], ["prep"])
        self.assertEqual([s.name for s in run.get_children(tags="stage")], ["prep"])
        self.assertEqual(len(list(run.get_children(status="Finished", type="azureml.StepRun"))), 2)
        self.assertEqual(list(run.get_children(type="azureml.scriptrun")), [])
        self.assertEqual(len(list(run.get_children(recursive=True))), 2)  # no step here has children

    def test_a_script_run_opened_again_is_a_script_run(self):
        # Experiment.submit(ScriptRunConfig) gives a ScriptRun (type azureml.scriptrun); the
        # same run from Run(experiment, id), Run.get and get_runs() was a PipelineRun saying
        # Finished.
        from azureml.core import ScriptRunConfig
        with redirect_stdout(io.StringIO()):
            run = self.exp.submit(ScriptRunConfig(source_directory="src", script="prep.py",
                                                  arguments=["--out", "outputs/rows", "--n", 3]))
            run.wait_for_completion(show_output=False)
            pipeline = self.submit([self.prep(PipelineData("p", datastore=self.ds))])
        for again in (Run(self.exp, run.id), Run.get(self.ws, run.id),
                      next(r for r in self.exp.get_runs() if r.id == run.id)):
            self.assertEqual((type(again).__name__, again.type, again.get_status()),
                             ("ScriptRun", "azureml.scriptrun", "Completed"))
            self.assertNotIn("runnel.run_type", again.get_tags())
            self.assertIn("outputs/rows/rows.txt", again.get_file_names())
        self.assertEqual([r.id for r in self.exp.get_runs(type="azureml.scriptrun")], [run.id])
        self.assertEqual(run.get_details()["runDefinition"]["script"], "prep.py")
        self.assertEqual(run.get_details()["runDefinition"]["arguments"], ["--out", "outputs/rows", "--n", "3"])
        self.assertEqual(Run(self.exp, pipeline.id).type, "azureml.PipelineRun")

    def test_get_children_recursive_includes_the_trials_of_a_sweep(self):
        from azureml.core import ScriptRunConfig
        from azureml.pipeline.steps import HyperDriveStep
        from azureml.train.hyperdrive import GridParameterSampling, HyperDriveConfig, PrimaryMetricGoal, choice
        self.write("hd/train.py", "import argparse\nfrom azureml.core import Run\n"
                   "p = argparse.ArgumentParser(); p.add_argument('--lr', type=float); a = p.parse_args()\n"
                   "Run.get_context().log('acc', a.lr)\n")
        hd = HyperDriveConfig(run_config=ScriptRunConfig(source_directory="hd", script="train.py"),
                              hyperparameter_sampling=GridParameterSampling({"--lr": choice(0.1, 0.2)}),
                              policy=None, primary_metric_name="acc", primary_metric_goal=PrimaryMetricGoal.MAXIMIZE,
                              max_total_runs=2, max_concurrent_runs=2)
        run = self.submit([HyperDriveStep("sweep", hd)])
        self.assertEqual(run.get_status(), "Finished")
        everything = list(run.get_children(recursive=True))
        self.assertEqual([r.type for r in everything], ["azureml.StepRun", "azureml.scriptrun", "azureml.scriptrun"])
        self.assertEqual(len(list(run.get_children())), 1)
        self.assertEqual(len(list(run.get_children(recursive=True, type="azureml.scriptrun"))), 2)

    def test_one_pipeline_data_in_pipelines_built_one_after_another(self):
        # A notebook builds a pipeline, submits it, changes a step (running its cell again
        # with the same PipelineData) and builds the next pipeline.
        d = PipelineData("prepped", datastore=self.ds)
        prep, train = self.prep(d), self.train(d)
        run1 = self.submit([prep, train])
        self.assertEqual(run1.get_status(), "Finished")
        train = self.train(d, lr=0.5)  # the train cell runs again
        run2 = self.submit([prep, train])
        self.assertEqual({s.name: s.reused for s in run2.get_steps()}, {"prep": True, "train": False})
        self.assertIn("rows 2 lr 0.5", run2.find_step_run("train")[0].get_stdout_log())
        prep2 = self.prep(d, n=3)  # the prep cell runs again: the new step produces d
        run3 = self.submit([prep2, train])
        self.assertEqual({s.name: s.reused for s in run3.get_steps()}, {"prep": False, "train": False})
        self.assertIn("rows 3 lr 0.5", run3.find_step_run("train")[0].get_stdout_log())
        # The consumer alone pulls in d's producer: the newest one, reused now.
        run4 = self.submit([train])
        self.assertEqual({s.name: s.reused for s in run4.get_steps()}, {"prep": True, "train": True})
        # Two steps of one pipeline writing the same data: refused, naming both.
        with self.assertRaisesRegex(ValueError, "output of two steps of this pipeline"):
            Pipeline(self.ws, [prep, prep2])._native()

    def test_a_step_gets_azures_run_variables_and_builds_its_workspace_from_them(self):
        # Step scripts written for Azure build their Workspace (or MLClient) from the variables
        # Azure ML sets in each run; they name this workspace, as its config file has it.
        self.write(".azureml/config.json",
                   json.dumps({"subscription_id": "sub-9", "resource_group": "rg-9", "workspace_name": "unit"}))
        self.write("src/scope.py", "import json, os\nfrom azureml.core import Run, Workspace\n"
                   "ws = Workspace(subscription_id=os.environ['AZUREML_ARM_SUBSCRIPTION'],\n"
                   "               resource_group=os.environ['AZUREML_ARM_RESOURCEGROUP'],\n"
                   "               workspace_name=os.environ['AZUREML_ARM_WORKSPACE_NAME'])\n"
                   "run = Run.get_context(); mine = run.experiment.workspace\n"
                   "print('SCOPE', json.dumps({'env': [os.environ[k] for k in ('AZUREML_ARM_SUBSCRIPTION',\n"
                   "    'AZUREML_ARM_RESOURCEGROUP', 'AZUREML_ARM_WORKSPACE_NAME', 'AZUREML_ARM_PROJECT_NAME')],\n"
                   "    'ws': [ws.subscription_id, ws.resource_group, ws.name, ws.path],\n"
                   "    'run': [mine.subscription_id, mine.resource_group, mine.name, run.experiment.name]}))\n")
        run = self.submit([PythonScriptStep("scope.py", name="scope", source_directory="src")])
        self.assertEqual(run.get_status(), "Finished", run.find_step_run("scope")[0].get_stderr_log())
        out = run.find_step_run("scope")[0].get_stdout_log()
        seen = json.loads(out.split("SCOPE ", 1)[1].splitlines()[0])
        self.assertEqual(seen["env"], ["sub-9", "rg-9", "unit", "compat"])
        self.assertEqual(seen["ws"], ["sub-9", "rg-9", "unit", self.ws.path])
        self.assertEqual(seen["run"], ["sub-9", "rg-9", "unit", "compat"])

    def test_a_steps_own_workspace_serves_what_step_scripts_ask_of_it(self):
        # run.experiment.workspace in a step: its datastores upload, Run.get and Dataset
        # factories take it, and a file given to upload_file downloads again by that name.
        self.write("data/rows.csv", "a,b\n1,2\n")
        self.ds.upload_files([os.path.join(self.ws.path, "data/rows.csv")], target_path="in",
                             overwrite=True, show_progress=False)
        self.write("src/uses.py", "import os\nfrom azureml.core import Dataset, Run\n"
                   "run = Run.get_context(); ws = run.experiment.workspace; store = ws.get_default_datastore()\n"
                   "open('result.txt', 'w').write('r1')\n"
                   "store.upload_files(['result.txt'], target_path='published', overwrite=True)\n"
                   "assert Run.get(ws, run.id).id == run.id\n"
                   "tab = Dataset.Tabular.from_delimited_files((store, 'in/rows.csv'))\n"
                   "print('ROWS', len(tab.to_pandas_dataframe()))\n"
                   "run.upload_file('notes/n.txt', 'result.txt'); run.download_file('notes/n.txt', 'back.txt')\n"
                   "print('BACK', open('back.txt').read())\n")
        run = self.submit([PythonScriptStep("uses.py", name="uses", source_directory="src")])
        step = run.find_step_run("uses")[0]
        self.assertEqual(run.get_status(), "Finished", step.get_stderr_log())
        self.assertIn("ROWS 1", step.get_stdout_log())
        self.assertIn("BACK r1", step.get_stdout_log())
        with open(os.path.join(self.ds.root, "published", "result.txt")) as f:
            self.assertEqual(f.read(), "r1")

    def test_submit_keywords_are_honoured(self):
        self.write("src/boom.py", "import sys\nsys.exit(2)\n")
        self.write("src/slow.py", "import time\ntime.sleep(1.5)\nprint('slow done')\n")
        boom = PythonScriptStep("boom.py", name="boom", source_directory="src")
        slow = PythonScriptStep("slow.py", name="slow", source_directory="src")
        # continue_on_step_failure=True: the failed step's sibling keeps running and finishes.
        run = self.submit([boom, slow], continue_on_step_failure=True, tags={"try": "1"})
        self.assertEqual(run.get_status(), "Failed")
        self.assertEqual({s.name: s.get_status() for s in run.get_steps()}, {"boom": "Failed", "slow": "Finished"})
        # Without it the sibling is stopped (not reused: it finished above).
        slow.allow_reuse = False
        run = self.submit([boom, slow], tags={"try": "2"})
        self.assertNotEqual(run.find_step_run("slow")[0].get_status(), "Finished")
        # regenerate_outputs=True: no reuse for that run only.
        ok = PythonScriptStep("slow.py", name="ok", source_directory="src")
        first = self.submit([ok], tags={"try": "3"})
        again = self.submit([ok], regenerate_outputs=True, tags={"try": "4", "other": "x"})
        self.assertFalse(again.find_step_run("ok")[0].reused)
        self.assertTrue(self.submit([ok]).find_step_run("ok")[0].reused)
        # get_runs / Run.list filters.
        ids = lambda runs: [r.id for r in runs]  # noqa: E731
        self.assertEqual(ids(self.exp.get_runs(tags={"try": "3"})), [first.id])
        self.assertEqual(ids(self.exp.get_runs(tags="other")), [again.id])
        self.assertEqual(ids(Run.list(self.exp, tags={"try": "4"}, status="Finished")), [again.id])
        self.assertEqual(len(list(self.exp.get_runs(type="azureml.PipelineRun"))), 5)
        self.assertEqual(list(self.exp.get_runs(type="azureml.scriptrun")), [])
        self.assertEqual(len(list(Run.list(self.exp, status="Failed"))), 2)
        kids = list(self.exp.get_runs(tags={"try": "3"}, include_children=True))
        self.assertEqual([r.id for r in kids], [first.id])  # the step has no such tag
        kids = list(self.exp.get_runs(include_children=True, type="azureml.StepRun"))
        self.assertEqual(len(kids), 7)
        self.assertEqual(ids(self.exp.get_runs(properties={"azureml.runsource": "azureml.PipelineRun"}))[:1],
                         ids(self.exp.get_runs())[:1])


if __name__ == "__main__":
    unittest.main()
