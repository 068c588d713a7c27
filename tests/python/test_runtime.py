"""Tests of the step-side runtime python/runnel and the azureml shim.

Run: /usr/bin/python3 -m unittest discover -s tests/python
"""

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
import types
import unittest
from unittest import mock

from helpers import make_context, read_lines, subprocess_env, temp_dir

import runnel
from runnel import Run, RunContextError
from runnel import metrics as runnel_metrics

LINE_KEYS = {"name", "kind", "value", "description", "time", "target"}


class RunTestBase(unittest.TestCase):
    def setUp(self):
        Run._cache.clear()
        self.addCleanup(Run._cache.clear)
        env = mock.patch.dict(os.environ, {}, clear=False)
        env.start()
        self.addCleanup(env.stop)
        for var in ("RUNNEL_RUN_CONTEXT", "AZUREML_RUN_ID", "AZUREML_ARM_PROJECT_NAME"):
            os.environ.pop(var, None)
        self.root = temp_dir(self)

    def bind(self, **kwargs):
        path, ctx = make_context(self.root, **kwargs)
        os.environ["RUNNEL_RUN_CONTEXT"] = path
        return Run.get_context(), ctx


class OfflineRunTest(RunTestBase):
    def test_offline_run_prints_and_remembers(self):
        run = Run.get_context()
        self.assertTrue(run.id.startswith("OfflineRun_"))
        self.assertTrue(run.offline)
        self.assertIs(run, Run.get_context())
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            run.log("accuracy", 0.93)
            run.log_list("losses", [3, 2, 1])
            run.log_row("epochs", epoch=1, loss=0.5)
            run.log_table("t", {"a": [1, 2]})
            run.log_image("img", path="/nonexistent.png")
            run.tag("model", "lr")
            run.upload_file("model.pkl", "/nonexistent")
            run.parent.log("best", 1)
            run.complete()
        self.assertIn("Attempted to log scalar metric accuracy:\n0.93", out.getvalue())
        self.assertIn("Attempted to track file model.pkl", out.getvalue())
        self.assertEqual(run.get_metrics()["accuracy"], 0.93)
        self.assertEqual(run.get_metrics()["losses"], [3, 2, 1])
        self.assertEqual(run.get_tags(), {"model": "lr"})
        self.assertEqual(run.input_datasets, {})
        self.assertEqual(run.output_datasets, {})
        self.assertEqual(run.experiment.name, "offline")
        self.assertIsNotNone(run.experiment.workspace)
        self.assertEqual(run.get_status(), "Running")
        self.assertEqual(os.listdir(self.root), [])  # nothing written

    def test_offline_disallowed(self):
        with self.assertRaises(RunContextError):
            Run.get_context(allow_offline=False)


class ContextTest(RunTestBase):
    def test_bound_run_identity(self):
        run, ctx = self.bind(tags={"team": "ml"})
        self.assertFalse(run.offline)
        self.assertEqual(run.id, "step-run-1")
        self.assertEqual(run.name, "train_lr")
        self.assertEqual(run.experiment.name, "Compare_Models_Exp")
        self.assertEqual(run.experiment.workspace.path, ctx["workspace"])
        self.assertEqual(run.parent.id, "pipeline-run-1")
        self.assertIsNone(run.parent.parent)
        self.assertEqual(run.get_tags(), {"team": "ml"})
        self.assertEqual(os.environ["AZUREML_RUN_ID"], "step-run-1")
        self.assertIs(run, Run.get_context())

    def test_missing_context_file(self):
        os.environ["RUNNEL_RUN_CONTEXT"] = os.path.join(self.root, "absent.json")
        with self.assertRaisesRegex(RunContextError, "absent.json: no such file"):
            Run.get_context()

    def test_malformed_context(self):
        path = os.path.join(self.root, "bad.json")
        for text, message in (("{not json", "cannot read"), ("[1]", "JSON object"),
                              ('{"run_id": ""}', "run_id"),
                              ('{"run_id": "r", "run_dir": "/x", "inputs": [1]}', "inputs")):
            with open(path, "w") as f:
                f.write(text)
            os.environ["RUNNEL_RUN_CONTEXT"] = path
            Run._cache.clear()
            with self.assertRaisesRegex(RunContextError, message):
                Run.get_context()

    def test_metrics_file_defaults_to_run_dir(self):
        path = os.path.join(self.root, "ctx.json")
        run_dir = os.path.join(self.root, "rd")
        with open(path, "w") as f:
            json.dump({"run_id": "r1", "run_dir": run_dir}, f)
        os.environ["RUNNEL_RUN_CONTEXT"] = path
        Run.get_context().log("x", 1)
        self.assertEqual(read_lines(os.path.join(run_dir, "metrics.jsonl"))[0]["value"], 1)


class LoggingTest(RunTestBase):
    def lines(self, ctx):
        return read_lines(ctx["metrics_file"])

    def test_every_kind_has_the_right_shape(self):
        run, ctx = self.bind()
        image = os.path.join(self.root, "plot.png")
        with open(image, "wb") as f:
            f.write(b"\x89PNG fake")
        run.log("accuracy", 0.93, description="test accuracy")
        run.log_list("losses", (0.9, 0.5))
        run.log_row("epochs", epoch=1, loss=0.5)
        run.log_table("scores", {"model": ["lr", "rf"], "acc": [0.9, 0.8]})
        run.log_image("roc curve", path=image)
        run.tag("model", "lr")
        run.tag("flag")
        run.set_tags({"a": 1})
        run.add_properties({"best": "yes"})
        lines = self.lines(ctx)
        for line in lines:
            self.assertEqual(set(line), LINE_KEYS)
            self.assertIsInstance(line["time"], int)
            self.assertEqual(line["target"], "self")
        got = [(l["name"], l["kind"], l["value"]) for l in lines]
        self.assertEqual(got, [
            ("accuracy", "scalar", 0.93),
            ("losses", "list", [0.9, 0.5]),
            ("epochs", "row", {"epoch": 1, "loss": 0.5}),
            ("scores", "table", {"model": ["lr", "rf"], "acc": [0.9, 0.8]}),
            ("roc curve", "image", "images/roc_curve.png"),
            ("model", "tag", "lr"),
            ("flag", "tag", ""),
            ("a", "tag", "1"),
            ("best", "property", "yes"),
        ])
        self.assertEqual(lines[0]["description"], "test accuracy")
        with open(os.path.join(ctx["run_dir"], "images", "roc_curve.png"), "rb") as f:
            self.assertEqual(f.read(), b"\x89PNG fake")
        self.assertEqual(run.get_tags(), {"model": "lr", "flag": "", "a": "1"})
        self.assertEqual(run.get_properties(), {"best": "yes"})

    def test_sdk_table_kinds_child_runs_number_and_details(self):
        run, ctx = self.bind()
        at = {"schema_type": "accuracy_table", "schema_version": "1.0.1", "data": {"probability_tables": [[1]]}}
        run.log_accuracy_table("at", at, description="acc table")
        run.log_residuals("res", json.dumps({"schema_type": "residuals", "data": {"bin_edges": [0, 1]}}))
        run.log_predictions("pred", {"schema_type": "predictions", "data": {"bin_averages": [1]}})
        child = run.child_run(name="fold1")
        child.log("acc", 0.5)
        child.log("acc", 0.7)
        other = run.child_run(run_id="my-child")
        other.log("loss", 1)
        got = [(l["name"], l["kind"], l["value"], l["target"]) for l in self.lines(ctx)]
        self.assertEqual(got[:3], [("at", "table", at, "self"),
                                   ("res", "table", {"schema_type": "residuals", "data": {"bin_edges": [0, 1]}}, "self"),
                                   ("pred", "table", {"schema_type": "predictions", "data": {"bin_averages": [1]}},
                                    "self")])
        self.assertEqual(got[3:], [("acc", "scalar", 0.5, "self"), ("acc", "scalar", 0.7, "self"),
                                   ("loss", "scalar", 1, "self")])  # into the step's run
        self.assertEqual(self.lines(ctx)[0]["description"], "acc table")
        self.assertEqual((child.name, child.parent.id, child.get_metrics()), ("fold1", run.id, {"acc": [0.5, 0.7]}))
        self.assertTrue(child.id.startswith(run.id + "_child_"))
        self.assertEqual((other.id, other.get_metrics()), ("my-child", {"loss": 1}))
        self.assertEqual([c.id for c in run.get_children()], [child.id, "my-child"])
        self.assertIsInstance(run.number, int)  # no metadata.db in a fake context: 0
        # startTimeUtc: here the context file's time (the engine's record when there is one).
        self.assertRegex(run.get_details()["startTimeUtc"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        env = run.get_environment()
        self.assertEqual((env.name, env.version, env.python.interpreter_path), (None, None, sys.executable))

    def test_image_from_plot_and_name_clash(self):
        run, ctx = self.bind()

        class Figure:
            def savefig(self, path, format=None):
                with open(path, "w") as f:
                    f.write(format)

        run.log_image("cm", plot=Figure())
        run.log_image("cm", plot=Figure())
        values = [l["value"] for l in self.lines(ctx)]
        self.assertEqual(values, ["images/cm.png", "images/cm_1.png"])
        with self.assertRaises(ValueError):
            run.log_image("x")

    def test_values_are_made_json_safe(self):
        run, ctx = self.bind()

        class NumpyScalar:  # duck-typed like np.float32
            def item(self):
                return 1.5

        class NumpyArray:  # duck-typed like a 2-d np.ndarray
            ndim = 2

            def tolist(self):
                return [[1, 2], [3, 4]]

        run.log("s", NumpyScalar())
        run.log("a", NumpyArray())
        run.log("nan", float("nan"))
        run.log_list("inf", [float("inf"), float("-inf"), 1.0])
        run.log("obj", object)
        values = {l["name"]: l["value"] for l in self.lines(ctx)}  # strict JSON parse
        self.assertEqual(values["s"], 1.5)
        self.assertEqual(values["a"], [[1, 2], [3, 4]])
        self.assertEqual(values["nan"], "NaN")
        self.assertEqual(values["inf"], ["Infinity", "-Infinity", 1.0])
        self.assertEqual(values["obj"], "<class 'object'>")

    def test_real_numpy_values(self):
        try:
            import numpy as np
        except ImportError:
            self.skipTest("numpy not installed")
        run, ctx = self.bind()
        run.log("f", np.float32(0.5))
        run.log("i", np.int64(7))
        run.log_list("arr", np.arange(3))
        run.log_row("r", b=np.bool_(True))
        values = {l["name"]: l["value"] for l in self.lines(ctx)}
        self.assertEqual(values, {"f": 0.5, "i": 7, "arr": [0, 1, 2], "r": {"b": True}})

    def test_bad_table_and_name(self):
        run, _ = self.bind()
        with self.assertRaises(TypeError):
            run.log_table("t", [1, 2])
        with self.assertRaises(ValueError):
            run.log("", 1)

    def test_parent_logging(self):
        run, ctx = self.bind()
        run.log("acc", 0.8)
        run.parent.log("best_model", "rf")
        run.parent.tag("winner", "rf")
        lines = self.lines(ctx)
        self.assertEqual([(l["name"], l["target"]) for l in lines],
                         [("acc", "self"), ("best_model", "parent"), ("winner", "parent")])
        self.assertEqual(run.get_metrics(), {"acc": 0.8})
        self.assertEqual(run.parent.get_metrics(), {"best_model": "rf"})
        self.assertEqual(run.parent.get_tags(), {"winner": "rf"})

    def test_parent_sees_other_steps_of_the_pipeline_run(self):
        # Without a metadata store, the run folders naming the same pipeline run are read.
        _, other = make_context(self.root, run_id="step-run-0", step_name="train")
        runnel_metrics.append(other["metrics_file"], [
            runnel_metrics.make_record("mse", "scalar", 0.5, target="parent"),
            runnel_metrics.make_record("BuildId", "tag", "42", target="parent"),
            runnel_metrics.make_record("own", "scalar", 1)])
        _, stranger = make_context(self.root, run_id="step-run-9", step_name="x")
        with open(os.path.join(stranger["run_dir"], "context.json"), "w") as f:
            json.dump(dict(stranger, pipeline_run_id="pipeline-run-2",
                           parent={"run_id": "pipeline-run-2"}), f)
        runnel_metrics.append(stranger["metrics_file"], [
            runnel_metrics.make_record("mse", "scalar", 9, target="parent")])
        run, _ = self.bind(step_name="evaluate")
        run.parent.log("r2", 0.7)
        run.parent.add_properties({"p": "v"})
        self.assertEqual(run.parent.get_metrics(), {"mse": 0.5, "r2": 0.7})
        self.assertEqual(run.parent.get_tags(), {"BuildId": "42"})
        self.assertEqual(run.parent.get_properties(), {"p": "v"})
        self.assertEqual(run.get_metrics(), {})

    def test_parent_cancel_without_the_cli_says_so(self):
        run, ctx = self.bind()
        os.environ.pop("RUNNEL_BIN", None)
        os.environ["PATH"] = self.root  # no runnel there
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            run.parent.cancel()
            run.cancel()  # a step's own run: a no-op
        self.assertIn("pipeline run pipeline-run-1 NOT canceled", err.getvalue())
        with open(os.path.join(ctx["run_dir"], "cancel_parent.json")) as f:
            self.assertEqual(json.load(f)["pipeline_run_id"], "pipeline-run-1")

    def test_get_metrics_aggregates(self):
        run, _ = self.bind()
        run.log("loss", 3)
        run.log("loss", 2)
        run.log("acc", 0.9)
        run.log_row("epochs", epoch=1, loss=0.5)
        run.log_row("epochs", epoch=2, loss=0.4)
        run.log_table("t", {"x": [1]})
        run.log_table("t", {"x": [2, 3]})
        self.assertEqual(run.get_metrics(), {
            "loss": [3, 2], "acc": 0.9,
            "epochs": {"epoch": [1, 2], "loss": [0.5, 0.4]}, "t": {"x": [1, 2, 3]}})
        self.assertEqual(run.get_metrics("acc"), {"acc": 0.9})

    def test_torn_line_is_skipped_on_read(self):
        run, ctx = self.bind()
        run.log("a", 1)
        with open(ctx["metrics_file"], "a") as f:
            f.write('{"name": "b", "ki')
        self.assertEqual(run.get_metrics(), {"a": 1})


class DataTest(RunTestBase):
    def inputs(self):
        return {
            "train": {"type": "uri_folder", "mode": "ro_mount", "path": "/data/train",
                      "value": None, "dataset": None},
            "raw": {"type": "uri_file", "mode": "download", "path": "/data/raw.csv"},
            "iris": {"type": "mltable", "mode": "direct", "path": "/data/iris",
                     "dataset": {"name": "iris", "version": 2, "kind": "tabular",
                                 "definition": {"files": []}}},
            "seed": {"type": "integer", "mode": None, "path": None, "value": 42},
        }

    def test_input_and_output_datasets(self):
        run, ctx = self.bind(inputs=self.inputs(),
                             outputs={"model": {"type": "uri_folder", "mode": "rw_mount",
                                                "path": "/out/model"}})
        datasets = run.input_datasets
        self.assertEqual({k: datasets[k] for k in ("train", "raw")},
                         {"train": "/data/train", "raw": "/data/raw.csv"})
        self.assertEqual(sorted(datasets), ["iris", "raw", "train"])
        self.assertNotIsInstance(datasets["iris"], str)  # direct mode: a dataset object
        self.assertEqual(run.output_datasets, {"model": "/out/model"})
        self.assertEqual(run.inputs["seed"], 42)
        self.assertEqual(run.parent.input_datasets, {})

    def test_direct_dataset_uses_runnel_dataset_when_present(self):
        fake = types.ModuleType("runnel.dataset")
        fake.from_context = lambda entry: ("dataset", entry["dataset"]["name"])
        with mock.patch.dict(sys.modules, {"runnel.dataset": fake}):
            run, _ = self.bind(inputs=self.inputs())
            self.assertEqual(run.input_datasets["iris"], ("dataset", "iris"))
            self.assertEqual(run.input_datasets["train"], "/data/train")

    def test_upload_file(self):
        run, ctx = self.bind()
        src = os.path.join(self.root, "model.pkl")
        with open(src, "wb") as f:
            f.write(b"model")
        dest = run.upload_file("outputs/models/model.pkl", src)
        self.assertEqual(dest, os.path.join(ctx["outputs_dir"], "models", "model.pkl"))
        run.upload_file("notes.txt", io.BytesIO(b"hi"))
        self.assertEqual(run.get_file_names(), ["outputs/models/model.pkl", "outputs/notes.txt"])
        with self.assertRaises(ValueError):
            run.upload_file("../escape", src)

    def test_upload_without_outputs_dir_uses_run_dir(self):
        run, ctx = self.bind(outputs_dir=False)
        dest = run.upload_file("a.txt", io.StringIO("text"))
        self.assertEqual(dest, os.path.join(ctx["run_dir"], "outputs", "a.txt"))


class ShimTest(RunTestBase):
    def test_azureml_imports(self):
        from azureml.core import Dataset, Datastore, Experiment, Workspace
        from azureml.core import Run as CoreRun
        from azureml.core.run import Run as RunFromRun, _OfflineRun
        self.assertIs(CoreRun, runnel.Run)
        self.assertIs(RunFromRun, runnel.Run)
        self.assertTrue(isinstance(CoreRun.get_context(), _OfflineRun))
        self.assertIsNotNone(Dataset)
        self.assertIs(Workspace, runnel.Workspace)
        self.assertIs(Datastore, runnel.Datastore)
        self.assertIs(Experiment, runnel.Experiment)

    def test_shim_bound_run(self):
        from azureml.core import Run as CoreRun
        path, ctx = make_context(self.root)
        os.environ["RUNNEL_RUN_CONTEXT"] = path
        run = CoreRun.get_context()
        ws = run.experiment.workspace
        self.assertEqual(ws.path, ctx["workspace"])
        self.assertEqual(ws.get_default_datastore().name, "workspaceblobstore")
        self.assertTrue(ws.get_default_datastore().path.endswith(
            os.path.join(".runnel", "datastores", "workspaceblobstore")))

    def test_shim_script_in_subprocess(self):
        path, ctx = make_context(self.root, inputs={
            "x": {"type": "uri_folder", "mode": "download", "path": "/d/x"}})
        script = ("from azureml.core import Run, Dataset, Workspace, Datastore\n"
                  "run = Run.get_context()\n"
                  "run.log('path', run.input_datasets['x'])\n")
        subprocess.run([sys.executable, "-c", script], env=subprocess_env(path), check=True)
        self.assertEqual(read_lines(ctx["metrics_file"])[0]["value"], "/d/x")


WRITER = """
import sys
from runnel import Run
run = Run.get_context()
tag = sys.argv[1]
for i in range(int(sys.argv[2])):
    run.log_row("rows", writer=tag, i=i, pad="x" * (i % 97) * 50)
"""


class ConcurrencyTest(RunTestBase):
    def check(self, ctx, writers, n):
        lines = read_lines(ctx["metrics_file"])  # every line parses
        self.assertEqual(len(lines), writers * n)
        for w in range(writers):
            seq = [l["value"]["i"] for l in lines if l["value"]["writer"] == str(w)]
            self.assertEqual(seq, list(range(n)))  # each writer's lines are whole, in order

    def test_two_processes(self):
        path, ctx = make_context(self.root)
        n = 400
        procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(w), str(n)],
                                  env=subprocess_env(path)) for w in range(2)]
        for p in procs:
            self.assertEqual(p.wait(), 0)
        self.check(ctx, 2, n)

    def test_threads(self):
        run, ctx = self.bind()
        n = 200

        def write(tag):
            for i in range(n):
                run.log_row("rows", writer=tag, i=i, pad="y" * 3000)

        threads = [threading.Thread(target=write, args=(str(w),)) for w in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.check(ctx, 3, n)


class ToJsonableTest(unittest.TestCase):
    def test_plain_and_nested(self):
        f = runnel_metrics.to_jsonable
        self.assertEqual(f({"a": (1, {2})}), {"a": [1, [2]]})
        self.assertEqual(f(b"x"), "x")
        self.assertIs(f(True), True)
        self.assertEqual(f({1: float("-inf")}), {"1": "-Infinity"})


if __name__ == "__main__":
    unittest.main()
