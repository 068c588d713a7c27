"""A parallel job (ParallelRunStep) on a real Slurm cluster: ONE job array (`sbatch
--array=0-2` for instance_count 1 x max_concurrency_per_instance 3), whose tasks pull the
mini-batches; the output is complete and in order, a poisoned file fails exactly its
mini-batch, the tasks' logs reach the step's stdout while they run, and a task canceled in
Slurm or killed mid-mini-batch has its work taken over by the others.

Gated like test_slurm.py (RUNNEL_TEST_SLURM; scripts/services/slurm-up.sh starts the local
cluster).
"""

import glob
import json
import os
import signal
import subprocess
import unittest

from e2e_util import RUNNEL, clean_env, read, wait_for
from sdk_util import SdkScriptTest
from test_parallel_sweep import PARALLEL, SCORE
from test_slurm import JOBCOMP_LOG, SlurmTest

# test_parallel_sweep's job (run(): rows "<file> <2 x value>", a negative value raises),
# with 2 files per mini-batch and 3 workers on 1 instance: a job array of 3 tasks.
PARALLEL = PARALLEL.replace('mini_batch_size: "5"', 'mini_batch_size: "2"').replace(
    "max_concurrency_per_instance: 2", "max_concurrency_per_instance: 3")
assert 'mini_batch_size: "2"' in PARALLEL and "max_concurrency_per_instance: 3" in PARALLEL
SLOW_SCORE = SCORE.replace("def run(mini_batch):\n", "def run(mini_batch):\n    import time; time.sleep(1)\n")
assert SLOW_SCORE != SCORE


def array_tasks_under(folder):
    """{array job id: {task ids}} of every Slurm job array element whose working folder is in
    `folder`: from squeue (every state it still remembers) and the jobcomp log."""
    prefix = os.path.join(os.path.realpath(folder), "")
    found = {}
    p = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%F|%K|%Z"], capture_output=True, text=True, timeout=15)
    lines = [l.split("|") for l in p.stdout.splitlines()]
    for l in (read(JOBCOMP_LOG) or "").splitlines():
        f = dict(t.partition("=")[::2] for t in l.split() if "=" in t)
        lines.append([f.get("ArrayJobId", ""), f.get("ArrayTaskId", ""), f.get("WorkDir", "/-")])
    for parts in lines:
        if len(parts) == 3 and os.path.join(parts[2], "").startswith(prefix):
            job, task = parts[0], parts[1]
            found.setdefault(job, set()).add(task)
    return found


class SlurmParallelJobTest(SlurmTest):
    def setUp(self):
        super().setUp()
        self.log = os.path.join(self.dir, "exec.log")
        self.write("src/score.py", SCORE)
        for i in range(30):
            self.write("data/f%03d.txt" % i, "%d\n" % i)

    def run_parallel(self, threshold=-1, expect=0):
        path = self.write("p.yml", PARALLEL.format(log=self.log, threshold=threshold))
        self.run_pipeline(path, "--compute", "sl", expect=expect, timeout=300)
        return self.steps()["score"]

    def batches_run(self):
        return [l.split() for l in (read(self.log) or "").splitlines()]

    def claims(self, step, job):
        """{mini-batch index: array task} from the pull folder of array `job`."""
        d = os.path.join(step["log_dir"], "parallel", "array-" + job, "claims")
        return {int(n): json.loads(read(os.path.join(d, n)))["task"] for n in os.listdir(d) if n.isdigit()}

    def assert_one_array_of_three(self, step):
        job = step["backend_job_id"]
        self.assertTrue(job and job.isdigit(), step)
        arrays = array_tasks_under(os.path.dirname(step["log_dir"]))
        self.assertEqual(list(arrays), [job], "exactly one sbatch (one job array) for the step: %s" % arrays)
        self.assertEqual(arrays[job], {"0", "1", "2"}, "the array has node_count x process_count_per_node tasks")
        acct = subprocess.run(["sacct", "-n", "-X", "-P", "-j", job, "-o", "JobID,State"], capture_output=True,
                              text=True, timeout=15)
        if acct.returncode == 0:  # with slurmdbd (SLURM_ACCOUNTING=1): sacct sees the same 3 tasks
            self.assertEqual(sorted(l.split("|")[0] for l in acct.stdout.split()),
                             ["%s_%d" % (job, t) for t in range(3)], acct.stdout)
        return job

    def test_one_job_array_pulls_every_mini_batch_once_in_order(self):
        step = self.run_parallel()
        self.assertEqual(step["status"], "Finished", step)
        job = self.assert_one_array_of_three(step)
        rows = read(os.path.join(step["outputs"]["scores"], "parallel_run_step.txt")).splitlines()
        self.assertEqual(rows, ["f%03d.txt %d" % (i, 2 * i) for i in range(30)])  # complete, in order
        ran = self.batches_run()
        self.assertEqual(sorted(b[0] for b in ran), ["f%03d.txt" % i for i in range(0, 30, 2)],
                         "each of the 15 mini-batches ran exactly once")
        claims = self.claims(step, job)
        self.assertEqual(sorted(claims), list(range(15)), "every mini-batch claimed once, in the step's array")
        self.assertGreaterEqual(len(set(claims.values())), 2, "the tasks shared the work: %s" % claims)
        out = read(step["stdout"])
        for t in range(3):
            self.assertIn("==== array task %d of 3 (Slurm job %s_%d) ====" % (t, job, t), out)
        self.assertIn("ParallelRunStep: 15 mini-batches (0 reused), 0 of 30 items failed", out)
        summary = json.loads(read(os.path.join(step["log_dir"], "parallel", "summary.json")))
        self.assertEqual((summary["mini_batches"], summary["failed_items"], summary["passed"]), (15, 0, True))
        kids = step["children"]
        self.assertEqual((kids["kind"], kids["mini_batches"], kids["reused"], kids["failed"]), ("parallel", 15, 0, 0))
        self.assertIn("mini-batches: 15 (0 reused, 15 of 15 run, 0 failed)", self.runnel("runs", "show", "latest").stdout)
        # Four new files: a new array, which runs only the two mini-batches holding them.
        for i in range(30, 34):
            self.write("data/f%03d.txt" % i, "%d\n" % i)
        step = self.run_parallel()
        self.assertNotEqual(step["backend_job_id"], job)
        self.assertEqual(sorted(b[0] for b in self.batches_run()[15:]), ["f030.txt", "f032.txt"])
        kids = step["children"]
        self.assertEqual((kids["mini_batches"], kids["reused"]), (17, 15))
        rows = read(os.path.join(step["outputs"]["scores"], "parallel_run_step.txt")).splitlines()
        self.assertEqual(rows, ["f%03d.txt %d" % (i, 2 * i) for i in range(34)])

    def test_poisoned_file_fails_exactly_its_mini_batch(self):
        self.write("data/f007.txt", "-1\n")
        step = self.run_parallel()  # error_threshold -1: the step passes without that batch
        self.assertEqual(step["status"], "Finished", step)
        self.assert_one_array_of_three(step)
        summary = json.loads(read(os.path.join(step["log_dir"], "parallel", "summary.json")))
        self.assertEqual([b["index"] for b in summary["failed_mini_batches"]], [3], summary)
        self.assertIn("poisoned file f007.txt", summary["failed_mini_batches"][0]["error"])
        rows = read(os.path.join(step["outputs"]["scores"], "parallel_run_step.txt")).splitlines()
        self.assertEqual(rows, ["f%03d.txt %d" % (i, 2 * i) for i in range(30) if i not in (6, 7)])
        # With error_threshold 0 the task that aggregates fails, so the array and the step do.
        step = self.run_parallel(threshold=0, expect=1)
        self.assertEqual(step["status"], "Failed")
        self.assertRegex(step["error"], r"array task [0-2] of 3 \(Slurm job \d+_[0-2]\): exit code 1")
        self.assertIn("2 failed items exceed error_threshold 0", read(step["stderr"]))
        self.assertFalse(step["outputs"])
        self.assertIn(self.steps()["total"]["status"], ("Canceled", "NotStarted"))  # never ran

    def start_slow(self):
        """`runnel run` in the background with a run() of 1 s per mini-batch (15 of them on 3
        tasks); returns it once every task has started a mini-batch, with the array's id."""
        self.write("src/score.py", SLOW_SCORE)
        path = self.write("p.yml", PARALLEL.format(log=self.log, threshold=-1))
        proc = subprocess.Popen([RUNNEL, "--workspace", self.ws, "run", path, "--compute", "sl"], cwd=self.dir,
                                env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.communicate()))
        started = wait_for(lambda: len(self.batches_run()) >= 3, timeout=90)
        self.assertTrue(started, "the array's tasks did not start: %s" % (self.batches_run(),))
        arrays = array_tasks_under(self.ws)
        self.assertEqual(len(arrays), 1, arrays)
        return proc, next(iter(arrays))

    def task_states(self, job):
        p = subprocess.run(["squeue", "-h", "-t", "all", "-j", job, "-o", "%i|%T"], capture_output=True, text=True,
                           timeout=15)
        return dict(l.split("|") for l in p.stdout.split())

    def wait_array_ended(self, job):
        ended = wait_for(lambda: all(st not in ("RUNNING", "PENDING", "COMPLETING")
                                     for st in self.task_states(job).values()), timeout=30)
        self.assertTrue(ended, self.task_states(job))
        return self.task_states(job)

    def test_cancel_cancels_every_task_of_the_array(self):
        proc, job = self.start_slow()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 1, out + err)
        step = self.steps()["score"]
        self.assertEqual(step["status"], "Canceled", step)
        self.assertEqual(step["backend_job_id"], job)
        self.assertEqual(self.wait_array_ended(job), {"%s_%d" % (job, t): "CANCELLED" for t in range(3)})
        self.assertFalse(step["outputs"])
        self.assertLess(len(self.batches_run()), 15, "canceled before the work was done")

    def step_stdout_now(self):
        """The parallel step's stdout.txt as it is now (while `runnel run` still runs)."""
        for path in glob.glob(os.path.join(self.ws, ".runnel", "runs", "*", "logs", "stdout.txt")):
            text = read(path) or ""
            if "Slurm job array" in text:
                return text
        return ""

    def running_claim_of(self, step_dir, task):
        """(mini-batch, driver pid) that array task `task` is running now (its claim has a
        try and there is no result yet), or None."""
        for d in glob.glob(os.path.join(step_dir, "array-*")):
            for n in os.listdir(os.path.join(d, "claims")):
                if not n.isdigit() or glob.glob(os.path.join(d, "results", n + "-*.json")):
                    continue
                try:
                    c = json.loads(read(os.path.join(d, "claims", n)))
                except (TypeError, ValueError):
                    continue
                if c["task"] == task and c["tries"] >= 1:
                    return int(n), c["pid"]
        return None

    def assert_taken_over(self, proc, job, victim, n):
        out, err = proc.communicate(timeout=180)
        self.assertEqual(proc.returncode, 0, out + err)
        step = self.steps()["score"]
        self.assertEqual(step["status"], "Finished", step)
        self.assertEqual(step["backend_job_id"], job)
        rows = read(os.path.join(step["outputs"]["scores"], "parallel_run_step.txt")).splitlines()
        self.assertEqual(rows, ["f%03d.txt %d" % (i, 2 * i) for i in range(30)])  # complete, in order, once
        stdout = read(step["stdout"])
        self.assertRegex(stdout, r"\[task [0-2]\] ParallelRunStep: task [0-2] takes over mini-batch %d from array "
                                 r"task %d \(host [^,]+, pid \d+\): its process \d+ on .* is gone" % (n, victim))
        self.assertEqual(stdout.count("ParallelRunStep: 15 mini-batches (0 reused), 0 of 30 items failed"), 1, stdout)
        summary = json.loads(read(os.path.join(step["log_dir"], "parallel", "summary.json")))
        self.assertEqual([b["tries"] for b in summary["batches"] if b["index"] == n], [2], summary)
        return step

    def wait_running_claim(self, task):
        step_dirs = glob.glob(os.path.join(self.ws, ".runnel", "runs", "*", "logs", "parallel"))
        found = wait_for(lambda: any(self.running_claim_of(d, task) for d in step_dirs) or None, timeout=60)
        self.assertTrue(found, "array task %d never ran a mini-batch" % task)
        return next(self.running_claim_of(d, task) for d in step_dirs if self.running_claim_of(d, task))

    def test_a_task_canceled_in_slurm_is_taken_over_and_the_step_finishes(self):
        proc, job = self.start_slow()
        # The tasks' lines reach the step's log while the array runs, each with its task.
        self.assertTrue(wait_for(lambda: "[task 1] " in self.step_stdout_now(), timeout=30), self.step_stdout_now())
        n, _ = self.wait_running_claim(1)
        subprocess.run(["scancel", job + "_1"], check=True, timeout=15)
        self.assert_taken_over(proc, job, 1, n)
        states = self.wait_array_ended(job)
        self.assertEqual(states, {job + "_0": "COMPLETED", job + "_1": "CANCELLED", job + "_2": "COMPLETED"})

    def test_a_sigkilled_task_is_taken_over_and_the_step_finishes(self):
        proc, job = self.start_slow()
        n, pid = self.wait_running_claim(2)
        os.kill(pid, signal.SIGKILL)  # the task's driver, mid-mini-batch
        self.assert_taken_over(proc, job, 2, n)
        self.assertEqual(self.wait_array_ended(job)[job + "_2"], "FAILED")


# The same through the SDK: ParallelRunConfig(node_count=1, process_count_per_node=3) on the
# `sl` compute target, a FileDataset of 30 files, append_row.
SDK_SCRIPT = """
import os
from azureml.core import Dataset, Environment, Experiment, Workspace
from azureml.core.compute import ComputeTarget
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.steps import ParallelRunConfig, ParallelRunStep

ws = Workspace.from_config()
ds = ws.get_default_datastore()
ds.upload(src_dir="data", target_path="files", overwrite=True)
files = Dataset.File.from_files([(ds, "files/")])
sl = ComputeTarget(workspace=ws, name="sl")
config = ParallelRunConfig(environment=Environment("batch"), entry_script="score.py", source_directory="src",
                           error_threshold=-1, output_action="append_row", compute_target=sl, node_count=1,
                           process_count_per_node=3, mini_batch_size="2", run_invocation_timeout=60)
out = PipelineData("scores", datastore=ds)
step = ParallelRunStep(name="score", parallel_run_config=config, inputs=[files.as_named_input("files")],
                       output=out, arguments=["--exec-log", os.environ["EXEC_LOG"], "--factor", 2])
run = Experiment(ws, "slurm-parallel").submit(Pipeline(ws, [step]))
print("status", run.wait_for_completion(show_output=False, raise_on_error=False))
"""


class SlurmSdkParallelRunStepTest(SlurmTest, SdkScriptTest):
    def test_parallel_run_step_is_one_job_array_of_three(self):
        log = os.path.join(self.dir, "exec.log")
        with open(os.path.join(self.ws, "score.py"), "w") as f:
            f.write(SCORE)
        os.makedirs(os.path.join(self.ws, "src"))
        os.rename(os.path.join(self.ws, "score.py"), os.path.join(self.ws, "src", "score.py"))
        os.makedirs(os.path.join(self.ws, "data"))
        for i in range(30):
            with open(os.path.join(self.ws, "data", "f%03d.txt" % i), "w") as f:
                f.write("%d\n" % (-1 if i == 13 else i))
        with open(os.path.join(self.ws, "pipeline.py"), "w") as f:
            f.write(SDK_SCRIPT)
        p = self.run_script("pipeline.py", env={"EXEC_LOG": log}, timeout=300)
        self.assertIn("status Finished", p.stdout, p.stdout + p.stderr)
        step = self.latest_steps()["score"]
        job = SlurmParallelJobTest.assert_one_array_of_three(self, step)
        rows = read(os.path.join(step["outputs"][next(iter(step["outputs"]))], "parallel_run_step.txt")).splitlines()
        self.assertEqual(rows, ["f%03d.txt %d" % (i, 2 * i) for i in range(30) if i not in (12, 13)])
        ran = [l.split() for l in read(log).splitlines()]
        # Each mini-batch once; the poisoned one run_max_try (3) times, by the task that claimed it.
        counts = {}
        for b in ran:
            counts[b[0]] = counts.get(b[0], 0) + 1
        self.assertEqual(counts, {"f%03d.txt" % i: 3 if i == 12 else 1 for i in range(0, 30, 2)})
        self.assertEqual(sorted(SlurmParallelJobTest.claims(self, step, job)), list(range(15)))
        summary = json.loads(read(os.path.join(step["log_dir"], "parallel", "summary.json")))
        self.assertEqual([b["index"] for b in summary["failed_mini_batches"]], [6], "the poisoned file's batch only")


if __name__ == "__main__":
    unittest.main()
