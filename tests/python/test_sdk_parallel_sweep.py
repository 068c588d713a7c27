"""The SDK's ParallelRunStep / ParallelRunConfig and HyperDriveStep / azureml.train.hyperdrive,
run through the engine: a batch-scoring pipeline over a FileDataset, mini-batch reuse, a
grid sweep whose best trial feeds the next step, HyperDriveStepRun's best-run access,
StepRun.get_children(), and the SDK's errors for bad arguments. Needs the native module."""

import io
import json
import os
import unittest
from contextlib import redirect_stdout

from test_sdk import SdkTestBase

from azureml.core import Dataset, Environment, Experiment, ScriptRunConfig
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.steps import (HyperDriveStep, HyperDriveStepRun, ParallelRunConfig, ParallelRunStep,
                                    PythonScriptStep)
from azureml.train.hyperdrive import (BanditPolicy, BayesianParameterSampling, GridParameterSampling,
                                      HyperDriveConfig, MedianStoppingPolicy, PrimaryMetricGoal,
                                      RandomParameterSampling, TruncationSelectionPolicy, choice, loguniform,
                                      uniform)

SCORE = """
import os
from azureml_user.parallel_run import EntryScript

def init():
    global logger
    logger = EntryScript().logger

def run(mini_batch):
    logger.info("batch of %d" % len(mini_batch))
    with open(os.environ.get("EXEC_LOG", "/dev/null"), "a") as f:
        f.write("%d\\n" % len(mini_batch))
    return ["%s,%d" % (os.path.basename(p), len(open(p).read())) for p in mini_batch]
"""

TRAIN = """
import argparse, os
from azureml.core import Run
p = argparse.ArgumentParser()
p.add_argument("--data")
p.add_argument("--out")
p.add_argument("--lr", type=float)
p.add_argument("--units", type=int)
a = p.parse_args()
offset = float(open(os.path.join(a.data, "offset.txt")).read())
acc = offset - abs(a.lr - 0.1) - abs(a.units - 32) / 100.0
run = Run.get_context()
for k in range(3):
    run.log("accuracy", acc * (k + 1) / 3)
os.makedirs(a.out, exist_ok=True)
open(os.path.join(a.out, "model.txt"), "w").write("lr=%s units=%d" % (a.lr, a.units))
"""


class ParallelRunStepTest(SdkTestBase):
    def setUp(self):
        super().setUp()
        self.ds = self.ws.get_default_datastore()
        for i in range(12):
            self.write(os.path.join(self.ds.root, "images", "img%02d.txt" % i), "x" * (i + 1))
        self.write("scripts/score.py", SCORE)
        self.log = os.path.join(self.root, "exec.log")
        os.environ["EXEC_LOG"] = self.log
        self.addCleanup(os.environ.pop, "EXEC_LOG", None)

    def pipeline(self, **config):
        files = Dataset.File.from_files([(self.ds, "images/")])
        out = PipelineData("scores", datastore=self.ds)
        cfg = dict(environment=Environment("batch"), entry_script="score.py", source_directory="scripts",
                   error_threshold=1, output_action="append_row", compute_target="local", node_count=1,
                   process_count_per_node=2, mini_batch_size="4", append_row_file_name="scores.csv")
        cfg.update(config)
        step = ParallelRunStep(name="batch-score", parallel_run_config=ParallelRunConfig(**cfg),
                               inputs=[files.as_named_input("images")], output=out, allow_reuse=True)
        self.write("scripts/count.py", "import sys, os\nrows = open(os.path.join(sys.argv[1], 'scores.csv')).read()"
                   ".splitlines()\nos.makedirs(sys.argv[2], exist_ok=True)\n"
                   "open(os.path.join(sys.argv[2], 'n.txt'), 'w').write(str(len(rows)))\n")
        n = PipelineData("n", datastore=self.ds)
        count = PythonScriptStep("count.py", arguments=[out, n], inputs=[out], outputs=[n], source_directory="scripts")
        return Pipeline(self.ws, [count])

    def submit(self, pipeline):
        with redirect_stdout(io.StringIO()):
            run = Experiment(self.ws, "batch").submit(pipeline)
            self.assertEqual(run.wait_for_completion(show_output=False, raise_on_error=False), "Finished",
                             [s.get_job_log() for s in run.get_steps()])
        return run

    def test_batch_scoring_pipeline_appends_rows_and_reuses_mini_batches(self):
        run = self.submit(self.pipeline())
        step = run.find_step_run("batch-score")[0]
        rows = open(os.path.join(step.get_output_data("scores").path, "scores.csv")).read().splitlines()
        self.assertEqual(rows, ["img%02d.txt,%d" % (i, i + 1) for i in range(12)])
        self.assertEqual(open(os.path.join(run.find_step_run("count.py")[0].get_output_data("n").path,
                                           "n.txt")).read(), "12")
        kids = list(step.get_children())
        self.assertEqual([k.items for k in kids], [4, 4, 4])
        self.assertEqual({k.get_status() for k in kids}, {"Finished"})
        self.assertEqual(open(self.log).read().split(), ["4", "4", "4"])
        # Two new files: only a mini-batch holding them runs.
        for i in (12, 13):
            self.write(os.path.join(self.ds.root, "images", "img%02d.txt" % i), "y")
        run = self.submit(self.pipeline())
        step = run.find_step_run("batch-score")[0]
        self.assertFalse(step.reused)
        self.assertEqual(open(self.log).read().split(), ["4", "4", "4", "2"])
        self.assertEqual(sum(1 for k in step.get_children() if k.reused), 3)
        self.assertEqual(open(os.path.join(run.find_step_run("count.py")[0].get_output_data("n").path,
                                           "n.txt")).read(), "14")

    def test_workers_reach_the_step_spec_as_parallel_workers(self):
        # node_count x process_count_per_node: on Slurm the size of the step's one job array.
        pipeline = self.pipeline(node_count=2, process_count_per_node=3, mini_batch_size="1")
        spec = json.loads(pipeline._native().spec_json())
        step = next(s for s in spec["steps"] if s["name"] == "batch-score")
        self.assertEqual(step["parallel_workers"], 6)
        self.assertNotIn("parallel_workers", next(s for s in spec["steps"] if s["name"] == "count.py"))
        # The run settings are pipeline parameters (aml_process_count_per_node): the submitted value counts.
        spec = json.loads(pipeline._native({"aml_process_count_per_node": 4}).spec_json())
        self.assertEqual(next(s for s in spec["steps"] if s["name"] == "batch-score")["parallel_workers"], 8)

    def test_workers_are_capped_by_the_mini_batches_of_a_file_dataset(self):
        def workers(pipeline, params=None):
            spec = json.loads(pipeline._native(params).spec_json())
            return next(s for s in spec["steps"] if s["name"] == "batch-score")["parallel_workers"]
        # 12 files by 4: 3 mini-batches, so 3 of the 6 tasks would have nothing to do.
        self.assertEqual(workers(self.pipeline(node_count=2, process_count_per_node=3)), 3)
        # The submitted aml_mini_batch_size counts: 12 files by 2 = 6 mini-batches for 8 workers.
        self.assertEqual(workers(self.pipeline(node_count=2, process_count_per_node=3),
                                 {"aml_process_count_per_node": 4, "aml_mini_batch_size": "2"}), 6)
        self.assertEqual(workers(self.pipeline(node_count=1, process_count_per_node=2,
                                               mini_batch_size=None)), 2)  # default 10: 2 mini-batches
        self.assertEqual(workers(self.pipeline(node_count=4, process_count_per_node=4,
                                               mini_batch_size=None)), 2)

    def test_bad_arguments(self):
        good = dict(environment=None, entry_script="score.py", source_directory="scripts", error_threshold=1,
                    output_action="append_row", compute_target=None, node_count=1)
        for key, value, exc in (("output_action", "append", ValueError), ("error_threshold", -2, ValueError),
                                ("node_count", 0, ValueError), ("run_max_try", 0, ValueError),
                                ("logging_level", "LOUD", ValueError), ("environment", "env", TypeError)):
            with self.assertRaises(exc, msg=key):
                ParallelRunConfig(**dict(good, **{key: value}))
        cfg = ParallelRunConfig(**good)
        files = Dataset.File.from_files([(self.ds, "images/")])
        with self.assertRaises(ValueError):
            ParallelRunStep("s", cfg, inputs=[files.as_named_input("i")])  # append_row without output
        with self.assertRaises(TypeError):
            ParallelRunStep("s", "cfg", inputs=[files.as_named_input("i")])
        with self.assertRaises(ValueError):
            ParallelRunStep("s", ParallelRunConfig(**dict(good, entry_script="nope.py")),
                            inputs=[files.as_named_input("i")], output=PipelineData("o"))
        with self.assertRaises(TypeError):
            ParallelRunStep("s", cfg, inputs=[files.as_named_input("i")], output=PipelineData("o"), bogus=1)


class HyperDriveStepTest(SdkTestBase):
    def setUp(self):
        super().setUp()
        self.ds = self.ws.get_default_datastore()
        self.write("train/train.py", TRAIN)
        self.write("prep/prep.py", "import sys, os\nos.makedirs(sys.argv[1], exist_ok=True)\n"
                   "open(os.path.join(sys.argv[1], 'offset.txt'), 'w').write('0.9')\n")

    def test_grid_sweep_best_trial_feeds_the_next_step(self):
        data = PipelineData("data", datastore=self.ds)
        prep = PythonScriptStep("prep.py", arguments=[data], outputs=[data], source_directory="prep")
        model = PipelineData("model", datastore=self.ds)
        metrics = PipelineData("metrics", datastore=self.ds)
        src = ScriptRunConfig(source_directory="train", script="train.py",
                              arguments=["--data", data.as_input("data"), "--out", model])
        hd = HyperDriveConfig(run_config=src,
                              hyperparameter_sampling=GridParameterSampling(
                                  {"--lr": choice(0.01, 0.1, 0.5), "--units": choice([16, 32])}),
                              policy=None, primary_metric_name="accuracy",
                              primary_metric_goal=PrimaryMetricGoal.MAXIMIZE, max_total_runs=10,
                              max_concurrent_runs=3)
        step = HyperDriveStep("sweep", hd, inputs=[data.as_input("data")], outputs=[model],
                              metrics_output=metrics)
        self.write("use/use.py", "import sys, os\nos.makedirs(sys.argv[2], exist_ok=True)\n"
                   "open(os.path.join(sys.argv[2], 'best.txt'), 'w').write(open(os.path.join(sys.argv[1], "
                   "'model.txt')).read())\n")
        best = PipelineData("best", datastore=self.ds)
        use = PythonScriptStep("use.py", arguments=[model.as_input("model"), best], inputs=[model.as_input("model")],
                               outputs=[best], source_directory="use")
        with redirect_stdout(io.StringIO()):
            run = Experiment(self.ws, "hd").submit(Pipeline(self.ws, [use]))
            status = run.wait_for_completion(show_output=False, raise_on_error=False)
        self.assertEqual(status, "Finished", [s.get_job_log() for s in run.get_steps()])
        used = run.find_step_run("use.py")[0]
        self.assertEqual(open(os.path.join(used.get_output_data("best").path, "best.txt")).read(), "lr=0.1 units=32")
        sweep = HyperDriveStepRun(run.find_step_run("sweep")[0])
        kids = list(sweep.get_children())
        self.assertEqual(len(kids), 6)  # grid: every combination, fewer than max_total_runs
        best_run = sweep.get_best_run_by_primary_metric()
        self.assertEqual(json.loads(best_run.get_tags()["hyperparameters"]), {"--lr": 0.1, "--units": 32})
        self.assertAlmostEqual(best_run.get_metrics()["accuracy"][-1], 0.9)
        # The SDK's runDefinition: the ScriptRunConfig's arguments, then the sampled ones.
        definition = best_run.get_details()["runDefinition"]
        self.assertEqual(definition["script"], "train.py")
        args = definition["arguments"]
        self.assertEqual((args[0], args[2]), ("--data", "--out"))
        self.assertEqual(args[4:], ["--lr", "0.1", "--units", "32"])
        ranked = sweep.get_children_sorted_by_primary_metric(top=2)
        self.assertEqual([json.loads(r["hyperparameters"])["--lr"] for r in ranked], [0.1, 0.01])
        self.assertEqual(len(sweep.get_metrics()), 6)
        # metrics_output is a file (the SDK's: a JSON file at the output's path on the datastore)
        m = json.load(open(run.find_step_run("sweep")[0].get_output_data("metrics").path))
        self.assertEqual(len(m), 6)
        self.assertTrue(all(len(v["accuracy"]) == 3 for v in m.values()))

    def test_experiment_submit_hyperdrive_config(self):
        # As the HyperDrive training notebooks do: experiment.submit(hd_config), the best run,
        # its metrics, arguments and files, register_model from it.
        self.write("hd/train.py", "import argparse, os\nfrom azureml.core import Run\n"
                   "p = argparse.ArgumentParser(); p.add_argument('--lr', type=float); p.add_argument('--seed')\n"
                   "a = p.parse_args()\n"
                   "run = Run.get_context(); run.log('acc', 1 - abs(a.lr - 0.1))\n"
                   "os.makedirs('outputs', exist_ok=True); open('outputs/model.pkl', 'w').write(str(a.lr))\n")
        src = ScriptRunConfig(source_directory="hd", script="train.py", arguments=["--seed", 7])
        hd = HyperDriveConfig(run_config=src, hyperparameter_sampling=GridParameterSampling(
                                  {"--lr": choice(0.01, 0.1, 0.5)}),
                              policy=None, primary_metric_name="acc", primary_metric_goal=PrimaryMetricGoal.MAXIMIZE,
                              max_total_runs=3, max_concurrent_runs=3)
        run = Experiment(self.ws, "hd").submit(hd)
        out = io.StringIO()
        with redirect_stdout(out):
            details = run.wait_for_completion(show_output=True)
        # A HyperDriveRun is a core Run: Completed (the sklearn HyperDrive notebook asserts
        # get_status() == "Completed"; it was "Finished"), and its trials too; its
        # wait_for_completion returns the details and prints the core Run's summary.
        self.assertEqual(run.get_status(), "Completed")
        self.assertEqual(details["status"], "Completed")
        self.assertIn("Execution Summary\n=================\nRunId: %s" % run.id, out.getvalue())
        self.assertEqual({c.get_status() for c in run.get_children()}, {"Completed"})
        self.assertEqual({c["status"] for c in run.get_children_sorted_by_primary_metric()}, {"Completed"})
        from azureml.widgets import RunDetails
        with redirect_stdout(io.StringIO()):
            self.assertEqual(RunDetails(run).show(), "Completed")  # it waited forever for Finished
        best = run.get_best_run_by_primary_metric()
        self.assertEqual(best.get_metrics()["acc"], 1.0)
        self.assertEqual(best.get_details()["runDefinition"]["arguments"], ["--seed", "7", "--lr", "0.1"])
        # Opened again by id (Run(experiment, id), Run.get, get_runs): still the HyperDriveRun.
        from azureml.core import Run
        for again in (Run(run.experiment, run.id), Run.get(self.ws, run.id),
                      next(r for r in run.experiment.get_runs() if r.id == run.id)):
            self.assertEqual((type(again).__name__, again.type), (type(run).__name__, "hyperdrive"))
            self.assertEqual(again.get_best_run_by_primary_metric().id, best.id)
        self.assertNotIn("runnel.run_type", Run(run.experiment, run.id).get_tags())
        self.assertIn("outputs/model.pkl", best.get_file_names())
        self.assertEqual(len(list(run.get_children())), 3)
        with redirect_stdout(io.StringIO()):
            model = best.register_model(model_name="hd-model", model_path="outputs/model.pkl")
        with open(model.path) as f:
            self.assertEqual(f.read(), "0.1")

    def test_configs_and_bad_arguments(self):
        src = ScriptRunConfig(source_directory="train", script="train.py")
        space = {"--lr": uniform(0.01, 0.1)}
        HyperDriveConfig(run_config=src, hyperparameter_sampling=RandomParameterSampling(space, properties={"seed": 3}),
                         policy=BanditPolicy(slack_factor=0.1), primary_metric_name="a",
                         primary_metric_goal=PrimaryMetricGoal.MINIMIZE, max_total_runs=4)
        self.assertEqual(MedianStoppingPolicy(evaluation_interval=2).to_json()["type"], "median_stopping")
        self.assertEqual(TruncationSelectionPolicy(truncation_percentage=20).to_json()["truncation_percentage"], 20)
        self.assertEqual(loguniform(-6, -1), ["loguniform", [[-6, -1]]])
        with self.assertRaises(ValueError):
            GridParameterSampling(space)  # grid takes choice() only
        with self.assertRaises(ValueError):
            BanditPolicy(slack_factor=0.1, slack_amount=0.2)
        with self.assertRaises(ValueError):
            uniform(1, 0)
        with self.assertRaises(ValueError):
            HyperDriveConfig(run_config=src, hyperparameter_sampling=BayesianParameterSampling(space),
                             policy=BanditPolicy(slack_factor=0.1), primary_metric_name="a",
                             primary_metric_goal=PrimaryMetricGoal.MAXIMIZE, max_total_runs=4)
        with self.assertRaises(ValueError):
            HyperDriveConfig(run_config=src, hyperparameter_sampling=RandomParameterSampling(space),
                             primary_metric_name="a", primary_metric_goal="UP", max_total_runs=4)
        with self.assertRaises(TypeError):
            HyperDriveStep("s", "config")


class EntryScriptTest(unittest.TestCase):
    def test_entry_script_logger_and_folders(self):
        from azureml_user.parallel_run import EntryScript
        self.assertTrue(callable(EntryScript().logger.info))
        self.assertEqual(EntryScript().working_dir, os.getcwd())
        self.assertTrue(EntryScript().agent_name.startswith("worker-"))


if __name__ == "__main__":
    unittest.main()
