"""runnel.launch (distributed jobs): the environment each process gets, and the per-node split
of a multi-node Slurm allocation. The processes themselves are run by tests/e2e/test_distribution.py."""

import json
import os
import unittest
from unittest import mock

from runnel import launch


def args(*argv):
    return launch.parse_args(list(argv) + ["--", "true"])


class RankEnvironmentTest(unittest.TestCase):
    def test_pytorch_ranks_are_node_major(self):
        a = args("--type", "pytorch", "--nodes", "2", "--procs-per-node", "3")
        env = launch.rank_environment(a, 4, ["h0", "h1"], 29500)
        self.assertEqual(env["RANK"], "4")
        self.assertEqual(env["LOCAL_RANK"], "1")
        self.assertEqual(env["NODE_RANK"], "1")
        self.assertEqual(env["WORLD_SIZE"], "6")
        self.assertEqual(env["MASTER_ADDR"], "h0")
        self.assertEqual(env["MASTER_PORT"], "29500")

    def test_mpi_sets_open_mpi_and_pmi_ranks(self):
        a = args("--type", "mpi", "--nodes", "2", "--procs-per-node", "2")
        env = launch.rank_environment(a, 3, ["h0", "h1"], 1)
        self.assertEqual((env["OMPI_COMM_WORLD_RANK"], env["OMPI_COMM_WORLD_SIZE"]), ("3", "4"))
        self.assertEqual(env["OMPI_COMM_WORLD_LOCAL_RANK"], "1")
        self.assertEqual(env["OMPI_COMM_WORLD_NODE_RANK"], "1")
        self.assertEqual((env["PMI_RANK"], env["PMI_SIZE"]), ("3", "4"))

    def test_tensorflow_defaults_to_one_worker_per_instance_and_spreads_tasks(self):
        a = args("--type", "tensorflow", "--nodes", "2", "--parameter-server-count", "1")
        self.assertEqual(a.worker_count, 2)
        self.assertEqual(launch.task_count(a), 3)
        cfg = json.loads(launch.rank_environment(a, 2, ["h0", "h1"], 5000)["TF_CONFIG"])
        self.assertEqual(cfg["task"], {"type": "ps", "index": 0})
        self.assertEqual(cfg["cluster"], {"worker": ["h0:5000", "h1:5001"], "ps": ["h0:5002"]})

    def test_bad_arguments_are_refused(self):
        with self.assertRaises(SystemExit):
            launch.parse_args(["--type", "pytorch", "--procs-per-node", "0", "--", "true"])
        with self.assertRaises(SystemExit):
            launch.parse_args(["--type", "horovod", "--", "true"])
        with self.assertRaises(SystemExit):
            launch.parse_args(["--type", "pytorch"])


class SlurmPlacementTest(unittest.TestCase):
    def test_outside_a_multi_node_srun_everything_runs_here(self):
        with mock.patch.dict(os.environ, {"SLURM_NNODES": "1"}, clear=False):
            self.assertIsNone(launch.slurm_placement(args("--type", "pytorch", "--nodes", "2")))

    def test_an_allocation_of_another_size_is_an_error(self):
        env = {"SLURM_NNODES": "3", "SLURM_NODEID": "0", "SLURM_STEP_ID": "0"}
        with mock.patch.dict(os.environ, env, clear=False):
            with self.assertRaisesRegex(launch.LaunchError, "3 nodes but the step asks for instance_count 2"):
                launch.slurm_placement(args("--type", "pytorch", "--nodes", "2"))


if __name__ == "__main__":
    unittest.main()
