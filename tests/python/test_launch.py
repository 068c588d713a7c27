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


class MpiLauncherTest(unittest.TestCase):
    """`type: mpi` through mpirun: which launcher, and its command line."""

    def test_none_starts_the_processes_here_and_a_bad_path_is_an_error(self):
        with mock.patch.dict(os.environ, {"RUNNEL_MPI_LAUNCHER": "none"}):
            self.assertIsNone(launch.mpi_launcher())
        with mock.patch.dict(os.environ, {"RUNNEL_MPI_LAUNCHER": "/no/such/mpirun"}):
            with self.assertRaisesRegex(launch.LaunchError, "RUNNEL_MPI_LAUNCHER=/no/such/mpirun is not an executable"):
                launch.mpi_launcher()
        with mock.patch.dict(os.environ, {"RUNNEL_MPI_LAUNCHER": "/bin/true"}):
            with self.assertRaisesRegex(launch.LaunchError, "neither Open MPI's mpirun nor MPICH's mpiexec"):
                launch.mpi_launcher()

    def test_open_mpi_on_one_machine_oversubscribes_and_wraps_every_rank(self):
        a = args("--type", "mpi", "--nodes", "2", "--procs-per-node", "3", "--log-dir", "/l")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
        with mock.patch.dict(os.environ, env, clear=True):
            argv = launch.mpirun_argv(a, ("/usr/bin/mpirun", "openmpi"))
        self.assertEqual(argv[:3], ["/usr/bin/mpirun", "-np", "6"])
        self.assertIn("--oversubscribe", argv)
        self.assertEqual("--allow-run-as-root" in argv, os.geteuid() == 0)
        i = argv.index("--mpi-rank")
        self.assertEqual(argv[i - 2:i], ["-m", "runnel.launch"])
        self.assertEqual(argv[-2:], ["--", "true"])
        self.assertIn("/l", argv)

    def test_open_mpi_in_a_slurm_allocation_maps_ranks_per_node(self):
        a = args("--type", "mpi", "--nodes", "2", "--procs-per-node", "4")
        with mock.patch.dict(os.environ, {"SLURM_NNODES": "2", "SLURM_JOB_ID": "7"}):
            os.environ.pop("SLURM_STEP_ID", None)
            argv = launch.mpirun_argv(a, ("mpirun", "openmpi"))
        self.assertIn("ppr:4:node", argv)
        self.assertNotIn("--oversubscribe", argv)

    def test_mpich_uses_its_own_flags(self):
        a = args("--type", "mpi", "--procs-per-node", "2")
        argv = launch.mpirun_argv(a, ("mpiexec", "mpich"))
        self.assertEqual(argv[:5], ["mpiexec", "-n", "2", "-ppn", "2"])

    def test_the_munge_retry_is_turned_off_unless_set(self):
        with mock.patch.dict(os.environ, {"PMIX_MCA_psec": "munge"}):
            self.assertEqual(launch.mpi_environment()["PMIX_MCA_psec"], "munge")
        env = {k: v for k, v in os.environ.items() if k != "PMIX_MCA_psec"}
        with mock.patch.dict(os.environ, env, clear=True):
            self.assertEqual(launch.mpi_environment()["PMIX_MCA_psec"], "native")
