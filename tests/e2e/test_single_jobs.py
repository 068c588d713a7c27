"""Standalone job files, as `az ml job create -f job.yml` takes them (azureml-examples'
cli/jobs/single-step/* and cli/jobs/basics/*): a command job (type: optional), a sweep job
and a parallel job at the top of the file, each run as a pipeline of that one job, named
after the file, with the file's experiment_name and display_name."""

import os
import unittest

from e2e_util import WorkspaceTest, read

TRAIN = """
import argparse, mlflow, os
p = argparse.ArgumentParser()
p.add_argument("--data"); p.add_argument("--lr", type=float); p.add_argument("--kind")
p.add_argument("--out", default=None)
a = p.parse_args()
rows = len(open(a.data).read().splitlines()) - 1
mlflow.log_metric("loss", abs(a.lr - 0.3) + (0.5 if a.kind == "b" else 0))
if a.out:
    os.makedirs(a.out, exist_ok=True)
    open(os.path.join(a.out, "rows.txt"), "w").write(str(rows))
"""


class SingleJobFilesTest(WorkspaceTest):
    def setUp(self):
        super().setUp()
        self.write("src/main.py", TRAIN)
        self.write("iris.csv", "a,b\n1,2\n3,4\n5,6\n")
        self.assertEqual(self.runnel("compute", "create", "cpu-cluster", "--type", "local").returncode, 0)

    def test_command_job_without_type_runs_and_is_reused(self):
        path = self.write("hello-job.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
            code: src
            command: python main.py --data ${{inputs.iris}} --lr ${{inputs.lr}} --kind a --out ${{outputs.m}}
            inputs:
              iris: {type: uri_file, path: ./iris.csv}
              lr: 0.25
            outputs:
              m: {type: uri_folder}
            environment: azureml:AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest
            compute: azureml:cpu-cluster
            experiment_name: iris-single
            display_name: train once
            """)
        self.run_pipeline(path)
        run = self.show()
        self.assertEqual(run["experiment"], "iris-single")
        self.assertEqual([s["name"] for s in run["steps"]], ["hello-job"])
        out = run["steps"][0]["outputs"]["m"]
        self.assertEqual(read(os.path.join(out if isinstance(out, str) else out["path"], "rows.txt")), "3")
        self.run_pipeline(path)
        self.assertEqual(self.show()["steps"][0]["status"], "Reused")

    def test_sweep_job_at_the_top_runs_its_trials(self):
        path = self.write("job-sweep.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/sweepJob.schema.json
            type: sweep
            trial:
              code: src
              command: >-
                python main.py --data ${{inputs.iris}}
                --lr ${{search_space.lr}} --kind ${{search_space.kind}}
              environment: azureml:AzureML-lightgbm-3.2-ubuntu18.04-py37-cpu:11
            inputs:
              iris: {type: uri_file, path: ./iris.csv}
            compute: azureml:cpu-cluster
            sampling_algorithm: grid
            search_space:
              lr: {type: choice, values: [0.1, 0.3]}
              kind: {type: choice, values: ["a", "b"]}
            objective: {goal: minimize, primary_metric: loss}
            limits: {max_total_trials: 4, max_concurrent_trials: 2, timeout: 600}
            experiment_name: sweep-single
            """)
        self.run_pipeline(path, timeout=300)
        run = self.show()
        self.assertEqual(run["experiment"], "sweep-single")
        step = run["steps"][0]
        self.assertEqual((step["name"], step["status"]), ("job-sweep", "Finished"))
        p = self.runnel("metrics", "latest")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"best_lr\s+scalar\s+0\.3\n")
        self.assertRegex(p.stdout, r"best_kind\s+scalar\s+a\n")
        self.assertRegex(p.stdout, r"trials\s+scalar\s+4\n")

    def test_a_job_file_of_another_type_is_refused_clearly(self):
        path = self.write("automl.yml", "type: automl\ntask: classification\n")
        p = self.runnel("run", path)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("automl.yml:1:", p.stderr)
        self.assertIn("single command, sweep and parallel job files", p.stderr)


if __name__ == "__main__":
    unittest.main()
