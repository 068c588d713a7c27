"""The ParallelRunStep driver (runnel.parallel_run): mini-batches, worker processes, output
order, error thresholds, retries, timeouts, tabular input and reuse per mini-batch."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

from helpers import PYTHON_DIR, make_context

# Every run() call appends one line to $CALLS (the mini-batch's first item), so a test can
# count what was executed. A file whose content is "poison" makes run() raise; "slow" sleeps.
ENTRY = textwrap.dedent("""
    import os, sys, time
    calls = os.environ["CALLS"]
    def init():
        with open(calls + ".init", "a") as f:
            f.write("%d\\n" % os.getpid())
    def run(mini_batch):
        out = []
        with open(calls, "a") as f:
            f.write(os.path.basename(mini_batch[0]) + "\\n")
        for path in mini_batch:
            text = open(path).read().strip()
            if text == "poison":
                raise ValueError("poisoned file " + os.path.basename(path))
            if text == "slow":
                time.sleep(30)
            if text == "skip":
                continue
            print("scored", path)
            out.append("%s %s" % (os.path.basename(path), text.upper()))
        return out
""")

TABULAR_ENTRY = textwrap.dedent("""
    import os
    def init():
        pass
    def run(mini_batch):
        with open(os.environ["CALLS"], "a") as f:
            f.write("%d\\n" % len(mini_batch))
        mini_batch = mini_batch.copy()
        mini_batch["double"] = mini_batch["value"] * 2
        return mini_batch[["city", "double"]]
""")


class DriverTestBase(unittest.TestCase):
    """A context, an entry script folder and an input folder for the driver."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        self.ctx_path, self.ctx = make_context(self.root)
        self.src = os.path.join(self.root, "src")
        os.makedirs(self.src)
        with open(os.path.join(self.src, "score.py"), "w") as f:
            f.write(ENTRY)
        with open(os.path.join(self.src, "tab.py"), "w") as f:
            f.write(TABULAR_ENTRY)
        self.data = os.path.join(self.root, "data")
        os.makedirs(self.data)
        self.calls = os.path.join(self.root, "calls.txt")
        self.out = os.path.join(self.root, "out")

    def tearDown(self):
        self.tmp.cleanup()

    def write_files(self, names, content=None):
        for n in names:
            with open(os.path.join(self.data, n), "w") as f:
                f.write(content if content is not None else "v-" + n)

    def driver(self, *extra, entry="score.py"):
        env = dict(os.environ, RUNNEL_RUN_CONTEXT=self.ctx_path, CALLS=self.calls,
                   PYTHONPATH=PYTHON_DIR)
        if os.path.exists(self.calls):
            os.remove(self.calls)
        cmd = [sys.executable, "-m", "runnel.parallel_run", "--entry-script", entry,
               "--source-directory", self.src, "--input", "data=" + self.data,
               "--output", self.out, "--process-count-per-node", "2"] + list(extra)
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)

    def executed(self):
        if not os.path.exists(self.calls):
            return []
        with open(self.calls) as f:
            return sorted(f.read().split())

    def output_lines(self):
        with open(os.path.join(self.out, "parallel_run_step.txt")) as f:
            return f.read().splitlines()


class ParallelRunTest(DriverTestBase):
    def test_append_row_in_order_with_long_lived_workers(self):
        self.write_files(["f%02d.txt" % i for i in range(25)])
        r = self.driver("--mini-batch-size", "10")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.output_lines(), ["f%02d.txt V-F%02d.TXT" % (i, i) for i in range(25)])
        self.assertEqual(self.executed(), ["f00.txt", "f10.txt", "f20.txt"])
        with open(self.calls + ".init") as f:
            inits = f.read().split()
        self.assertLessEqual(len(inits), 2, "init() runs once per worker, not per mini-batch")
        with open(os.path.join(self.ctx["run_dir"], "logs", "parallel", "minibatch-0.txt")) as f:
            self.assertIn("scored", f.read(), "a mini-batch's prints go to its own log")
        with open(os.path.join(self.ctx["run_dir"], "logs", "parallel", "progress.json")) as f:
            progress = json.load(f)
        self.assertEqual((progress["done"], progress["to_run"], progress["final"]), (3, 3, True))

    def test_rerun_after_adding_files_runs_only_new_content(self):
        self.write_files(["f%03d.txt" % i for i in range(100)])
        r = self.driver("--mini-batch-size", "10")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.executed()), 10)
        # Unchanged input: nothing runs, the same output comes from the cache.
        first = self.output_lines()
        r = self.driver("--mini-batch-size", "10")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.executed(), [])
        self.assertEqual(self.output_lines(), first)
        # 10 new files (sorted between existing ones) and one changed file.
        self.write_files(["f%03d.txt.new" % i for i in range(0, 100, 10)])
        self.write_files(["f055.txt"], "changed")
        r = self.driver("--mini-batch-size", "10")
        self.assertEqual(r.returncode, 0, r.stderr)
        ran = self.executed()
        self.assertEqual(len(ran), 2, "one mini-batch of the new files, one of the changed one: %s" % ran)
        self.assertIn("f055.txt CHANGED", self.output_lines())
        self.assertEqual(len(self.output_lines()), 110)
        with open(os.path.join(self.ctx["run_dir"], "logs", "parallel", "summary.json")) as f:
            summary = json.load(f)
        self.assertEqual(summary["reused"], 9)

    def test_slurm_job_files_in_the_code_folder_keep_reuse(self):
        # On Slurm the code folder is the step's working folder, where the backend writes its
        # job script and exit-code files (new names every step run): not part of the code.
        self.write_files(["f%02d.txt" % i for i in range(6)])
        self.assertEqual(self.driver("--mini-batch-size", "3").returncode, 0)
        for name in (".runnel-slurm-run2.sh", ".runnel-slurm-run2.exitcode.task-0"):
            with open(os.path.join(self.src, name), "w") as f:
                f.write("#!/bin/sh\n")
        r = self.driver("--mini-batch-size", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.executed(), [], "every mini-batch reused")
        with open(os.path.join(self.src, "helper.py"), "w") as f:
            f.write("X = 1\n")  # real code still counts
        self.assertEqual(self.driver("--mini-batch-size", "3").returncode, 0)
        self.assertEqual(len(self.executed()), 2)

    def test_poisoned_file_fails_exactly_its_mini_batch(self):
        self.write_files(["f%02d.txt" % i for i in range(20)])
        self.write_files(["f13.txt"], "poison")
        r = self.driver("--mini-batch-size", "5", "--error-threshold", "2", "--run-max-try", "2")
        self.assertEqual(r.returncode, 1)
        self.assertIn("mini-batch 2 (", r.stderr)
        self.assertIn("poisoned file f13.txt", r.stderr)
        self.assertIn("5 failed items exceed error_threshold 2", r.stderr)
        self.assertEqual(self.executed().count("f10.txt"), 2, "retried run_max_try times")
        self.assertFalse(os.path.exists(os.path.join(self.out, "parallel_run_step.txt")))
        # With a high enough threshold the step passes, without the poisoned batch's rows.
        r = self.driver("--mini-batch-size", "5", "--error-threshold", "5", "--run-max-try", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.output_lines()), 15)

    def test_fewer_results_than_items_count_as_failures(self):
        self.write_files(["a.txt", "b.txt", "c.txt"])
        self.write_files(["b.txt"], "skip")
        r = self.driver("--mini-batch-size", "3", "--error-threshold", "0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("1 failed items exceed error_threshold 0", r.stderr)
        r = self.driver("--mini-batch-size", "3", "--allowed-failed-count", "0")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_run_invocation_timeout_kills_and_retries(self):
        self.write_files(["a.txt", "b.txt"])
        self.write_files(["b.txt"], "slow")
        r = self.driver("--mini-batch-size", "1", "--run-invocation-timeout", "1", "--run-max-try", "2",
                        "--allowed-failed-count", "0")
        self.assertEqual(r.returncode, 1)
        self.assertIn("--run-invocation-timeout", r.stderr)
        self.assertEqual(self.executed().count("b.txt"), 2)

    def test_tabular_input_by_size_and_by_partition_keys(self):
        with open(os.path.join(self.data, "t.csv"), "w") as f:
            f.write("city,value\n")
            for i in range(200):
                f.write("%s,%d\n" % (["oslo", "rome", "lima"][i % 3], i))
        r = self.driver("--tabular", "--mini-batch-size", "1KB", entry="tab.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = self.output_lines()
        self.assertEqual(len(lines), 200)
        self.assertEqual(lines[1], "rome 2")
        sizes = [int(x) for x in self.executed()]
        self.assertGreater(len(sizes), 1)
        self.assertEqual(sum(sizes), 200)
        r = self.driver("--tabular", "--partition-keys", "city", "--no-reuse", entry="tab.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(int(x) for x in self.executed()), [66, 67, 67])

    def test_mltable_input_partitioned_by_columns_taken_from_its_folders(self):
        # azureml-examples' parallel job "partition by key": a step writes one CSV per
        # Store/Brand folder and an MLTable whose transformations take Store and Brand from
        # the paths (extract_columns_from_partition_format), then drop Path; the parallel
        # step groups by those columns. It failed: the driver read the CSVs raw and found no
        # column Store.
        for store, brand, rows in (("s1", "b1", 3), ("s1", "b2", 2), ("s2", "b1", 4)):
            d = os.path.join(self.data, store, brand)
            os.makedirs(d)
            with open(os.path.join(d, "part.csv"), "w") as f:
                f.write("city,value\n" + "".join("%s,%d\n" % (store + brand, i) for i in range(rows)))
        with open(os.path.join(self.data, "MLTable"), "w") as f:
            f.write("type: mltable\npaths:\n- pattern: ./**/*.csv\ntransformations:\n"
                    "- read_delimited: {delimiter: ',', header: all_files_same_headers, include_path_column: true}\n"
                    "- extract_columns_from_partition_format: {partition_format: '{Store}/{Brand}/{file_name}.{extension}'}\n"
                    "- drop_columns: [Path, file_name, extension]\n")
        with open(os.path.join(self.src, "keys.py"), "w") as f:
            f.write(textwrap.dedent("""
                import os
                def init():
                    pass
                def run(mini_batch, mini_batch_context):
                    key = mini_batch_context.partition_key_value
                    assert set(mini_batch["Store"]) == {key["Store"]}, (mini_batch, key)
                    with open(os.environ["CALLS"], "a") as f:
                        f.write("%s/%s=%d\\n" % (key["Store"], key["Brand"], len(mini_batch)))
                    return ["%s %s %d" % (key["Store"], key["Brand"], mini_batch["value"].sum())]
            """))
        r = self.driver("--tabular", "--partition-keys", "Store,Brand", entry="keys.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.executed(), ["s1/b1=3", "s1/b2=2", "s2/b1=4"])
        self.assertEqual(sorted(self.output_lines()), ["s1 b1 3", "s1 b2 1", "s2 b1 6"])

    def test_bad_arguments_are_clear(self):
        self.write_files(["a.txt"])
        r = self.driver("--mini-batch-size", "lots")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--mini-batch-size: 'lots'", r.stderr)
        r = self.driver(entry="missing.py")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--entry-script: missing.py not found", r.stderr)


# run() that takes a while per mini-batch and records who ran it: "<first item> <pid>".
PULL_ENTRY = textwrap.dedent("""
    import os, time
    def init():
        with open(os.environ["CALLS"] + ".init", "a") as f:
            f.write("%d\\n" % os.getpid())
    def run(mini_batch):
        with open(os.environ["CALLS"], "a") as f:
            f.write("%s %d\\n" % (os.path.basename(mini_batch[0]), os.getppid()))
        time.sleep(float(os.environ.get("BATCH_SLEEP", "0.2")))
        out = []
        for path in mini_batch:
            text = open(path).read().strip()
            if text == "poison":
                raise ValueError("poisoned file " + os.path.basename(path))
            out.append("%s %s" % (os.path.basename(path), text.upper()))
        return out
""")


class ParallelRunPullTest(DriverTestBase):
    """Pull mode: several drivers on one folder (as the tasks of one Slurm job array are),
    each claiming mini-batches; started here as plain processes, no Slurm."""

    def setUp(self):
        super().setUp()
        with open(os.path.join(self.src, "pull.py"), "w") as f:
            f.write(PULL_ENTRY)
        self.log_dir = os.path.join(self.ctx["run_dir"], "logs", "parallel")

    def start(self, task, *extra, env=None, sleep="0.2", session=False):
        e = dict(os.environ, RUNNEL_RUN_CONTEXT=self.ctx_path, CALLS=self.calls, PYTHONPATH=PYTHON_DIR,
                 BATCH_SLEEP=sleep, **(env or {}))
        cmd = [sys.executable, "-m", "runnel.parallel_run", "--entry-script", "pull.py",
               "--source-directory", self.src, "--input", "data=" + self.data, "--output", self.out,
               "--mini-batch-size", "2", "--process-count-per-node", "3"] + list(extra)
        return subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=session)

    def ran(self):
        with open(self.calls) as f:
            return [line.split() for line in f.read().splitlines()]

    def test_three_array_tasks_pull_every_mini_batch_exactly_once(self):
        self.write_files(["f%02d.txt" % i for i in range(30)])
        # As Slurm starts them: the same command, SLURM_ARRAY_JOB_ID/SLURM_ARRAY_TASK_ID set.
        procs = [self.start(0, env={"SLURM_ARRAY_JOB_ID": "4242", "SLURM_ARRAY_TASK_ID": str(t),
                                    "SLURM_ARRAY_TASK_COUNT": "3"}) for t in range(3)]
        results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
        for out, err, rc in results:
            self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.output_lines(), ["f%02d.txt V-F%02d.TXT" % (i, i) for i in range(30)])
        ran = self.ran()
        firsts = sorted(r[0] for r in ran)
        self.assertEqual(firsts, ["f%02d.txt" % i for i in range(0, 30, 2)], "each mini-batch exactly once")
        self.assertEqual(len({r[1] for r in ran}), 3, "all three tasks pulled work: %s" % ran)
        with open(self.calls + ".init") as f:
            self.assertEqual(len(f.read().split()), 3, "init() once per task")
        state = os.path.join(self.log_dir, "array-4242")
        with open(os.path.join(state, "aggregated")) as f:
            self.assertEqual(json.load(f)["exit_code"], 0)
        self.assertEqual(sum("planned 15 mini-batches" in out for out, _, _ in results), 1, "one plan")
        with open(os.path.join(self.log_dir, "summary.json")) as f:
            summary = json.load(f)
        self.assertEqual((summary["mini_batches"], summary["items"], summary["failed_items"]), (15, 30, 0))
        with open(os.path.join(self.log_dir, "progress.json")) as f:
            progress = json.load(f)
        self.assertEqual((progress["done"], progress["to_run"], progress["final"]), (15, 15, True))
        # A rerun (a new array) reuses every mini-batch from the cache: nothing runs.
        os.remove(self.calls)
        procs = [self.start(t, "--pull-dir", os.path.join(self.root, "again"), "--pull-task", str(t))
                 for t in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, out + err)
        self.assertFalse(os.path.exists(self.calls))
        self.assertEqual(len(self.output_lines()), 30)

    def test_poisoned_file_fails_exactly_its_mini_batch_and_the_aggregating_task(self):
        self.write_files(["f%02d.txt" % i for i in range(12)])
        self.write_files(["f07.txt"], "poison")
        d = os.path.join(self.root, "pull")
        procs = [self.start(t, "--pull-dir", d, "--pull-task", str(t), "--run-max-try", "1",
                            "--error-threshold", "1") for t in range(3)]
        rcs = [(p.communicate(timeout=120), p.returncode) for p in procs]
        self.assertEqual(sorted(rc for _, rc in rcs), [0, 0, 1], rcs)
        err = "".join(e for (_, e), _ in rcs)
        self.assertIn("mini-batch 3 (", err)
        self.assertIn("poisoned file f07.txt", err)
        self.assertIn("2 failed items exceed error_threshold 1", err)
        self.assertFalse(os.path.exists(os.path.join(self.out, "parallel_run_step.txt")))
        with open(os.path.join(self.log_dir, "summary.json")) as f:
            summary = json.load(f)
        self.assertEqual([b["index"] for b in summary["failed_mini_batches"]], [3])

    def claim_of(self, d, task, tried=True):
        """The number of a mini-batch that pull task `task` claimed (and started, with
        tried), or None."""
        try:
            names = os.listdir(os.path.join(d, "claims"))
        except OSError:
            return None
        for n in names:
            if not n.isdigit():
                continue
            try:
                with open(os.path.join(d, "claims", n)) as f:
                    c = json.load(f)
            except (OSError, ValueError):
                continue
            if c["task"] == task and (c["tries"] >= 1 or not tried):
                return int(n)
        return None

    def kill_mid_mini_batch(self, d, procs, task):
        """SIGKILLs pull task `task` (its driver and worker, as Slurm kills a task's
        processes) while its run() works on a mini-batch; returns that mini-batch."""
        for _ in range(500):
            n = self.claim_of(d, task)
            if n is not None:
                break
            time.sleep(0.02)
        self.assertIsNotNone(n, "task %d never started a mini-batch" % task)
        os.killpg(procs[task].pid, signal.SIGKILL)
        procs[task].communicate()
        self.assertFalse(os.path.exists(os.path.join(d, "results", "%d-ok.json" % n)))
        return n

    def test_a_killed_tasks_mini_batch_is_taken_over_and_the_output_is_complete(self):
        self.write_files(["f%02d.txt" % i for i in range(12)])
        d = os.path.join(self.root, "pull")
        procs = [self.start(t, "--pull-dir", d, "--pull-task", str(t), "--lease-heartbeat", "0.3",
                            sleep="1", session=True) for t in range(3)]
        n = self.kill_mid_mini_batch(d, procs, 2)
        outs = []
        for p in procs[:2]:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, out + err)
            outs.append(out)
        takeover = [o for o in outs if "takes over mini-batch %d from array task 2" % n in o]
        self.assertEqual(len(takeover), 1, outs)
        self.assertIn("is gone (1 of run_max_try 3 tries used)", takeover[0])
        # Every mini-batch exactly once in the output, in order.
        self.assertEqual(self.output_lines(), ["f%02d.txt V-F%02d.TXT" % (i, i) for i in range(12)])
        with open(os.path.join(self.log_dir, "summary.json")) as f:
            summary = json.load(f)
        self.assertTrue(summary["passed"])
        self.assertEqual([b["tries"] for b in summary["batches"] if b["index"] == n], [2])
        with open(os.path.join(d, "aggregated")) as f:
            self.assertEqual(json.load(f)["exit_code"], 0)

    def test_a_mini_batch_whose_last_try_died_with_its_task_fails(self):
        self.write_files(["f%02d.txt" % i for i in range(12)])
        d = os.path.join(self.root, "pull")
        procs = [self.start(t, "--pull-dir", d, "--pull-task", str(t), "--run-max-try", "1",
                            "--error-threshold", "0", sleep="1", session=True) for t in range(3)]
        n = self.kill_mid_mini_batch(d, procs, 1)
        rcs = [p.communicate(timeout=120) + (p.returncode,) for p in (procs[0], procs[2])]
        self.assertEqual(sorted(rc for _, _, rc in rcs), [0, 1], rcs)
        err = "".join(e for _, e, _ in rcs)
        self.assertIn("mini-batch %d (" % n, err)
        self.assertIn("array task 1 (host", err)
        self.assertIn("died while running it, on try 1 of run_max_try 1", err)
        self.assertIn("2 failed items exceed error_threshold 0", err)
        self.assertFalse(os.path.exists(os.path.join(self.out, "parallel_run_step.txt")))

    def plant_claim(self, d, n, age, **owner):
        """A claim on mini-batch n by a task on another host whose heartbeat is `age` s old."""
        os.makedirs(os.path.join(d, "claims"), exist_ok=True)
        path = os.path.join(d, "claims", str(n))
        body = {"task": 7, "host": "elsewhere.example", "boot_id": "x", "pid": 1, "start": 1,
                "token": "planted", "tries": 1, "slurm_job": ""}
        body.update(owner)
        with open(path, "w") as f:
            json.dump(body, f)
        os.utime(path, (time.time() - age, time.time() - age))

    def test_another_hosts_claim_is_taken_over_after_the_lease_timeout(self):
        self.write_files(["f%02d.txt" % i for i in range(6)])
        d = os.path.join(self.root, "pull")
        self.plant_claim(d, 1, age=0)
        started = time.monotonic()
        p = self.start(0, "--pull-dir", d, "--pull-task", "0", "--lease-heartbeat", "0.5",
                       "--lease-timeout", "3", sleep="0")
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, out + err)
        self.assertGreater(time.monotonic() - started, 2.5, "a fresh lease was taken before its timeout")
        self.assertIn("takes over mini-batch 1 from array task 7 (host elsewhere.example, pid 1): "
                      "its heartbeat is 3 s old (lease timeout 3 s)", out)
        self.assertEqual(self.output_lines(), ["f%02d.txt V-F%02d.TXT" % (i, i) for i in range(6)])

    def test_another_hosts_claim_is_taken_over_once_squeue_says_its_task_ended(self):
        self.write_files(["f%02d.txt" % i for i in range(6)])
        d = os.path.join(self.root, "pull")
        self.plant_claim(d, 2, age=3, slurm_job="999_4")
        bin_dir = os.path.join(self.root, "bin")  # a squeue that knows job 999_4 as FAILED
        os.makedirs(bin_dir)
        with open(os.path.join(bin_dir, "squeue"), "w") as f:
            f.write('#!/bin/sh\necho "$@" >> %s/squeue.calls\necho FAILED\n' % self.root)
        os.chmod(os.path.join(bin_dir, "squeue"), 0o755)
        p = self.start(0, "--pull-dir", d, "--pull-task", "0", "--lease-heartbeat", "1",
                       "--lease-timeout", "600", sleep="0",
                       env={"PATH": bin_dir + os.pathsep + os.environ["PATH"]})
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, out + err)
        self.assertIn("takes over mini-batch 2 from array task 7 (host elsewhere.example, pid 1): "
                      "Slurm says its job 999_4 has ended", out)
        with open(os.path.join(self.root, "squeue.calls")) as f:
            self.assertIn("-j 999_4", f.read())
        self.assertEqual(self.output_lines(), ["f%02d.txt V-F%02d.TXT" % (i, i) for i in range(6)])

    def test_tasks_beyond_the_mini_batch_count_exit_at_once_without_init(self):
        self.write_files(["f%02d.txt" % i for i in range(4)])  # 2 mini-batches, 5 tasks
        d = os.path.join(self.root, "pull")
        procs = [self.start(t, "--pull-dir", d, "--pull-task", str(t), sleep="6") for t in range(2)]
        for _ in range(500):
            if self.claim_of(d, 0) is not None and self.claim_of(d, 1) is not None:
                break
            time.sleep(0.02)
        started = time.monotonic()
        extra = [self.start(t, "--pull-dir", d, "--pull-task", str(t)) for t in range(2, 5)]
        for p in extra:
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, out + err)
            self.assertIn("found no mini-batch to claim; 2 of 2 still run elsewhere", out)
        extra_s = time.monotonic() - started
        # They did not wait for the work of others: both working tasks (6 s a mini-batch) are
        # still running when the extra ones have exited (an order, not a time limit: a loaded
        # machine only makes the extra tasks slower, never the check wrong).
        self.assertEqual([p.poll() for p in procs], [None, None],
                         "the extra tasks waited for the work of others (%.2f s)" % extra_s)
        for p in procs:
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, out + err)
        with open(self.calls + ".init") as f:
            self.assertEqual(len(f.read().split()), 2, "init() only in the tasks that had work")
        self.assertEqual(len(self.output_lines()), 4)
        print("\n3 extra pull tasks exited in %.2f s (started together)" % extra_s, file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
