"""Azure ML v2 pipeline YAML samples (azureml-examples cli/jobs/pipelines*, rewritten in our
own words under tests/e2e/v2_samples/<name>/: the same keys, structure and expressions,
small scripts and local data instead of downloads) run end to end with `runnel run` in a
fresh workspace: step statuses, the outputs' content, reuse on a second run, and the clear
refusals of jobs runnel does not stand in for (AutoML, Spark, prompt flow).
docs/v2-sample-compat.md lists what each fixture covers."""

import functools
import http.server
import io
import json
import os
import shutil
import tarfile
import threading
import unittest

from e2e_util import SOURCE_DIR, WorkspaceTest, read

SAMPLES = os.path.join(SOURCE_DIR, "tests", "e2e", "v2_samples")
CURATED_NOTE = "Azure ML's curated environment"


def sample(name, file="pipeline.yml"):
    return os.path.join(SAMPLES, name, file)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class V2SampleTest(WorkspaceTest):
    def setUp(self):
        super().setUp()
        # The samples name the clusters of an Azure ML workspace; here they are local pools.
        for cluster in ("cpu-cluster", "gpu-cluster"):
            p = self.runnel("compute", "create", cluster, "--type", "local")
            self.assertEqual(p.returncode, 0, p.stderr)

    def run_sample(self, name, *args, path=None, expect_status="Finished"):
        p = self.run_pipeline(path or sample(name), *args)
        steps = self.steps()
        for s in steps.values():
            self.assertIn(s["status"], (expect_status, "Reused"), "%s: %s" % (s["name"], s))
        return p, steps

    def output(self, steps, step, name, file=None):
        path = steps[step]["outputs"][name]
        return read(os.path.join(path, file)) if file else path

    def log(self, step):
        """The step's own output: runnel's warnings in the step's stderr (a named image that
        cannot run here, so the step ran on this machine) are left out."""
        p = self.runnel("logs", "latest", step)
        self.assertEqual(p.returncode, 0, p.stderr)
        return "".join(l for l in p.stdout.splitlines(True) if not l.startswith("runnel: warning: "))

    def assert_all_reused(self, path):
        self.run_pipeline(path)
        statuses = {n: s["status"] for n, s in self.steps().items()}
        self.assertEqual(set(statuses.values()), {"Reused"}, statuses)

    # -- basics --------------------------------------------------------------------------
    def test_e2e_local_components(self):
        p, steps = self.run_sample("e2e_local_components")
        self.assertEqual(set(steps), {"train_job", "score_job", "evaluate_job"})
        model = json.loads(self.output(steps, "train_job", "model_output", "model.json"))
        self.assertEqual((model["epochs"], model["lr"], model["schedule"]), (20, 1.8, "time-based"))
        self.assertAlmostEqual(model["w"], 2.0, delta=0.05)  # y = 2x, 20 damped steps
        report = self.output(steps, "evaluate_job", "eval_output", "report.txt")
        self.assertRegex(report, r"^rows=4 mae=0\.0\d+")
        # The curated environment runs with the default interpreter, said once.
        self.assertEqual(p.stderr.count(CURATED_NOTE), 1, p.stderr)
        self.assert_all_reused(sample("e2e_local_components"))

    def test_e2e_registered_components(self):
        for c in ("train", "score", "eval"):
            p = self.runnel("component", "create", "-f", sample("e2e_registered_components", c + ".yml"))
            self.assertEqual(p.returncode, 0, p.stderr)
        _, steps = self.run_sample("e2e_registered_components")
        self.assertRegex(self.output(steps, "evaluate_job", "eval_output", "report.txt"), r"^rows=4 ")
        # The registered copy is what runs: the working folder can change without effect.
        self.assert_all_reused(sample("e2e_registered_components"))

    def test_hello_world_io_older_binding_spelling(self):
        p, steps = self.run_sample("hello_world_io")
        self.assertIn("'${{jobs.hello.outputs.world}}' is the older spelling of "
                      "${{parent.jobs.hello.outputs.world}}", p.stderr)
        self.assertEqual(self.log("hello").strip(), "hello")
        # The sample's inline environment names image 'python', which podman lacks here: the
        # step log says so once.
        full = self.runnel("logs", "latest", "hello").stdout
        self.assertEqual(full.count("names image 'python', which cannot run here"), 1, full)
        self.assertEqual(self.log("world").strip(), "world")

    def test_pipeline_with_data(self):
        _, steps = self.run_sample("pipeline_with_data")
        self.assertEqual(self.output(steps, "component_c", "componentC_output", "lines.txt"),
                         "alpha A B C\nbeta A B C\n")

    def test_datastore_datapath_uri(self):
        p = self.runnel("datastore", "upload", os.path.join(SAMPLES, "datastore_datapath_uri", "upload", "hello"),
                        "samples/hello")
        self.assertEqual(p.returncode, 0, p.stderr)
        _, steps = self.run_sample("datastore_datapath_uri")
        # The pipeline output's path azureml://datastores/workspaceblobstore/paths/azureml/${{name}}
        folder = steps["component_folder"]["outputs"]["sample_output_data"]
        self.assertEqual(folder, os.path.join(self.datastore(), "azureml", steps["component_folder"]["run_id"]))
        self.assertEqual(read(os.path.join(folder, "listing.txt")), "Hello_Pipeline_World\nhello-world.txt\n")
        self.assertEqual(self.output(steps, "component_file", "sample_output_data", "shout.txt"),
                         "HELLO WORLD\nupstream said Hello_Pipeline_World\n")

    def test_pipeline_type_uri_file_and_force_rerun(self):
        _, steps = self.run_sample("pipeline_type")
        self.assertEqual(read(steps["job_file_output"]["outputs"]["output_file"]).strip(), "hello-world")
        self.assertEqual(self.log("job_file_input").strip(), "read hello-world")
        self.run_pipeline(sample("pipeline_type"))  # settings.force_rerun: true
        self.assertEqual({s["status"] for s in self.steps().values()}, {"Finished"})

    def test_data_asset_inputs_and_conda_environment(self):
        for f in ("data.yml", "data-mltable.yml"):
            p = self.runnel("data", "create", "-f", sample("data_asset_input", f))
            self.assertEqual(p.returncode, 0, p.stderr)
        _, steps = self.run_sample("data_asset_input")
        self.assertEqual(self.output(steps, "python_hello_step", "sample_output_data", "hello.txt"), "Pipeline_Hello 3\n")
        self.assertEqual(self.output(steps, "python_table_step", "sample_output_data", "warmest.txt"), "Pune 3 rows\n")
        # A new version of the folder asset: @latest takes it, only its reader reruns.
        folder = os.path.join(self.dir, "folder_v2")
        shutil.copytree(os.path.join(SAMPLES, "data_asset_input", "local-folder"), folder)
        with open(os.path.join(folder, "c.txt"), "w") as f:
            f.write("four\n")
        p = self.runnel("data", "create", "-f", sample("data_asset_input", "data.yml"), "--set", "path=" + folder)
        self.assertEqual(p.returncode, 0, p.stderr)
        _, steps = self.run_sample("data_asset_input")
        self.assertEqual(steps["python_hello_step"]["status"], "Finished")
        self.assertEqual(steps["python_table_step"]["status"], "Reused")
        self.assertEqual(self.output(steps, "python_hello_step", "sample_output_data", "hello.txt"), "Pipeline_Hello 4\n")

    # -- end-to-end samples --------------------------------------------------------------
    def test_nyc_taxi_data_regression(self):
        _, steps = self.run_sample("nyc_taxi_data_regression")
        self.assertEqual(len(steps), 5)
        self.assertEqual(read(os.path.join(self.output(steps, "prep_job", "prep_data"), "merged.csv")).count("\n"), 11)
        report = self.output(steps, "score_job", "score_report", "score.txt")
        self.assertIn("rows: 3\n", report)
        self.assertLess(float(report.split("mae: ")[1].split()[0]), 0.5)
        self.assertEqual(self.output(steps, "train_job", "test_data", "test.csv").count("\n"), 4)
        self.assert_all_reused(sample("nyc_taxi_data_regression"))

    def test_pipeline_with_hyperparameter_sweep(self):
        _, steps = self.run_sample("pipeline_with_hyperparameter_sweep")
        sweep = steps["sweep_step"]
        trials = sweep["children"]["children"]
        self.assertEqual(len(trials), 5)
        scores = {t["id"]: t["primary_metric"]["final"] for t in trials}  # logged with mlflow
        best = min(scores, key=scores.get)  # goal: minimize
        self.assertEqual(sweep["metrics"]["best_trial"], best)
        self.assertEqual(sweep["metrics"]["best_training_f1_score"], scores[best])
        for t in trials:
            self.assertTrue(0.5 <= t["parameters"]["c_value"] <= 0.9)
            self.assertIn(t["parameters"]["kernel"], ("rbf", "linear", "poly"))
        # predict_step reads the best trial's MLflow model folder.
        model = self.output(steps, "sweep_step", "model_output")
        self.assertIn("serialization_format: pickle", read(os.path.join(model, "model", "MLmodel")))
        accuracy = float(self.output(steps, "predict_step", "predict_result", "accuracy.txt"))
        self.assertGreater(accuracy, 0.6)

    def test_pipeline_with_pipeline_component(self):
        _, steps = self.run_sample("pipeline_with_pipeline_component")
        self.assertIn("train_and_evaludate_model1/train_job", steps)
        self.assertIn("train_and_evaludate_model2/evaluate_job", steps)
        m1 = json.loads(self.output(steps, "train_and_evaludate_model1/train_job", "model_output", "model.json"))
        m2 = json.loads(self.output(steps, "train_and_evaludate_model2/train_job", "model_output", "model.json"))
        self.assertEqual((m1["epochs"], m1["lr"]), (20, 0.1))
        self.assertEqual((m2["epochs"], m2["lr"]), (10, 0.01))  # optional input left out
        best = self.output(steps, "compare", "best_result", "best.txt")
        self.assertTrue(best.startswith("best=model1\n"), best)
        self.assertEqual(json.loads(self.output(steps, "compare", "best_model", "model.json")), m1)

    def test_rai_pipeline_plain_command_jobs(self):
        for split in ("train", "test"):
            p = self.runnel("data", "create", "-f",
                            sample("rai_pipeline_adult_analyse", "data/data_adult_%s.yaml" % split))
            self.assertEqual(p.returncode, 0, p.stderr)
        _, steps = self.run_sample("rai_pipeline_adult_analyse")
        self.assertEqual(len(steps), 6)
        dash = self.output(steps, "create_rai_job", "rai_insights_dashboard")
        cfg = json.loads(read(os.path.join(dash, "config.json")))
        self.assertEqual((cfg["title"], cfg["model_id"], cfg["categorical"]),
                         ("With just the OSS", "component_registered_lr_01:1", ["Race", "Sex"]))
        gathered = json.loads(self.output(steps, "gather_01", "dashboard", "dashboard.json"))
        self.assertEqual(gathered["insights"], ["explanation.json", "error_analysis.json"])
        ea = json.loads(self.output(steps, "error_analysis_01", "error_analysis", "error_analysis.json"))
        self.assertEqual(set(ea["errors_by_feature"]), {"Race", "Sex"})

    # -- parallel and distributed ----------------------------------------------------------
    def test_iris_batch_prediction_parallel(self):
        _, steps = self.run_sample("iris_batch_prediction_parallel")
        rows = read(os.path.join(self.output(steps, "batch_prediction", "job_output_file"),
                                 "parallel_run_step.txt")).splitlines()
        self.assertEqual(len(rows), 60)
        self.assertGreater(sum(r.endswith(" ok") for r in rows), 45)

    def test_mnist_batch_parallel_file_list_mltable(self):
        _, steps = self.run_sample("mnist_batch_parallel")
        self.assertIn("3 mini-batches (0 reused), 0 of 12 items failed", self.log("predict_digits_mnist"))
        lines = self.log("view_prediction_result").split("\n")
        lines = [l for l in lines if l.startswith("img_")]
        self.assertEqual(len(lines), 12)
        for line in lines:  # img_NN.txt holds digit "017"[NN % 3]
            name, digit = line.split()
            self.assertEqual(digit, "017"[int(name[4:6]) % 3], line)

    def test_cifar_10_distributed_pytorch(self):
        _, steps = self.run_sample("cifar_10")
        model_dir = self.output(steps, "train_model", "model_dir")
        self.assertEqual(read(os.path.join(model_dir, "model", "mean.txt")).split()[:3],
                         ["19.5", "epochs=1", "world=2"])
        ranks = [read(os.path.join(model_dir, "rank_%d.txt" % r)).split() for r in (0, 1)]
        self.assertEqual(sum(int(r[0]) for r in ranks), sum(range(40)))  # both ranks ran
        self.assertIn("rank 0 of 2: model mean 19.5 matches", self.log("eval_model"))
        process1 = read(os.path.join(steps["eval_model"]["log_dir"], "user_logs", "std_log_process_1.txt"))
        self.assertIn("rank 1 of 2: model mean 19.5 matches", process1)

    def test_tensorflow_image_segmentation_url_inputs(self):
        # The sample downloads two archives from a web server; a local one serves ours.
        fixture = os.path.join(self.dir, "tf")
        shutil.copytree(os.path.join(SAMPLES, "tensorflow_image_segmentation"), fixture)
        handler = functools.partial(QuietHandler, directory=os.path.join(fixture, "web"))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        path = os.path.join(fixture, "pipeline.yml")
        text = read(path).replace("https://www.robots.ox.ac.uk/~vgg/data/pets/data/",
                                  "http://127.0.0.1:%d/" % server.server_port)
        with open(path, "w") as f:
            f.write(text)
        _, steps = self.run_sample("tensorflow_image_segmentation", path=path)
        model = json.loads(self.output(steps, "train", "trained_model", "model.json"))
        self.assertEqual(model["pairs"], ["Abyssinian_1", "Bengal_2", "beagle_3", "pug_4", "pug_5"])
        self.assertEqual(model["task"], {"type": "worker", "index": 0})  # TF_CONFIG
        self.assertEqual(model["nccl_debug"], "INFO")
        self.assertEqual(len(os.listdir(self.output(steps, "train", "checkpoints"))), 7)
        self.assert_all_reused(path)
        # A changed file on the server is downloaded again and reruns the steps reading it.
        with tarfile.open(os.path.join(fixture, "web", "images.tar.gz"), "w:gz") as tar:
            for pet in ("beagle_3", "pug_4"):
                info = tarfile.TarInfo("images/%s.jpg" % pet)
                info.size = 3
                tar.addfile(info, io.BytesIO(b"jpg"))
        _, steps = self.run_sample("tensorflow_image_segmentation", path=path)
        self.assertEqual({s["status"] for s in steps.values()}, {"Finished"})
        model = json.loads(self.output(steps, "train", "trained_model", "model.json"))
        self.assertEqual(model["pairs"], ["beagle_3", "pug_4"])
        # A URL that answers 404 is an error at the input's line.
        with open(path, "w") as f:
            f.write(text.replace("images.tar.gz", "missing.tar.gz"))
        self.assert_bad_input(self.runnel("run", path), "pipeline.yml", 21,
                              "jobs.prepare_data.inputs.images_archive", what="HTTP 404")

    # -- pipeline settings and job keys the samples left untested ---------------------------
    def run_init_finalize(self, fail_in, expect):
        journal = os.path.join(self.dir, "journal-%s.txt" % fail_in)
        p = self.run_pipeline(sample("pipeline_init_finalize"), "--set", "inputs.fail_in=" + fail_in,
                              "--set", "inputs.journal=" + journal, expect=expect)
        return p, read(journal).split(), self.steps(), self.show()

    def test_pipeline_init_finalize_order(self):
        _, journal, steps, run = self.run_init_finalize("none", 0)
        self.assertEqual(run["status"], "Finished")
        self.assertEqual(journal[0], "create_workspace")  # every other job waited for it
        self.assertEqual(journal[-1], "clean_up")  # and for every other job
        self.assertEqual(sorted(journal[1:-1]), ["evaluate", "report", "train"])
        self.assertEqual({s["status"] for s in steps.values()}, {"Finished"})

    def test_pipeline_init_failure_runs_only_the_finalize_job(self):
        _, journal, steps, run = self.run_init_finalize("create_workspace", 1)
        self.assertEqual(run["status"], "Failed")
        self.assertEqual(run["error"], "step 'create_workspace' failed")
        self.assertEqual(journal, ["create_workspace", "clean_up"])
        self.assertEqual({n: s["status"] for n, s in steps.items()},
                         {"create_workspace": "Failed", "train": "Canceled", "evaluate": "Canceled",
                          "report": "Canceled", "clean_up": "Finished"})
        self.assertIn("canceled because step 'create_workspace' failed", steps["train"]["error"])

    def test_pipeline_finalize_runs_after_a_failed_job(self):
        _, journal, steps, run = self.run_init_finalize("train", 1)
        self.assertEqual(run["status"], "Failed")
        self.assertEqual(journal, ["create_workspace", "train", "clean_up"])
        self.assertEqual(steps["train"]["status"], "Failed")
        self.assertEqual(steps["report"]["status"], "Canceled")  # running when train failed
        self.assertEqual(steps["clean_up"]["status"], "Finished")

    def test_boolean_literals_reach_the_command_as_python_prints_them(self):
        _, steps = self.run_sample("boolean_inputs")
        self.assertEqual(self.output(steps, "defaults", "flags", "flags.txt"),
                         "shuffle=False verbose=True label=true\n")
        self.assertEqual(self.output(steps, "given", "flags", "flags.txt"),
                         "shuffle=True verbose=False label=false\n")
        # YAML 1.1 as az ml's PyYAML reads it, then str(): yes/Off booleans, 0.010 a float,
        # 0x10 an int; a quoted value keeps its text.
        self.assertEqual(self.log("inline").strip(),
                         "early_stop=True quoted=True warm_start=True cache=False lr=0.01 "
                         "steps=16 keep_as_written=0.010")

    def ranks(self, steps, step):
        folder = self.output(steps, step, "ranks")
        return {f[:-5]: json.loads(read(os.path.join(folder, f))) for f in os.listdir(folder)}

    def test_distribution_counts_bound_to_inputs(self):
        _, steps = self.run_sample("distribution_bound_counts")
        # The component's ${{inputs.processes}} (given ${{parent.inputs.processes}} = 2), one node.
        torch = self.ranks(steps, "pytorch_component")
        self.assertEqual(sorted(torch), ["0", "1"])
        for rank, env in torch.items():
            self.assertEqual((env["RANK"], env["LOCAL_RANK"], env["NODE_RANK"], env["WORLD_SIZE"]),
                             (rank, rank, "0", "2"))
            self.assertEqual(env["MASTER_ADDR"], "127.0.0.1")
            self.assertTrue(env["MASTER_PORT"].isdigit())
        # ${{parent.inputs.processes}} per node on ${{parent.inputs.nodes}} nodes.
        mpi = self.ranks(steps, "mpi_job")
        self.assertEqual(sorted(mpi), ["0", "1", "2", "3"])
        for rank, env in mpi.items():  # (mpirun, when installed, sets the local ranks itself)
            self.assertEqual((env["OMPI_COMM_WORLD_RANK"], env["OMPI_COMM_WORLD_SIZE"]), (rank, "4"))
            self.assertIn("OMPI_COMM_WORLD_LOCAL_RANK", env)
        tf = self.ranks(steps, "tensorflow_job")
        self.assertEqual(sorted(tf), ["worker0", "worker1", "worker2"])
        config = json.loads(tf["worker2"]["TF_CONFIG"])
        self.assertEqual(config["task"], {"type": "worker", "index": 2})
        self.assertEqual(len(config["cluster"]["worker"]), 3)
        # Values set at submit reach the bound counts too; only the jobs they feed rerun.
        self.run_pipeline(sample("distribution_bound_counts"), "--set", "inputs.processes=3")
        steps = self.steps()
        self.assertEqual(sorted(self.ranks(steps, "pytorch_component")), ["0", "1", "2"])
        self.assertEqual(len(self.ranks(steps, "mpi_job")), 6)
        self.assertEqual(steps["tensorflow_job"]["status"], "Reused")

    def test_a_job_past_its_limits_timeout_is_canceled(self):
        p = self.run_pipeline(sample("job_timeout"), expect=1)
        steps, run = self.steps(), self.show()
        self.assertEqual(run["status"], "Failed")
        self.assertEqual(steps["slow"]["status"], "Canceled")
        self.assertEqual(steps["slow"]["error"], "canceled: ran longer than its limits.timeout of 2 s")
        self.assertEqual(run["error"], "step 'slow' canceled: ran longer than its limits.timeout of 2 s")
        self.assertEqual(steps["report"]["status"], "Canceled")
        self.assertIn("started", self.log("slow"))
        self.assertLess(steps["slow"]["duration_s"], 20)

    # -- more basics, unchanged -----------------------------------------------------------
    def test_basic_pipeline_on_serverless_compute(self):
        p, steps = self.run_sample("basic_pipeline")
        self.assertEqual(set(steps), {"component_a", "component_b", "component_c"})
        for x in "ABC":
            self.assertIn("I am component %s :-)" % x, self.log("component_" + x.lower()))
        # The sample's typo is ignored with a warning, as Azure ML does.
        self.assertIn("settings.default_datestore: unknown key 'default_datestore' (did you mean "
                      "'default_datastore'?)", p.stderr)
        # Azure ML's serverless compute is no unknown target: a note, not a warning.
        self.assertIn("compute 'serverless' (Azure ML's serverless compute) runs on local here", p.stderr)
        self.assertNotIn("'serverless' is not registered here", p.stderr)
        self.assert_all_reused(sample("basic_pipeline"))

    def test_component_with_input_output(self):
        _, steps = self.run_sample("component_with_input_output")
        log = self.log("hello_python_world_job")
        self.assertIn("sample_input_string: hello_python_world_default", log)  # the default
        self.assertIn("reading file: sample.csv ...", log)
        self.assertIn('"Jun",  0.5,  2,  1', log)
        folder = self.output(steps, "hello_python_world_job", "sample_output_data")
        files = os.listdir(folder)
        self.assertEqual(len(files), 1, files)
        self.assertRegex(files[0], r"^file-\w{3}-\d\d-\d{4}-\d\d-\d\d-\d\d\.txt$")
        self.assertRegex(read(os.path.join(folder, files[0])), r"^Logging date time: ")
        self.assert_all_reused(sample("component_with_input_output"))

    def test_pytorch_hello_world_two_nodes_of_two(self):
        _, steps = self.run_sample("pytorch_hello_world")
        logs = [self.log("pytorch_job")]
        user_logs = os.path.join(steps["pytorch_job"]["log_dir"], "user_logs")
        logs += [read(os.path.join(user_logs, "std_log_process_%d.txt" % k)) for k in (1, 2, 3)]
        for k, text in enumerate(logs):
            fields = dict(l.strip().split(": ", 1) for l in text.splitlines() if ": " in l and
                          l.strip().split(":")[0] in ("RANK", "LOCAL_RANK", "NODE_RANK", "MASTER_ADDR"))
            self.assertEqual(fields, {"RANK": str(k), "LOCAL_RANK": str(k % 2), "NODE_RANK": str(k // 2),
                                      "MASTER_ADDR": "127.0.0.1"}, text)

    # -- what runnel refuses, clearly ------------------------------------------------------
    def test_automl_job_is_refused_naming_the_job(self):
        self.assert_bad_input(self.runnel("run", sample("unsupported_automl")), "pipeline.yml", 27,
                              "jobs.regression_node.type", what="job type 'automl' is not supported: AutoML")

    def test_spark_job_is_refused_naming_the_job(self):
        self.assert_bad_input(self.runnel("run", sample("unsupported_spark")), "pipeline.yml", 8,
                              "jobs.add_greeting_column1.type", what="job type 'spark' is not supported: Spark")

    def test_flow_node_is_refused_naming_the_job(self):
        self.assert_bad_input(self.runnel("run", sample("unsupported_flow")), "pipeline.yml", 20,
                              "jobs.flow_node_from_dag.component", what="is a prompt flow")


if __name__ == "__main__":
    unittest.main()
