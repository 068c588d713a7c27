"""`runnel job ...`, the `az ml job` verbs (create, show, list, stream, cancel, download),
and the message for an unknown subcommand (`runnel rnu`: did you mean `run`?)."""

import json
import os
import re
import signal
import subprocess
import time
import unittest

from e2e_util import RUNNEL, ServerTestBase, WorkspaceTest, process_running, read, wait_for

# The step waits for the test to create GATE, so a `job create` that returns while the run
# goes on is seen, not guessed from timing.
GATED = """
$schema: https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json
type: pipeline
display_name: gated pipeline
inputs:
  greeting: hi
outputs:
  result:
    type: uri_folder
jobs:
  wait:
    type: command
    inputs:
      greeting: ${{parent.inputs.greeting}}
    command: >-
      while [ ! -e %(gate)s ]; do sleep 0.05; done;
      echo "${{inputs.greeting}} from wait"; echo done > ${{outputs.out}}/result.txt
    outputs:
      out:
        type: uri_folder
  after:
    type: command
    inputs:
      x: ${{parent.jobs.wait.outputs.out}}
    command: cat ${{inputs.x}}/result.txt; echo after > ${{outputs.out}}/after.txt
    outputs:
      out: ${{parent.outputs.result}}
"""


def gated(gate, experiment=None):
    text = GATED % {"gate": gate}
    if experiment:
        text = text.replace("type: pipeline\n", "type: pipeline\nexperiment_name: %s\n" % experiment)
    return text


def detached_pids(marker):
    """The pids of `runnel ... job create --detached-child` processes whose command line
    holds `marker` (the test's temp folder)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if b"--detached-child" in args and any(marker.encode() in a for a in args):
            pids.append(int(d))
    # The engine's own forks (a step's launcher) carry its command line too.
    return [p for p in pids if parent_pid(p) not in pids]


def parent_pid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


class UnknownCommandTest(WorkspaceTest):

    def test_typo_of_a_command_suggests_it(self):
        p = self.runnel("rnu", "p.yml")
        err = self.assert_one_error(p)
        self.assertEqual(err, "error: unknown command 'rnu' for 'runnel'; did you mean `run`?")
        self.assertIn("runnel --help", p.stderr)

    def test_unknown_command_without_a_close_name(self):
        p = self.runnel("foo")
        err = self.assert_one_error(p)
        self.assertEqual(err, "error: unknown command 'foo' for 'runnel'")
        self.assertIn("run `runnel --help` for the commands", p.stderr)
        self.assertNotIn("A subcommand is required", p.stderr)

    def test_unknown_sub_subcommand(self):
        p = self.runnel("dataset", "lsit")
        err = self.assert_one_error(p)
        self.assertEqual(err,
                         "error: unknown command 'lsit' for 'runnel dataset'; did you mean `list`?")
        self.assertIn("runnel dataset --help", p.stderr)
        p = self.runnel("job", "craete", "-f", "x.yml")
        self.assertIn("did you mean `create`?", self.assert_one_error(p))

    def test_a_group_without_its_command(self):
        p = self.runnel("job")
        self.assertEqual(
            self.assert_one_error(p),
            "error: 'runnel job' needs a command: create, show, list, stream, cancel, download")
        self.assertIn("runnel job --help", p.stderr)


class JobVerbsTest(WorkspaceTest):

    def setUp(self):
        super().setUp()
        self.project = os.path.join(self.dir, "my-project")
        os.makedirs(self.project)
        self.gate = os.path.join(self.dir, "gate")
        self.addCleanup(self.end_detached_runs)

    def end_detached_runs(self):
        """A failed test leaves no run behind: open the gate, wait for the runs' processes."""
        open(self.gate, "w").close()
        wait_for(lambda: not detached_pids(self.dir), timeout=30)

    def job(self, *args, **kw):
        kw.setdefault("cwd", self.project)
        return self.runnel("job", *args, **kw)

    def job_json(self, *args):
        p = self.job(*args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def create(self, *args, text=None):
        path = self.write("my-project/pipeline.yml", text or gated(self.gate))
        p = self.job("create", "-f", path, *args)
        self.assertEqual(p.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (p.stdout, p.stderr))
        return json.loads(p.stdout), p

    def test_create_returns_while_the_run_goes_on_then_stream_show_list_download(self):
        job, p = self.create("--set", "greeting=hello", "--web")
        rid = job["name"]
        # Returned before the step could end: it waits for the gate.
        self.assertIn(job["status"], ("NotStarted", "Queued", "Running"))
        self.assertEqual(job["type"], "pipeline")
        self.assertEqual(job["display_name"], "gated pipeline")
        # No experiment_name in the file: az ml takes the current folder's name.
        self.assertEqual(job["experiment_name"], "my-project")
        self.assertIn("runnel job stream -n " + rid, p.stderr)
        self.assertIn("Web View: none", p.stderr)
        self.assertIn(self.show(rid)["status"], ("Starting", "Running"))  # az ml's words
        listed = self.job_json("list")
        self.assertIn(rid, [j["name"] for j in listed])
        open(self.gate, "w").close()
        p = self.job("stream", "-n", rid, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("hello from wait", p.stdout)
        self.assertIn("Status: Completed", p.stdout)  # Azure ML v2's JobStatus word
        shown = self.job_json("show", "-n", rid)
        self.assertEqual(shown["status"], "Completed")
        self.assertEqual([j["status"] for j in self.job_json("list") if j["name"] == rid], ["Completed"])
        self.assertEqual([s["name"] for s in shown["steps"]], ["wait", "after"])
        # download: logs by default; one output; everything with --all.
        dl = os.path.join(self.dir, "dl")
        p = self.job("download", "-n", rid, "--download-path", dl)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("hello from wait", read(os.path.join(dl, "artifacts", "wait", "stdout.txt")))
        self.assertFalse(os.path.exists(os.path.join(dl, "named-outputs")))
        p = self.job("download", "-n", rid, "-p", dl, "--output-name", "wait.out")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(read(os.path.join(dl, "named-outputs", "wait.out", "result.txt")), "done\n")
        p = self.job("download", "-n", rid, "-p", dl, "--all")
        self.assertEqual(p.returncode, 0, p.stderr)
        # The pipeline's output by its name, and each step's as STEP.OUTPUT.
        for name in ("result", "after.out"):
            self.assertEqual(read(os.path.join(dl, "named-outputs", name, "after.txt")), "after\n")
        p = self.job("download", "-n", rid, "-p", dl, "--output-name", "nope")
        self.assertRegex(self.assert_one_error(p), r"no output 'nope' \(outputs: .*wait\.out")

    def test_an_az_ml_wait_loop_runs_unchanged(self):
        # The shell loop of Azure ML READMEs and CI scripts, with `runnel` for `az ml`: the id
        # from `create --query name -o tsv`, the status polled with `--query status -o tsv`
        # while it is one of az's running words, then "Completed".
        path = self.write("my-project/pipeline.yml", gated(self.gate))
        script = self.write("my-project/wait.sh", """
            set -u
            run_id=$("$RUNNEL" job create -f %s --query name -o tsv)
            if [[ -z "$run_id" ]]; then echo "Job creation failed"; exit 3; fi
            status=$("$RUNNEL" job show -n $run_id --query status -o tsv)
            if [[ -z "$status" ]]; then echo "Status query failed"; exit 4; fi
            echo "first: $status"
            touch %s
            running=("Queued" "Starting" "Preparing" "Running" "Finalizing")
            while [[ ${running[*]} =~ $status ]]; do
              sleep 0.2
              status=$("$RUNNEL" job show -n $run_id --query status -o tsv)
            done
            echo "last: $status"
            "$RUNNEL" job show -n $run_id --query services.Studio.endpoint
            "$RUNNEL" job list --query "[].name" -o tsv
            [[ $status == "Completed" ]] || exit 5
            """ % (path, self.gate))
        env = dict(os.environ, RUNNEL=RUNNEL, RUNNEL_WORKSPACE=self.ws)
        p = subprocess.run(["bash", script], cwd=self.project, capture_output=True, text=True,
                           timeout=120, env=env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        self.assertIn(lines[0], ("first: Starting", "first: Running"))
        self.assertEqual(lines[1], "last: Completed")
        self.assertEqual(lines[2], "null")  # no server up: no studio link
        self.assertRegex(lines[3], r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")
        p = self.job("show", "-n", lines[3], "--query", "steps[?status=='Failed']")
        self.assert_one_error(p, re.escape("--query 'steps[?status=='Failed']'"))

    def test_the_detached_run_has_its_own_session(self):
        job, _ = self.create()
        rid = job["name"]
        pids = detached_pids(self.dir)
        self.assertEqual(len(pids), 1, pids)
        # A session of its own: neither Ctrl-C nor a closed terminal reaches the run.
        self.assertNotEqual(os.getsid(pids[0]), os.getsid(0))
        open(self.gate, "w").close()
        self.assertEqual(self.job("stream", "-n", rid).returncode, 0)
        self.assertTrue(wait_for(lambda: not process_running(pids[0])))

    def test_stream_ends_when_the_runs_process_dies(self):
        job, _ = self.create()
        pids = detached_pids(self.dir)
        self.assertEqual(len(pids), 1, pids)
        os.kill(pids[0], signal.SIGKILL)
        t0 = time.monotonic()
        p = self.job("stream", "-n", job["name"], timeout=60)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("Status: Failed", p.stdout)
        self.assertLess(time.monotonic() - t0, 30)

    def test_cancel(self):
        job, _ = self.create()
        rid = job["name"]
        # The run's runnel process recorded its pid at submit; cancel asks it to stop.
        p = self.job("cancel", "-n", rid)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = self.job("stream", "-n", rid)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("Status: Canceled", p.stdout)

    def test_stream_flag_name_and_sets(self):
        open(self.gate, "w").close()
        path = self.write("my-project/pipeline.yml", gated(self.gate))
        p = self.job("create", "-f", path, "--stream", "--name", "train-1",
                     "--set", "experiment_name=exp-a", "--set", "display_name=first try",
                     "--set", "tags.owner=me", "--set", "inputs.greeting=hey",
                     "--resource-group", "rg", "--workspace-name", "azws")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("hey from wait", p.stdout)
        self.assertIn("--resource-group, --workspace-name and --subscription", p.stderr)
        job = self.job_json("show", "-n", "train-1")
        self.assertEqual(job["name"], "train-1")
        self.assertEqual(job["experiment_name"], "exp-a")
        self.assertEqual(job["display_name"], "first try")
        self.assertEqual(job["tags"], {"owner": "me"})
        # A name is a run id: a second job of that name is refused.
        p = self.job("create", "-f", path, "--stream", "--name", "train-1")
        self.assertRegex(self.assert_one_error(p), r"--name train-1: a run of that name exists")

    def test_bad_file_is_reported_by_create(self):
        path = self.write("my-project/bad.yml", "type: pipeline\njobs:\n  a:\n    type: command\n")
        p = self.job("create", "-f", path)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(len([l for l in p.stderr.splitlines() if l.startswith("error:")]), 1,
                         p.stderr)
        self.assertEqual(p.stdout, "")
        p = self.job("create", "-f", "missing.yml")
        self.assertRegex(self.assert_one_error(p), r"missing\.yml: no such file")


class JobOnServerTest(ServerTestBase):
    """With the workspace's server up, `job create` submits to it: the run is the server's."""

    def test_create_submits_to_the_server(self):
        self.start_server()
        gate = os.path.join(self.dir, "gate")
        path = self.write("ws/pipeline.yml", gated(gate))
        p = self.runnel("job", "create", "-f", path, "--web", cwd=self.ws)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr + self.server_log())
        job = json.loads(p.stdout)
        rid = job["name"]
        self.assertEqual(job["services"]["Studio"]["endpoint"], self.server_url + "/#/runs/" + rid)
        self.assertIn("Web View: " + self.server_url + "/#/runs/" + rid, p.stderr)
        # The submitting process handed the run to the server (it did not run it itself).
        logs = os.listdir(os.path.join(self.ws, ".runnel", "jobs"))
        self.assertEqual(len(logs), 1, logs)
        log = read(os.path.join(self.ws, ".runnel", "jobs", logs[0]))
        self.assertIn("Submitted PipelineRun %s to the server at %s" % (rid, self.server_url), log)
        open(gate, "w").close()
        self.assertEqual(self.wait_run(rid)["status"], "Finished")
        p = self.runnel("job", "stream", "-n", rid)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("hi from wait", p.stdout)


class ExperimentAndDisplayNameTest(WorkspaceTest):
    """A v2 pipeline's experiment_name and display_name name the run (item 3)."""

    def test_experiment_name_and_display_name_from_the_file(self):
        gate = os.path.join(self.dir, "gate")
        open(gate, "w").close()
        path = self.write("p.yml", gated(gate, experiment="from-yaml"))
        self.run_pipeline(path)
        run = self.show()
        self.assertEqual(run["experiment"], "from-yaml")
        self.assertEqual(run["display_name"], "gated pipeline")
        p = self.runnel("job", "create", "-f", path, "--stream", cwd=self.dir)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.show()["experiment"], "from-yaml")


if __name__ == "__main__":
    unittest.main()
