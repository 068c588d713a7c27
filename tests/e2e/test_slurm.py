"""Steps on a `slurm` compute target, end to end against a real (single-node) Slurm cluster:
the demo pipeline, cancel, timeout, failure, sbatch rejection and logs.

Needs a cluster that answers `scontrol ping` (scripts/services/slurm-up.sh starts one on this
machine; scripts/test.sh does so before ctest and sets RUNNEL_TEST_SLURM=1, which makes a
missing cluster a failure); a visible skip otherwise. The workspace lives under
/tmp, which the single node shares with this process. Slurm jobs are matched to a test by
their working folder (inside the test's workspace), so other users of the cluster don't
confuse the checks.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import unittest

from e2e_util import (RUNNEL, SOURCE_DIR, WorkspaceTest, clean_env, has_sklearn,
                      process_running, read, wait_for)

PIPELINE = os.path.join(SOURCE_DIR, "examples", "compare-models", "pipeline.yml")
TRAIN_STEPS = ("train_lr", "train_rf", "train_gb", "train_svm")
ALL_STEPS = ("prep",) + TRAIN_STEPS + ("compare",)
JOBCOMP_LOG = "/var/log/slurm/jobcomp.log"
ACTIVE = ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED")


def slurm_problem():
    """Why Slurm can't be used here, or None when `scontrol ping` says it is up."""
    try:
        p = subprocess.run(["scontrol", "ping"], capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "scontrol ping failed (%s)" % e
    if p.returncode != 0 or "UP" not in p.stdout:
        return "scontrol ping failed: " + (p.stdout + p.stderr).strip()
    return None


def slurm_job(job_id):
    """`scontrol show job ID` (or, once Slurm forgot it, its jobcomp.log line) as a dict of
    key=value fields; {} when neither knows the job."""
    line = ""
    p = subprocess.run(["scontrol", "-o", "show", "job", str(job_id)], capture_output=True,
                       text=True, timeout=15)
    if p.returncode == 0:
        line = p.stdout.strip()
    else:
        for l in (read(JOBCOMP_LOG) or "").splitlines():
            if l.startswith("JobId=%s " % job_id):
                line = l
    fields = {}
    for tok in line.split():
        k, sep, v = tok.partition("=")
        if sep and k not in fields:
            fields[k] = v
    return fields


def slurm_end_state(job_id, timeout=10):
    """The job's final JobState (waiting up to `timeout` s for it to leave the active ones),
    or None."""
    def ended():
        state = slurm_job(job_id).get("JobState")
        return state if state not in ACTIVE else None
    return wait_for(ended, timeout=timeout, interval=0.2)


def slurm_jobs_under(folder, active_only=False):
    """{job id: (name, state)} of every Slurm job whose working folder is inside `folder`:
    from squeue (all states still remembered, or only active ones) and the jobcomp log."""
    prefix = os.path.join(os.path.realpath(folder), "")
    jobs = {}
    args = ["squeue", "-h", "-o", "%i|%j|%T|%Z"] + ([] if active_only else ["-t", "all"])
    p = subprocess.run(args, capture_output=True, text=True, timeout=15)
    for line in p.stdout.splitlines():
        parts = line.split("|")
        if len(parts) == 4 and os.path.join(parts[3], "").startswith(prefix):
            jobs[parts[0]] = (parts[1], parts[2])
    if not active_only:
        for line in (read(JOBCOMP_LOG) or "").splitlines():
            f = dict(t.partition("=")[::2] for t in line.split() if "=" in t)
            if os.path.join(f.get("WorkDir", "/-"), "").startswith(prefix):
                jobs.setdefault(f.get("JobId"), (f.get("Name"), f.get("JobState")))
    return jobs


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class SlurmTest(WorkspaceTest):
    """A workspace with a slurm compute target `sl` (the cluster's default partition)."""

    @classmethod
    def setUpClass(cls):
        # RUNNEL_TEST_SLURM=1 (scripts/test.sh, CI): the cluster must answer, else FAIL.
        # RUNNEL_TEST_SLURM=0: skipped with RUNNEL_TEST_SLURM_REASON. Unset: skipped when no
        # cluster answers (visible as "Skipped" in ctest through tests/run_unittest.py).
        required = os.environ.get("RUNNEL_TEST_SLURM", "")
        if required == "0":
            raise unittest.SkipTest("Slurm tests disabled: " +
                                    os.environ.get("RUNNEL_TEST_SLURM_REASON", "RUNNEL_TEST_SLURM=0"))
        problem = slurm_problem()
        if problem and required == "1":
            raise AssertionError("RUNNEL_TEST_SLURM=1 but no Slurm cluster answers (%s); see "
                                 "the output of scripts/services/slurm-up.sh" % problem)
        if problem:
            raise unittest.SkipTest("no Slurm cluster (%s); start the local one with "
                                    "scripts/services/slurm-up.sh (as root)" % problem)

    def setUp(self):
        super().setUp()
        p = self.runnel("compute", "create", "sl", "--type", "slurm")
        self.assertEqual(p.returncode, 0, p.stderr)

    def assert_slurm_knows(self, step):
        """The step has a backend_job_id that Slurm knows, run in the step's working folder."""
        job_id = step["backend_job_id"]
        self.assertTrue(job_id, "%s has no backend_job_id: %s" % (step["name"], step))
        job = slurm_job(job_id)
        self.assertEqual(job.get("JobId"), str(job_id),
                         "Slurm does not know job %s of step %s" % (job_id, step["name"]))
        self.assertTrue(os.path.realpath(job.get("WorkDir", "")).startswith(
            os.path.realpath(self.ws)), "job %s ran outside the workspace: %s" % (job_id, job))
        return job


class SlurmComputeTest(SlurmTest):

    def test_compute_show_reports_cluster_status(self):
        p = self.runnel("compute", "show", "sl")
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual(j["type"], "slurm")
        self.assertTrue(j["status"]["reachable"], j["status"])
        self.assertTrue(j["status"]["partitions"], "no partition in status: %s" % j["status"])

    def test_cancel_scancels_the_job(self):
        childfile = os.path.join(self.dir, "childpid")
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              slow:
                type: command
                command: sleep 60 & echo $! > %s; wait
                outputs:
                  o: {type: uri_folder}
              after:
                type: command
                command: echo never > ${{outputs.o}}/f
                inputs:
                  x: ${{parent.jobs.slow.outputs.o}}
                outputs:
                  o: {type: uri_folder}
            """ % childfile)
        proc = subprocess.Popen([RUNNEL, "--workspace", self.ws, "run", path, "--compute", "sl"],
                                cwd=self.dir, env=clean_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            child = wait_for(lambda: (read(childfile) or "").strip(), timeout=60)
            self.assertTrue(child, "the Slurm step did not start")
            self.assertTrue(slurm_jobs_under(self.ws, active_only=True), "no active Slurm job")
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 1, out + err)
        run = self.show()
        self.assertEqual(run["status"], "Canceled", out)
        steps = {s["name"]: s for s in run["steps"]}
        self.assertEqual(steps["slow"]["status"], "Canceled")
        self.assertTrue(steps["slow"]["backend_job_id"])
        self.assertIn(steps["after"]["status"], ("Canceled", "NotStarted"))
        self.assertIsNone(steps["after"]["backend_job_id"])
        left = wait_for(lambda: not slurm_jobs_under(self.ws, active_only=True), timeout=10)
        self.assertTrue(left, "Slurm jobs of the canceled run still queued: %s"
                        % slurm_jobs_under(self.ws, active_only=True))
        self.assertTrue(wait_for(lambda: not process_running(int(child)), timeout=10),
                        "the step's sleep (pid %s) outlived the cancel" % child)
        self.assertEqual(steps["slow"]["outputs"], {})

    def test_timeout_cancels_the_job(self):
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              slow:
                type: command
                command: echo started; sleep 30
                limits: {timeout: 3}
            """)
        p = self.run_pipeline(path, "--compute", "sl", expect=1, timeout=60)
        step = self.steps()["slow"]
        self.assertEqual(step["status"], "Canceled")  # Azure ML cancels a job past limits.timeout
        self.assertIn("timeout", step["error"])
        self.assertIn("timeout", p.stdout)
        self.assert_slurm_knows(step)
        self.assertRegex(p.stdout, r"slow: Canceled \(.*job %s\b" % step["backend_job_id"])
        self.assertEqual(slurm_end_state(step["backend_job_id"]), "CANCELLED",
                         "runnel did not scancel the timed-out job")

    def test_failing_step_keeps_exit_code_and_stderr(self):
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              bad:
                type: command
                command: echo partial > ${{outputs.o}}/f; echo oops-on-stderr >&2; exit 4
                outputs:
                  o: {type: uri_folder}
            """)
        p = self.run_pipeline(path, "--compute", "sl", expect=1, timeout=60)
        step = self.steps()["bad"]
        self.assertEqual(step["status"], "Failed")
        self.assertEqual(step["exit_code"], 4)
        self.assertIsNone(step["signal"])
        self.assertEqual(step["outputs"], {})
        self.assertEqual(os.path.dirname(step["stderr"]), step["log_dir"])
        self.assertIn("oops-on-stderr", read(step["stderr"], ""))
        self.assertIn("oops-on-stderr", p.stdout)
        self.assertEqual(slurm_end_state(step["backend_job_id"]), "FAILED")
        self.assertFalse(os.path.exists(os.path.join(self.datastore(), "runs", step["run_id"])))

    def test_distributed_job_runs_its_processes_in_one_slurm_job(self):
        # distribution: (issue 15) on Slurm: one job, the launcher starts every process in it.
        self.write("src/rank.py", """
            import os
            out = os.environ["OUT"]
            with open(os.path.join(out, "rank%s" % os.environ["RANK"]), "w") as f:
                f.write("%s %s %s" % (os.environ["WORLD_SIZE"], os.environ["SLURM_JOB_ID"], os.environ["MASTER_PORT"]))
            """)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              train:
                type: command
                code: ./src
                command: OUT=${{outputs.o}} /usr/bin/python3 rank.py
                distribution: {type: pytorch, process_count_per_instance: 2}
                outputs:
                  o: {type: uri_folder}
            """)
        self.run_pipeline(path, "--compute", "sl", timeout=90)
        step = self.steps()["train"]
        self.assertEqual(step["status"], "Finished")
        self.assert_slurm_knows(step)
        seen = {f: read(os.path.join(step["outputs"]["o"], f)).split() for f in os.listdir(step["outputs"]["o"])}
        self.assertEqual(sorted(seen), ["rank0", "rank1"])
        for world, job, port in seen.values():
            self.assertEqual(world, "2")
            self.assertEqual(job, step["backend_job_id"], "both processes run inside the step's Slurm job")
        self.assertEqual(len({v[2] for v in seen.values()}), 1)

    def test_mpi_job_forms_one_world_through_mpirun_in_its_slurm_job(self):
        # distribution: {type: mpi} on Slurm: the one launcher runs mpirun inside the step's
        # job, and the ranks (mpi4py) form one world.
        if not shutil.which("mpirun"):
            self.fail("mpirun is not installed: scripts/install-deps.sh installs openmpi-bin and python3-mpi4py")
        self.write("src/world.py", """
            import os, sys
            from mpi4py import MPI
            c = MPI.COMM_WORLD
            total = c.allreduce(c.Get_rank() + 1)
            with open(os.path.join(sys.argv[1], "rank%d" % c.Get_rank()), "w") as f:
                f.write("%d %d %s" % (c.Get_size(), total, os.environ["SLURM_JOB_ID"]))
            """)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              train:
                type: command
                code: ./src
                command: /usr/bin/python3 world.py ${{outputs.o}}
                distribution: {type: mpi, process_count_per_instance: 2}
                outputs:
                  o: {type: uri_folder}
            """)
        self.run_pipeline(path, "--compute", "sl", timeout=120)
        step = self.steps()["train"]
        self.assertEqual(step["status"], "Finished")
        self.assertIn("through", read(step["stderr"]))
        seen = {f: read(os.path.join(step["outputs"]["o"], f)).split() for f in os.listdir(step["outputs"]["o"])}
        self.assertEqual(sorted(seen), ["rank0", "rank1"])
        for size, total, job in seen.values():
            self.assertEqual((size, total), ("2", "3"), "two ranks in one MPI world: 1 + 2")
            self.assertEqual(job, step["backend_job_id"])

    def test_sbatch_rejection_is_clear(self):
        p = self.runnel("compute", "create", "badp", "--type", "slurm",
                        "--partition", "nosuchpartition")
        self.assertEqual(p.returncode, 0, p.stderr)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                type: command
                command: echo hi
            """)
        p = self.runnel("run", path, "--compute", "badp", timeout=60)
        if p.returncode == 2:   # refused before anything ran
            err = self.assert_one_error(p, r"(?i)partition")
            self.assertIn("nosuchpartition", p.stderr, err)
        else:                   # or the step ended Failed with sbatch's reason
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            step = self.steps()["a"]
            self.assertEqual(step["status"], "Failed")
            self.assertRegex(step["error"], r"(?i)sbatch")
            self.assertRegex(step["error"], r"(?i)partition")
            self.assertIn(step["error"], p.stdout)
        self.assertEqual(slurm_jobs_under(self.ws), {}, "a job ran on the bad partition")

    def test_resources_reach_sbatch(self):
        p = self.runnel("compute", "create", "big", "--type", "slurm", "--cpus", "3",
                        "--memory", "512M", "--time", "2m", "--sbatch-flag=--comment=e2e-flag")
        self.assertEqual(p.returncode, 0, p.stderr)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              sized:
                type: command
                command: echo sized
                resources: {cpus: 2, memory: 1G, time_limit: 1m}
              defaults:
                type: command
                command: echo defaults
            """)
        self.run_pipeline(path, "--compute", "big", timeout=60)
        steps = self.steps()
        sized = self.assert_slurm_knows(steps["sized"])
        defaults = self.assert_slurm_knows(steps["defaults"])
        # The step's own resources win over the target's defaults; flags go to every job.
        self.assertEqual((sized.get("NumCPUs"), sized.get("MinMemoryNode"),
                          sized.get("TimeLimit")), ("2", "1G", "00:01:00"))
        self.assertEqual((defaults.get("NumCPUs"), defaults.get("MinMemoryNode"),
                          defaults.get("TimeLimit")), ("3", "512M", "00:02:00"))
        self.assertEqual(sized.get("Comment"), "e2e-flag")
        self.assertEqual(defaults.get("Comment"), "e2e-flag")

    def test_logs_land_in_step_log_folder(self):
        # `compute: sl` on the step itself, no --compute.
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              hello:
                type: command
                compute: sl
                command: echo hello-from-slurm-$((6*7)); echo to-stderr >&2
            """)
        p = self.run_pipeline(path, timeout=60)
        run = self.show()
        step = {s["name"]: s for s in run["steps"]}["hello"]
        self.assertEqual(step["status"], "Finished")
        self.assertEqual(step["compute"], "sl")
        self.assertIn("job %s" % step["backend_job_id"], p.stdout)
        self.assert_slurm_knows(step)
        self.assertEqual(os.path.dirname(step["stdout"]), step["log_dir"])
        self.assertEqual(read(step["stdout"], "").strip(), "hello-from-slurm-42")
        self.assertIn("to-stderr", read(step["stderr"], ""))
        logs = self.runnel("logs", run["run_id"], "hello")
        self.assertEqual(logs.returncode, 0, logs.stderr)
        self.assertIn("hello-from-slurm-42", logs.stdout)
        # No stray slurm-N.out files: Slurm's output went to the step's log folder.
        strays = [os.path.join(d, f) for d, _, fs in os.walk(self.dir) for f in fs
                  if f.startswith("slurm-") and f.endswith(".out")]
        self.assertEqual(strays, [])


@unittest.skipUnless(has_sklearn(), "/usr/bin/python3 lacks sklearn/pandas; "
                     "install python3-sklearn python3-pandas to run the demo on Slurm")
class SlurmDemoTest(SlurmTest):

    def outputs(self, run_json):
        return {s["name"]: s["outputs"] for s in run_json["steps"]}

    def test_demo_on_slurm_matches_local_and_reuses(self):
        p = self.run_pipeline(PIPELINE, "--compute", "sl", timeout=100)
        run = self.show()
        self.assertEqual(run["status"], "Finished", p.stdout)
        steps = {s["name"]: s for s in run["steps"]}
        self.assertEqual(sorted(steps), sorted(ALL_STEPS))
        for name, s in steps.items():
            self.assertEqual(s["status"], "Finished", name)
            self.assertEqual(s["exit_code"], 0, name)
            self.assertEqual(s["compute"], "sl", name)
            self.assert_slurm_knows(s)
            self.assertEqual(slurm_end_state(s["backend_job_id"]), "COMPLETED", name)
            self.assertIn("job %s" % s["backend_job_id"], p.stdout, name)
        self.assertEqual(len({s["backend_job_id"] for s in steps.values()}), len(ALL_STEPS))
        jobs_before = slurm_jobs_under(self.ws)
        self.assertLessEqual({s["backend_job_id"] for s in steps.values()}, set(jobs_before))

        # The same pipeline run locally in a second workspace gives the same data.
        local_ws = os.path.join(self.dir, "local-ws")
        self.assertEqual(self.runnel("init", local_ws, workspace=None).returncode, 0)
        p2 = self.runnel("run", PIPELINE, "-j", "4", workspace=local_ws, timeout=100)
        self.assertEqual(p2.returncode, 0, p2.stdout + p2.stderr)
        local = json.loads(self.runnel("runs", "show", "latest", "--output", "json",
                                       workspace=local_ws).stdout)
        self.assertEqual({s["compute"] for s in local["steps"]}, {"local"})
        slurm_out, local_out = self.outputs(run), self.outputs(local)
        for out in ("train_data", "test_data"):
            a, b = slurm_out["prep"][out], local_out["prep"][out]
            self.assertEqual(sorted(os.listdir(a)), sorted(os.listdir(b)), out)
            for f in os.listdir(a):
                self.assertEqual(sha256(os.path.join(a, f)), sha256(os.path.join(b, f)), f)
        for n in TRAIN_STEPS:
            a, b = slurm_out[n]["model_output"], local_out[n]["model_output"]
            # model.pkl holds nothing time-dependent; metrics.json differs in timing only.
            self.assertEqual(sha256(os.path.join(a, "model.pkl")),
                             sha256(os.path.join(b, "model.pkl")), n)
            ma, mb = (json.loads(read(os.path.join(d, "metrics.json"))) for d in (a, b))
            ma.pop("training_time_s")
            mb.pop("training_time_s")
            self.assertEqual(ma, mb, n)
        ba, bb = (json.loads(read(os.path.join(o["compare"]["report"], "best.json")))
                  for o in (slurm_out, local_out))
        self.assertEqual((ba["metric"], ba["score"]), (bb["metric"], bb["score"]))

        # A second run on Slurm is fully Reused and submits nothing.
        p3 = self.run_pipeline(PIPELINE, "--compute", "sl", timeout=60)
        again = self.show()
        self.assertNotEqual(again["run_id"], run["run_id"])
        self.assertEqual(again["status"], "Finished")
        for s in again["steps"]:
            self.assertEqual(s["status"], "Reused", s["name"])
            self.assertIsNone(s["backend_job_id"], s["name"])
        self.assertNotRegex(p3.stdout, r"job \d+")
        self.assertEqual(slurm_jobs_under(self.ws), jobs_before, "the reused run submitted jobs")


if __name__ == "__main__":
    unittest.main()
