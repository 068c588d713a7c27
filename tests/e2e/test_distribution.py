"""Distributed command jobs (issue 15 item 6): `distribution:` with type pytorch, mpi or
tensorflow starts the command once per process with the rendezvous variables each framework
expects (python/runnel/launch.py); `resources.instance_count` is the number of nodes (all
simulated on this machine for the local backend). A failing process fails the step with its
exit code and log, and stops the others; the distribution is part of the fingerprint; bad
values are errors with file:line. The same job on a real Slurm cluster is in test_slurm.py."""

import glob
import json
import os
import shutil
import unittest

from e2e_util import WorkspaceTest, read
from sdk_util import SdkScriptTest

RANKS = """
import argparse, json, os
p = argparse.ArgumentParser()
p.add_argument("--out")
a = p.parse_args()
keys = ["MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK", "LOCAL_RANK", "NODE_RANK",
        "LOCAL_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
        "OMPI_COMM_WORLD_LOCAL_RANK", "PMI_RANK", "TF_CONFIG"]
me = os.environ.get("RANK") or os.environ.get("OMPI_COMM_WORLD_RANK")
if me is None:
    task = json.loads(os.environ["TF_CONFIG"])["task"]
    me = "%s%d" % (task["type"], task["index"])
with open(os.path.join(a.out, "p%s.json" % me), "w") as f:
    json.dump({k: os.environ[k] for k in keys if k in os.environ}, f)
print("process", me, "done")
"""


def pipeline(distribution, instance_count=1, command="/usr/bin/python3 ranks.py --out ${{outputs.out}}"):
    return """
type: pipeline
jobs:
  train:
    type: command
    code: ./src
    command: %s
    resources: {instance_count: %d}
    distribution: %s
    outputs:
      out: {type: uri_folder}
""" % (command, instance_count, distribution)


class DistributionTest(WorkspaceTest):
    def setUp(self):
        super().setUp()
        self.write("src/ranks.py", RANKS)

    def run_and_read(self, text):
        path = self.write("p.yml", text)
        self.run_pipeline(path)
        step = self.steps()["train"]
        self.assertEqual(step["status"], "Finished")
        out = step["outputs"]["out"]
        return {os.path.basename(f)[1:-5]: json.loads(read(f)) for f in glob.glob(os.path.join(out, "p*.json"))}, step

    def test_pytorch_two_nodes_of_two_processes(self):
        procs, step = self.run_and_read(pipeline("{type: pytorch, process_count_per_instance: 2}", 2))
        self.assertEqual(sorted(procs), ["0", "1", "2", "3"])
        ports = {p["MASTER_PORT"] for p in procs.values()}
        self.assertEqual(len(ports), 1, "every rank must meet at one port")
        for rank, env in procs.items():
            r = int(rank)
            self.assertEqual(env["WORLD_SIZE"], "4")
            self.assertEqual(env["RANK"], rank)
            self.assertEqual(env["LOCAL_RANK"], str(r % 2))
            self.assertEqual(env["NODE_RANK"], str(r // 2))
            self.assertEqual(env["LOCAL_WORLD_SIZE"], "2")
            self.assertEqual(env["MASTER_ADDR"], "127.0.0.1")
        # Process 0 writes to the step's stdout; the others to Azure ML's per-process logs.
        logs = os.path.join(step["log_dir"], "user_logs")
        self.assertIn("process 0 done", read(step["stdout"]))
        for r in (1, 2, 3):
            self.assertIn("process %d done" % r, read(os.path.join(logs, "std_log_process_%d.txt" % r)))

    def test_mpi_ranks_without_an_mpi_launcher(self):
        procs, _ = self.run_and_read(pipeline("{type: mpi, process_count_per_instance: 3}")
                                     .replace("    distribution:", "    environment_variables: {RUNNEL_MPI_LAUNCHER: none}\n"
                                              "    distribution:"))
        self.assertEqual(sorted(procs), ["0", "1", "2"])
        for rank, env in procs.items():
            self.assertEqual(env["OMPI_COMM_WORLD_RANK"], rank)
            self.assertEqual(env["OMPI_COMM_WORLD_SIZE"], "3")
            self.assertEqual(env["OMPI_COMM_WORLD_LOCAL_RANK"], rank)
            self.assertEqual(env["PMI_RANK"], rank)
            self.assertNotIn("RANK", env)

    def test_mpi_world_through_mpirun(self):
        """With Open MPI installed (scripts/install-deps.sh), the ranks are started by mpirun and
        form one MPI world: an allreduce over mpi4py sees every rank; rank k > 0 logs to
        std_log_process_<k>.txt; a failing rank fails the step naming it."""
        if not shutil.which("mpirun"):
            self.skipTest("mpirun is not installed (apt-get install openmpi-bin python3-mpi4py)")
        self.write("src/world.py", """
            import os, sys
            from mpi4py import MPI
            comm = MPI.COMM_WORLD
            rank, size = comm.Get_rank(), comm.Get_size()
            total = comm.allreduce(rank + 1)
            print("rank", rank, "of", size, "total", total, flush=True)
            if rank == 0:
                with open(os.path.join(sys.argv[1], "world.txt"), "w") as f:
                    f.write("%d %d\\n" % (size, total))
            """)
        path = self.write("p.yml", pipeline("{type: mpi, process_count_per_instance: 3}",
                                            command="/usr/bin/python3 world.py ${{outputs.out}}"))
        p = self.run_pipeline(path)
        step = self.steps()["train"]
        self.assertEqual(read(os.path.join(step["outputs"]["out"], "world.txt")), "3 6\n",
                         "three ranks in one world: 1 + 2 + 3")
        self.assertIn("through", read(step["stderr"]))
        logs = os.path.join(step["log_dir"], "user_logs")
        self.assertIn("rank 0 of 3 total 6", read(step["stdout"]))
        for r in (1, 2):
            self.assertIn("rank %d of 3 total 6" % r, read(os.path.join(logs, "std_log_process_%d.txt" % r)))
        # A rank that dies (no MPI_Finalize): mpirun stops the others; the step fails with its
        # exit code, names it and shows its last lines.
        cmd = ("/usr/bin/python3 -c \"import os, time; from mpi4py import MPI; r = MPI.COMM_WORLD.Get_rank(); "
               "print('rank', r, flush=True); os._exit(3) if r == 2 else time.sleep(60)\"")
        path = self.write("p.yml", pipeline("{type: mpi, process_count_per_instance: 3}", command=cmd)
                          .replace("    outputs:\n      out: {type: uri_folder}\n", ""))
        p = self.run_pipeline(path, expect=1, timeout=60)
        step = self.steps()["train"]
        self.assertEqual(step["status"], "Failed")
        self.assertEqual(step["exit_code"], 3)
        self.assertIn("process 2 (node 0, local rank 2) of 3 exited with code 3", read(step["stderr"]))
        self.assertIn("rank 2", read(step["stderr"]))
        self.assertLess(step["duration_s"], 40, "mpirun stopped the sleeping ranks")

    def test_tensorflow_workers_and_parameter_server(self):
        procs, _ = self.run_and_read(pipeline("{type: tensorflow, worker_count: 2, parameter_server_count: 1}"))
        self.assertEqual(sorted(procs), ["ps0", "worker0", "worker1"])
        configs = {k: json.loads(v["TF_CONFIG"]) for k, v in procs.items()}
        cluster = configs["worker0"]["cluster"]
        self.assertEqual(len(cluster["worker"]), 2)
        self.assertEqual(len(cluster["ps"]), 1)
        self.assertEqual(len(set(cluster["worker"] + cluster["ps"])), 3, "each task needs its own address")
        for name, c in configs.items():
            self.assertEqual(c["cluster"], cluster, "all tasks see one cluster")
            self.assertEqual("%s%d" % (c["task"]["type"], c["task"]["index"]), name)

    def test_a_failing_process_fails_the_step_and_stops_the_others(self):
        cmd = ("/usr/bin/python3 -c \"import os, sys, time; r = int(os.environ['RANK']); print('rank', r); "
               "sys.exit(3) if r == 2 else time.sleep(60)\"")
        path = self.write("p.yml", pipeline("{type: pytorch, process_count_per_instance: 4}", command=cmd)
                          .replace("    outputs:\n      out: {type: uri_folder}\n", ""))
        p = self.run_pipeline(path, expect=1, timeout=50)
        step = self.steps()["train"]
        self.assertEqual(step["status"], "Failed")
        self.assertEqual(step["exit_code"], 3)
        self.assertIn("process 2 (node 0, local rank 2) of 4 exited with code 3", p.stdout + p.stderr)
        self.assertIn("std_log_process_2.txt", read(step["stderr"]))
        self.assertIn("rank 2", read(step["stderr"]), "the failed process's last lines are shown")
        self.assertLess(step["duration_s"], 30, "the sleeping processes were stopped, not waited for")

    def test_distribution_is_part_of_the_fingerprint(self):
        path = self.write("p.yml", pipeline("{type: pytorch, process_count_per_instance: 2}"))
        self.run_pipeline(path)
        self.run_pipeline(path)
        self.assertEqual(self.steps()["train"]["status"], "Reused")
        self.write("p.yml", pipeline("{type: pytorch, process_count_per_instance: 3}"))
        self.run_pipeline(path)
        step = self.steps()["train"]
        self.assertEqual(step["status"], "Finished")
        self.assertEqual(len(glob.glob(os.path.join(step["outputs"]["out"], "p*.json"))), 3)
        why = self.runnel("why", "latest", "train")
        self.assertIn("distribution changed: pytorch, 1 node x 2 processes -> pytorch, 1 node x 3 processes",
                      why.stdout + why.stderr)

    def test_a_command_component_carries_its_distribution(self):
        self.write("train.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
            type: command
            name: train
            code: ./src
            command: /usr/bin/python3 ranks.py --out ${{outputs.out}}
            outputs:
              out: {type: uri_folder}
            distribution:
              type: pytorch
              process_count_per_instance: 2
            """)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              train:
                component: ./train.yml
            """)
        self.run_pipeline(path)
        out = self.steps()["train"]["outputs"]["out"]
        self.assertEqual(len(glob.glob(os.path.join(out, "p*.json"))), 2)

    def test_bad_distributions_name_the_line(self):
        path = self.write("p.yml", pipeline("{type: horovod}"))
        self.assert_bad_input(self.runnel("run", path), "p.yml", 8, "jobs.train.distribution.type",
                              what="pytorch, mpi and tensorflow")
        path = self.write("p.yml", pipeline("{type: pytorch, process_count_per_instance: 0}"))
        self.assert_bad_input(self.runnel("run", path), "p.yml", 8,
                              "jobs.train.distribution.process_count_per_instance")
        path = self.write("p.yml", pipeline("{type: pytorch, worker_count: 2}"))
        self.assert_bad_input(self.runnel("run", path), "p.yml", 8, "jobs.train.distribution")
        path = self.write("p.yml", pipeline("{process_count_per_instance: 2}"))
        self.assert_bad_input(self.runnel("run", path), "p.yml", 8, "jobs.train.distribution")


SDK_SCRIPT = """
from azureml.core import Experiment, ScriptRunConfig, Workspace
from azureml.core.runconfig import MpiConfiguration, PyTorchConfiguration, RunConfiguration
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.steps import PythonScriptStep

ws = Workspace.from_config()
out = PipelineData("out", datastore=ws.get_default_datastore())

# A pipeline step whose run configuration is distributed, as the SDK writes it.
rc = RunConfiguration()
rc.framework = "PyTorch"
rc.communicator = "Gloo"
rc.node_count = 2
rc.pytorch = PyTorchConfiguration(communication_backend="Gloo", process_count=4, node_count=2)
step = PythonScriptStep(name="train", script_name="ranks.py", arguments=["--out", out], outputs=[out],
                        source_directory="src", runconfig=rc)
run = Experiment(ws, "dist").submit(Pipeline(ws, [step]))
run.wait_for_completion(show_output=False)
print("pipeline", run.get_status())

# A script run with distributed_job_config.
src = ScriptRunConfig(source_directory="src2", script="mpi.py",
                      distributed_job_config=MpiConfiguration(process_count_per_node=3, node_count=1))
r = Experiment(ws, "dist-mpi").submit(src)
r.wait_for_completion()
print("script", r.get_status())
"""

MPI_SCRIPT = """
import os
from azureml.core import Run
run = Run.get_context()
os.makedirs("outputs", exist_ok=True)
rank = os.environ["OMPI_COMM_WORLD_RANK"]
with open(os.path.join("outputs", "rank%s" % rank), "w") as f:
    f.write(os.environ["OMPI_COMM_WORLD_SIZE"])
"""


class SdkDistributionTest(SdkScriptTest):
    def test_pytorch_runconfig_and_mpi_script_run_config(self):
        os.makedirs(os.path.join(self.ws, "src"))
        with open(os.path.join(self.ws, "src", "ranks.py"), "w") as f:
            f.write(RANKS)
        os.makedirs(os.path.join(self.ws, "src2"))
        with open(os.path.join(self.ws, "src2", "mpi.py"), "w") as f:
            f.write(MPI_SCRIPT)
        with open(os.path.join(self.ws, "job.py"), "w") as f:
            f.write(SDK_SCRIPT)
        p = self.run_script("job.py")
        self.assertIn("pipeline Finished", p.stdout)
        self.assertIn("script Completed", p.stdout)  # a ScriptRun is a core Run
        runs = self.runnel("runs", "list", "--output", "json")
        self.assertEqual(runs.returncode, 0, runs.stderr)
        listed = json.loads(runs.stdout)
        by_exp = {r["experiment"]: r["run_id"] for r in (listed if isinstance(listed, list) else listed["runs"])}
        train = self.steps(by_exp["dist"])["train"]
        files = sorted(glob.glob(os.path.join(train["outputs"]["out"], "p*.json")))
        ranks = [json.loads(read(f)) for f in files]
        self.assertEqual(sorted(r["RANK"] for r in ranks), ["0", "1", "2", "3"])
        self.assertEqual({r["WORLD_SIZE"] for r in ranks}, {"4"})
        self.assertEqual(sorted(r["NODE_RANK"] for r in ranks), ["0", "0", "1", "1"])
        (mpi_step,) = self.steps(by_exp["dist-mpi"]).values()
        self.assertEqual(mpi_step["status"], "Finished")
        # Every rank ran the script in the step's working folder; its outputs/ were kept.
        outputs = glob.glob(os.path.join(self.ws, ".runnel", "**", "outputs", "rank*"), recursive=True)
        self.assertEqual(sorted(os.path.basename(o) for o in outputs), ["rank0", "rank1", "rank2"], outputs)

    def test_bad_distributed_configuration_is_a_clear_error(self):
        with open(os.path.join(self.ws, "job.py"), "w") as f:
            f.write("""
from azureml.core import ScriptRunConfig
from azureml.core.runconfig import PyTorchConfiguration
try:
    ScriptRunConfig(source_directory=".", script="x.py", distributed_job_config="pytorch")
except TypeError as e:
    print("TypeError:", e)
src = ScriptRunConfig(source_directory=".", script="x.py",
                      distributed_job_config=PyTorchConfiguration(process_count=3, node_count=2))
try:
    src.run_config._distribution()
except ValueError as e:
    print("ValueError:", e)
""")
        p = self.run_script("job.py")
        self.assertIn("TypeError: ScriptRunConfig: distributed_job_config must be an MpiConfiguration", p.stdout)
        self.assertIn("ValueError: PyTorchConfiguration: process_count 3 is not a multiple of node_count 2", p.stdout)


if __name__ == "__main__":
    unittest.main()
