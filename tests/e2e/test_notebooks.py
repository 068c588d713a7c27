"""Scripts modeled on the Azure ML v1 sample notebooks of
how-to-use-azureml/machine-learning-pipelines (tests/e2e/notebooks/<name>/pipeline.py, one
folder per notebook, in our own words: the same SDK calls, argument shapes and flow, small
local data instead of downloads, only cloud-only lines left out) run against runnel and
give the SDK's outcomes: statuses, outputs, metrics, reuse. docs/notebook-compat.md lists
what each covers."""

import datetime
import os
import shutil
import re
import subprocess
import unittest

from e2e_util import SOURCE_DIR, ServerTestBase, wait_for
from sdk_util import SdkScriptTest

NOTEBOOKS = os.path.join(SOURCE_DIR, "tests", "e2e", "notebooks")
AZ_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="  # Azurite's


class NotebookTest(SdkScriptTest):
    def notebook(self, name, script="pipeline.py", **kw):
        self.copy_tree(os.path.join(NOTEBOOKS, name))
        return self.run_script(script, **kw)

    def test_getting_started(self):
        p = self.notebook("getting_started")
        out = p.stdout
        self.assertIn("creating new compute target", out)
        self.assertIn("Pipeline validation complete", out)
        for name in ("train_step", "compare_step", "extract_step"):
            self.assertIn("Script: %s status: Finished" % name, out)
        self.assertIn("train_step: {'trained': 1}", out)
        self.assertIn("extract_step: {'extracted': 1}", out)
        # run 2: train_step has allow_reuse=False, the chained others are reused.
        steps = self.latest_steps()
        self.assertEqual(steps["train_step"]["status"], "Finished")
        self.assertEqual(steps["compare_step"]["status"], "Reused")
        self.assertEqual(steps["extract_step"]["status"], "Reused")
        for f in ("workspaceblobstore",):
            self.assertTrue(os.path.exists(os.path.join(self.ws, ".runnel", "datastores", f,
                                                        "20newsgroups", "20news.pkl")))
        p2 = self.run_script("pipeline.py")
        self.assertIn("found existing compute target.", p2.stdout)

    def test_pipeline_drafts(self):
        # No `runnel serve`: submit_run() and PublishedPipeline.submit run in the script's process.
        p = self.notebook("pipeline_drafts")
        out = p.stdout
        self.assertEqual(out.count("PipelineDraft(Name: TestPipelineDraft"), 1, out)
        self.assertIn("draft properties: {'train': 'value'}", out)
        self.assertIn("updated: UpdatedPipelineDraft has updated train step", out)
        self.assertIn("draft run steps: [('New_Training_Step', 'Finished')]", out)
        self.assertIn("last submitted: True", out)
        self.assertIn("published name: UpdatedPipelineDraft steps: ['New_Training_Step']", out)
        self.assertIn("published run: [('New_Training_Step', 'Finished', True)]", out)
        runs = self.runnel("runs", "list", "--output", "json")
        self.assertEqual(runs.returncode, 0, runs.stderr)

    def test_hyperdrive_step(self):
        # Fixed for it: Datastore.path() (was shadowed by a str attribute), TrainingOutput
        # outputs of HyperDriveStep, PipelineRun.get_pipeline_output, PortDataReference.
        # _path_on_datastore, azureml.core.Model (register in a step), a per-trial working
        # folder (./outputs/model/... is the trial's own).
        p = self.notebook("hyperdrive")
        out = p.stdout
        self.assertIn("trials in metrics: 4", out)
        best = re.search(r"best run: (\S+) ([0-9.]+)", out)
        self.assertIsNotNone(best, out)
        self.assertIn("model: tf-dnn-mnist 1 ['saved_model']", out)
        steps = self.latest_steps()
        self.assertEqual(steps["hd_step01"]["status"], "Finished")
        self.assertEqual(steps["register_model_step01"]["status"], "Finished")
        model = os.path.join(self.ws, ".runnel", "models", "tf-dnn-mnist", "1", "model", "saved_model")
        with open(model) as f:
            self.assertTrue(f.read().startswith("model lr="))

    def test_dataset_and_pipeline_parameter(self):
        # Fixed for it: DatasetConsumptionConfig over a PipelineParameter whose default is a
        # dataset (value from pipeline_parameters at submit); a one-file FileDataset mounted
        # is that file's path in input_datasets.
        p = self.notebook("dataset_parameter")
        self.assertIn("defaults: {'rows': 3, 'columns': 'name,survived'}", p.stdout)
        self.assertIn("iris: {'rows': 2, 'columns': 'sepal_length,sepal_width,species'}", p.stdout)
        with open(self.latest_steps()["train_step"]["stdout"]) as f:
            self.assertIn("5.1,3.5,setosa", f.read())  # the file's text, read from its path

    def test_commandstep(self):
        # Fixed for it: CommandStep(runconfig=ScriptRunConfig(command=[...])),
        # MpiConfiguration, Run.upload_file of a file already in ./outputs, StepRun.get_file_names
        # listing outputs/... and logs/... (plus download_file).
        p = self.notebook("commandstep")
        # MpiConfiguration(node_count=2): two ranks run train.py, and both log their 30 losses
        # to the step's run, as every rank's Run.get_context() does on Azure ML.
        self.assertIn("status: Finished loss values: 60", p.stdout)
        self.assertIn("files: ['outputs/model.txt']", p.stdout)
        self.assertEqual(self.latest_steps()["train-mnist"]["status"], "Finished")

    def test_estimatorstep(self):
        # Fixed for it: azureml.train.estimator.Estimator (+ dnn/sklearn), EstimatorStep
        # (was NotImplementedError), Workspace.get_default_compute_target.
        p = self.notebook("estimatorstep")
        self.assertIn("status: Finished output: ['trained.txt']", p.stdout)
        step = self.latest_steps()["Estimator_Train"]
        with open(os.path.join(step["outputs"]["output"], "trained.txt")) as f:
            self.assertEqual(f.read(), "input bytes=81\n")

    def test_modulestep(self):
        # Fixed for it: InputPortDef/OutputPortDef in azureml.pipeline.core.graph; unnamed
        # ModuleSteps of one module get distinct default names (was: "two steps are named").
        p = self.notebook("modulestep")
        self.assertIn("AddAndMultiply Finished {'prod_out': '34', 'sum_out': '19'}", p.stdout)
        self.assertIn("AddAndMultiply_2 Finished {'middle_prod': '646', 'middle_sum': '53'}", p.stdout)
        self.assertIn("AddAndMultiply_3 Finished {'end_prod': '34238', 'end_sum': '699'}", p.stdout)

    def test_data_transfer_between_local_datastores(self):
        # Built for it: DataTransferStep (was NotImplementedError), DataFactoryCompute.
        p = self.notebook("data_transfer")
        self.assertIn("blob testdata: ['part1.csv', 'part2.csv']", p.stdout)
        self.assertIn("copied: ['part2.csv']", p.stdout)
        self.assertIn("copied back: 1 ['part2.csv']", p.stdout)
        self.assertIn("Data factory not found, creating...", p.stdout)
        p2 = self.run_script("pipeline.py")
        self.assertNotIn("Data factory not found", p2.stdout)
        self.assertEqual({s["status"] for s in self.latest_steps().values()}, {"Reused"})
        # The destination written in place is deleted: that copy runs again, not reused.
        dest = os.path.join(self.datastore(), "testdata")
        self.assertTrue(os.path.isdir(dest))
        shutil.rmtree(dest)
        self.run_script("pipeline.py")
        steps = self.latest_steps()
        self.assertEqual(steps["transfer_to_blob"]["status"], "Finished")
        self.assertEqual(steps["transfer_back"]["status"], "Reused")
        self.assertEqual(sorted(os.listdir(dest)), ["part1.csv", "part2.csv"])
        # Altered in place (same names): the copy runs again too, and says why.
        with open(os.path.join(dest, "part1.csv"), "a") as f:
            f.write("tampered\n")
        self.run_script("pipeline.py")
        steps = self.latest_steps()
        self.assertEqual(steps["transfer_to_blob"]["status"], "Finished")
        self.assertIn("changed since run", steps["transfer_to_blob"]["decision"])
        with open(os.path.join(dest, "part1.csv")) as f:
            self.assertNotIn("tampered", f.read())

    def test_data_transfer_from_azure_blob(self):
        # Also: Datastore.register_azure_blob_container, upload/download on an object-store
        # datastore. Needs Azurite (scripts/services/azurite-up.sh, as e2e_objstore starts it).
        port = int(os.environ.get("AZURITE_PORT", "10000"))
        up = subprocess.run(["bash", os.path.join(SOURCE_DIR, "scripts", "services", "azurite-up.sh")],
                            capture_output=True, text=True, timeout=400)
        if up.returncode != 0:
            if os.environ.get("RUNNEL_TEST_OBJSTORE"):
                self.fail("azurite-up.sh failed:\n" + up.stdout + up.stderr)
            self.skipTest("Azurite cannot start here: " + (up.stderr or up.stdout)[-300:])
        p = self.notebook("data_transfer", env={"RUNNEL_TEST_AZURE_BLOB": "127.0.0.1:%d" % port,
                                                "RUNNEL_TEST_AZURE_KEY": AZ_KEY})
        self.assertIn("Uploading", p.stdout)
        self.assertIn("blob testdata: ['part1.csv', 'part2.csv']", p.stdout)
        self.assertIn("copied back: 1 ['part2.csv']", p.stdout)
        self.assertNotIn(AZ_KEY, p.stdout + p.stderr)

    def test_parallel_run_tabular_iris(self):
        # Fixed for it: CondaDependencies in azureml.core.runconfig, Environment.spark,
        # Model.register / Model.get_model_path inside a ParallelRunStep entry script.
        p = self.notebook("parallel_iris")
        self.assertIn("Prediction has  150  rows", p.stdout)
        self.assertIn("varieties: ['Setosa', 'Versicolor', 'Virginica']", p.stdout)
        self.assertTrue(os.path.isfile(os.path.join(self.ws, ".runnel", "models", "iris-prs", "1",
                                                    "iris_model.pkl")))
        self.assertEqual(self.latest_steps()["example-iris"]["status"], "Finished")

    def test_parallel_run_file_dataset_mnist(self):
        # Fixed for it: ParallelRunConfig with PipelineParameter mini_batch_size and
        # process_count_per_node; a FileDataset PipelineParameter as the ParallelRunStep input.
        p = self.notebook("parallel_mnist")
        out = p.stdout
        self.assertIn("Prediction has  12  rows", out)
        self.assertIn("mini-batches: 3", out)  # 12 files, mini_batch_size 5
        self.assertIn("predictions: [('0.png', 0), ('1.png', 1), ('10.png', 0)]", out)
        self.assertIn("Prediction has  1  rows", out)  # the resubmit: one image, batch size 1
        self.assertEqual(out.count("mini-batches: 1"), 1, out)

    def test_parallel_run_partition_per_column(self):
        # Fixed for it: TabularDataset.partition_by and partition_keys.
        p = self.notebook("partition_per_column")
        out = p.stdout
        self.assertIn("['Store', 'Brand']", out)
        self.assertIn("Prediction has  24  rows", out)
        self.assertIn("mini-batches: 6", out)  # one per Store/Brand pair
        self.assertIn("(1001, 'tropicana'): 1}", out)  # one total per partition

    def test_parallel_run_partition_per_folder(self):
        # Fixed for it: partition_keys on a partitioned FileDataset (one mini-batch per
        # user/genres pair), run(mini_batch, mini_batch_context), FileDataset.partition_keys,
        # and a print() in init() no longer breaks the worker protocol.
        p = self.notebook("partition_per_folder")
        out = p.stdout
        self.assertIn("['user', 'season', 'genres']", out)
        self.assertIn("Prediction has 6 rows", out)
        self.assertIn("mini-batches: 5", out)
        self.assertIn("user4 piano total: 110", out)


class NotebookServerTest(SdkScriptTest, ServerTestBase):
    """Notebooks whose objects live in the service (schedules): a `runnel serve` of the
    workspace, as Azure ML's service is always there."""

    def notebook(self, name, script="pipeline.py", **kw):
        self.copy_tree(os.path.join(NOTEBOOKS, name))
        return self.run_script(script, **kw)

    def test_schedule_for_published_pipeline(self):
        self.start_server()
        p = self.notebook("schedule_published")
        out = p.stdout
        sid = re.search(r"Schedule id to be used for schedule operations: (\S+)", out).group(1)
        self.assertIn("Disabled schedule %s. New status is: Disabled" % sid, out)
        self.assertIn("Enabled schedule %s. New status is: Active" % sid, out)
        self.assertIn("New name: My_Updated_Schedule \nNew frequency: Hour \nNew status: Active", out)
        self.assertEqual(len(re.findall(r"Created schedule with id: ", out)), 2, out)
        # The notebook's last cell disables the datastore schedule, then prints the other one.
        self.assertIn("Disabled schedule %s. New status is: Active" % sid, out)
        s, body = self.get_json("/api/v1/schedules?active_only=false")
        self.assertEqual(s, 200, body)

    def test_schedule_with_parameter_expressions(self):
        self.start_server()
        self.copy_tree(os.path.join(NOTEBOOKS, "schedule_expressions"))
        self.run_script("prerequisites.py")
        out = self.run_script("pipeline.py").stdout
        self.assertIn("Schedule(Name: UpdatedScheduleWithExpression", out)
        self.assertIn("Schedule(Name: UpdateEndpointScheduleWithExpression", out)
        self.assertEqual(out.count("disabled: Disabled"), 2, out)
        self.assertIn("disabled: Disabled 5", out)
        # Beyond the notebook: a firing resolves the expressions (runnel's
        # server/schedule/expressions.h) before the run starts.
        fire = self.write("ws/fire.py", """
            import datetime, sys, time
            from azureml.core import Workspace
            from azureml.pipeline.core import PublishedPipeline, Schedule, ScheduleRecurrence, TimeZone
            ws = Workspace.from_config()
            start = (datetime.datetime.utcnow() + datetime.timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%S")
            rec = ScheduleRecurrence(frequency="Minute", interval=1, start_time=start, time_zone=TimeZone.UTC)
            params = {"scheduled_time": "@trigger().scheduledTime", "start_time": "@trigger().startTime",
                      "utc_now": "@utcNow()",
                      "yesterday": "@formatDateTime(subtractFromTime(utcNow(),1,'Day'),'yyyy-MM-dd')"}
            s = Schedule.create(ws, name="fires", pipeline_id=PublishedPipeline.list(ws)[0].id,
                                experiment_name="fired", recurrence=rec, pipeline_parameters=params)
            deadline = time.time() + 60
            while time.time() < deadline and s.get_last_pipeline_run() is None:
                time.sleep(0.3)
            run = s.get_last_pipeline_run()
            run.wait_for_completion(show_output=False)
            s.disable()
            print("FIRED", run.get_status(), run.find_step_run("show")[0].get_metrics()["yesterday"])
            """)
        p = self.run_script(fire)
        expected = (datetime.datetime.utcnow() - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
        self.assertIn("FIRED Finished " + expected, p.stdout)

    def test_batch_scoring_tutorial(self):
        # Fixed for it: azureml.contrib.pipeline.steps (ParallelRunStep with models=), the
        # step's run settings as pipeline parameters (the REST call sets
        # process_count_per_node; was 400 "not a parameter"), requests installed
        # (scripts/install-deps.sh), Dataset.get_by_name + download inside the entry script.
        self.start_server()
        p = self.notebook("batch_scoring")
        out = p.stdout
        self.assertIn("Prediction has  45  rows", out)
        self.assertIn("labels: ['goldfish', 'shark', 'tench']", out)
        self.assertIn("REST run: Finished", out)
        run_id = re.search(r"Submitted pipeline run:  (\S+)", out).group(1)
        s, run = self.get_json("/api/v1/runs/" + run_id)
        self.assertEqual((s, run["status"]), (200, "Finished"), run)
        # The SDK's ParallelRunStep is a command step running runnel.parallel_run: the run
        # detail names its kind parallel (what the studio's Mini-batches tab is chosen by).
        self.assertIn("parallel", [st["kind"] for st in run["steps"]], run["steps"])
        s, pipes = self.get_json("/api/v1/pipelines")
        self.assertEqual(s, 200, pipes)

    def test_versioned_pipeline_endpoints(self):
        # Fixed for it: PipelineEndpoint.set_default, get_all_versions (.version, .pipeline),
        # get_all_pipelines; the endpoint URL has Azure ML's shape (.../Id/<id>, edited into
        # .../Id/<id>/<version> and .../Name?name=&pipelineVersion=, routes of runnel serve);
        # ParameterAssignments naming no parameter are ignored; Experiment.submit(endpoint,
        # tags=, pipeline_version=).
        self.start_server()
        p = self.notebook("versioned_endpoints")
        out = p.stdout
        self.assertIn("default after set_default: 1", out)
        self.assertIn("pipelines: 2", out)
        self.assertIn("by id: 201", out)
        self.assertIn("experiment submit: Finished 1", out)
        rest_run = re.search(r"to trigger this pipeline\n(\S+)", out).group(1)
        self.assertEqual(self.wait_run(rest_run)["status"], "Finished")
        s, run = self.get_json("/api/v1/runs/" + rest_run)
        self.assertEqual(run["tags"].get("runnel.ignored_parameters"), "1,2", run)

    def test_publish_and_run_using_rest_endpoint(self):
        # As the notebook is, with requests (installed by scripts/install-deps.sh now).
        self.start_server()
        p = self.notebook("publish_rest")
        out = p.stdout
        self.assertIn("Pipeline_experiment Finished {'pipeline_param': 10}", out)
        self.assertIn("My_Pipeline1 Finished {'pipeline_param': 45}", out)
        self.assertIn("registered: compare_result", out)

    def test_schedules_without_a_server(self):
        # No `runnel serve` while the notebook runs: the schedules are kept in the workspace
        # (native schedules_local, the server's validation) and a server started later loads
        # and fires them.
        p = self.notebook("schedule_published")
        out = p.stdout
        sid = re.search(r"Schedule id to be used for schedule operations: (\S+)", out).group(1)
        self.assertIn("Disabled schedule %s. New status is: Disabled" % sid, out)
        self.assertIn("New name: My_Updated_Schedule \nNew frequency: Hour \nNew status: Active", out)
        self.assertIn("fires while `runnel serve` runs", p.stderr)
        soon = self.write("ws/soon.py", """
            import datetime
            from azureml.core import Workspace
            from azureml.pipeline.core import PublishedPipeline, Schedule, ScheduleRecurrence
            ws = Workspace.from_config()
            start = (datetime.datetime.utcnow() + datetime.timedelta(seconds=4)).strftime("%Y-%m-%dT%H:%M:%S")
            s = Schedule.create(ws, name="soon", pipeline_id=PublishedPipeline.get_all(ws)[0].id,
                                experiment_name="soon", recurrence=ScheduleRecurrence("Minute", 1, start_time=start))
            print("SOON", s.id)
            """)
        soon_id = self.run_script(soon).stdout.split("SOON ")[1].split()[0]
        self.start_server()
        s, listed = self.get_json("/api/v1/schedules")
        self.assertEqual(s, 200, listed)
        self.assertEqual(sorted(x["name"] for x in listed["schedules"]), ["My_Schedule", "My_Updated_Schedule", "soon"])
        fired = {}

        def ran():
            _s, j = self.get_json("/api/v1/schedules/" + soon_id)
            fired["runs"] = [r["run_id"] for r in j.get("runs", []) if r.get("run_id")]
            return bool(fired["runs"])
        self.assertTrue(wait_for(ran, timeout=60, interval=0.5), self.server_log())
        self.assertEqual(self.wait_run(fired["runs"][0])["status"], "Finished")


if __name__ == "__main__":
    unittest.main()
