"""Steps that fail, are killed, or are canceled: statuses, exit codes, logs, and no half
output left behind."""

import os
import shutil
import signal
import subprocess
import unittest

from e2e_util import RUNNEL, WorkspaceTest, clean_env, process_running, read, wait_for


class FailureTest(WorkspaceTest):

    def assert_no_staging_left(self):
        staging = os.path.join(self.datastore(), ".staging")
        left = os.listdir(staging) if os.path.isdir(staging) else []
        self.assertEqual(left, [], "staging folders left behind in " + staging)

    def test_step_exits_3(self):
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              bad:
                type: command
                command: echo partial > ${{outputs.o}}/f; echo oops-on-stderr >&2; exit 3
                outputs:
                  o: {type: uri_folder}
            """)
        p = self.run_pipeline(path, expect=1)
        run = self.show()
        self.assertEqual(run["status"], "Failed")
        step = run["steps"][0]
        self.assertEqual(step["status"], "Failed")
        self.assertEqual(step["exit_code"], 3)
        self.assertIsNone(step["signal"])
        self.assertEqual(step["outputs"], {})
        with open(step["stderr"]) as f:
            self.assertIn("oops-on-stderr", f.read())
        # The CLI names the failed step and where its log is.
        self.assertIn("'bad'", p.stdout)
        self.assertIn(step["stderr"], p.stdout)
        self.assertIn("oops-on-stderr", p.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.datastore(), "runs", step["run_id"])))
        self.assert_no_staging_left()

    def test_step_kills_itself(self):
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              bad:
                type: command
                command: kill -9 $$
            """)
        self.run_pipeline(path, expect=1)
        step = self.steps()["bad"]
        self.assertEqual(step["status"], "Failed")
        self.assertEqual(step["signal"], 9)
        self.assertIn("SIGKILL", step["error"])
    def test_child_killed_by_signal(self):
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              bad:
                type: command
                command: sh -c 'kill -9 $$'
            """)
        self.run_pipeline(path, expect=1)
        step = self.steps()["bad"]
        self.assertEqual(step["status"], "Failed")
        self.assertEqual(step["signal"], 9)

    def test_environment_interpreter_missing(self):
        python = os.path.join(self.dir, "python-gone")
        shutil.copy("/usr/bin/python3", python)
        p = self.runnel("env", "create", "gone", "--python", python)
        self.assertEqual(p.returncode, 0, p.stderr)
        os.remove(python)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                type: command
                environment: azureml:gone@latest
                command: python -c "print(1)"
            """)
        p = self.run_pipeline(path, expect=1)
        step = self.steps()["a"]
        self.assertEqual(step["status"], "Failed")
        self.assertIn(python, step["error"])
        self.assertIn("runnel env create", step["error"])
        self.assertIsNotNone(step["exit_code"])
        self.assertIn(python, p.stdout)
    def test_environment_interpreter_missing_leaves_no_staging(self):
        python = os.path.join(self.dir, "python-gone")
        shutil.copy("/usr/bin/python3", python)
        self.assertEqual(self.runnel("env", "create", "gone", "--python", python).returncode, 0)
        os.remove(python)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                type: command
                environment: gone
                command: python -c "print(1)"
            """)
        self.run_pipeline(path, expect=1)
        self.assert_no_staging_left()

    GRAPH = """
        type: pipeline
        settings:
          continue_on_step_failure: %s
        jobs:
          bad:
            type: command
            command: sleep 0.3; exit 1
            outputs:
              o: {type: uri_folder}
          dep:
            type: command
            command: ls ${{inputs.x}} > ${{outputs.o}}/f
            inputs:
              x: ${{parent.jobs.bad.outputs.o}}
            outputs:
              o: {type: uri_folder}
          dep2:
            type: command
            command: ls ${{inputs.x}}
            inputs:
              x: ${{parent.jobs.dep.outputs.o}}
          other:
            type: command
            command: sleep 1.5; echo ok > ${{outputs.o}}/f
            outputs:
              o: {type: uri_folder}
        """

    def test_failure_stops_dependents(self):
        path = self.write("p.yml", self.GRAPH % "false")
        self.run_pipeline(path, "-j", "2", expect=1)
        run = self.show()
        self.assertEqual(run["status"], "Failed")
        steps = {s["name"]: s for s in run["steps"]}
        self.assertEqual(steps["bad"]["status"], "Failed")
        for name in ("dep", "dep2"):
            self.assertIn(steps[name]["status"], ("Canceled", "NotStarted"), name)
            self.assertIsNone(steps[name]["started"], name)
        # Without continue_on_step_failure the independent branch does not finish either.
        self.assertIn(steps["other"]["status"], ("Canceled", "NotStarted"))

    def test_a_step_cancels_its_pipeline_run_without_runnel_on_its_path(self):
        # MLOpsPython's evaluate step: run.parent.cancel() when the new model is not better;
        # register (after it) must not run. The engine tells the step where its CLI is
        # (RUNNEL_BIN), so neither PATH nor the caller's environment has to.
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              evaluate:
                command: python3 -c "from azureml.core import Run; Run.get_context().parent.cancel()"
              register:
                command: echo registered > %s
                run_after: [evaluate]
            """ % os.path.join(self.dir, "registered.txt"))
        env = clean_env(PATH="/usr/bin:/bin")
        env.pop("RUNNEL_BIN", None)
        p = subprocess.run([RUNNEL, "--workspace", self.ws, "run", path], cwd=self.dir, env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        run = self.show()
        self.assertEqual(run["status"], "Canceled")
        steps = {s["name"]: s for s in run["steps"]}
        self.assertIn(steps["register"]["status"], ("Canceled", "NotStarted"))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "registered.txt")))

    def test_continue_on_step_failure(self):
        path = self.write("p.yml", self.GRAPH % "true")
        self.run_pipeline(path, "-j", "2", expect=1)
        run = self.show()
        self.assertEqual(run["status"], "Failed")
        steps = {s["name"]: s for s in run["steps"]}
        self.assertEqual(steps["bad"]["status"], "Failed")
        self.assertIn(steps["dep"]["status"], ("Canceled", "NotStarted"))
        self.assertIn(steps["dep2"]["status"], ("Canceled", "NotStarted"))
        self.assertEqual(steps["other"]["status"], "Finished")
        with open(os.path.join(steps["other"]["outputs"]["o"], "f")) as f:
            self.assertEqual(f.read().strip(), "ok")

    def test_continue_on_step_failure_flag(self):
        path = self.write("p.yml", self.GRAPH % "false")
        self.run_pipeline(path, "-j", "2", "--continue-on-step-failure", expect=1)
        self.assertEqual(self.steps()["other"]["status"], "Finished")

    def test_interrupt_cancels_run(self):
        pidfile = os.path.join(self.dir, "pid")
        childfile = os.path.join(self.dir, "childpid")
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              slow:
                type: command
                command: >-
                  echo $$ > %s;
                  echo partial > ${{outputs.o}}/part;
                  sleep 60 & echo $! > %s; wait
                outputs:
                  o: {type: uri_folder}
              after:
                type: command
                command: echo never > ${{outputs.o}}/f
                inputs:
                  x: ${{parent.jobs.slow.outputs.o}}
                outputs:
                  o: {type: uri_folder}
            """ % (pidfile, childfile))
        proc = subprocess.Popen([RUNNEL, "--workspace", self.ws, "run", path], cwd=self.dir,
                                env=clean_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            started = wait_for(lambda: (read(childfile) or "").strip(), timeout=30)
            self.assertTrue(started, "the step did not start")
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 1, out + err)
        self.assertIn("Canceled", out)
        run = self.show()
        self.assertEqual(run["status"], "Canceled")
        steps = {s["name"]: s for s in run["steps"]}
        self.assertEqual(steps["slow"]["status"], "Canceled")
        self.assertIn(steps["after"]["status"], ("Canceled", "NotStarted"))
        # No output of the killed step in the datastore, nothing staged.
        self.assertEqual(steps["slow"]["outputs"], {})
        self.assertFalse(os.path.exists(
            os.path.join(self.datastore(), "runs", steps["slow"]["run_id"])))
        self.assert_no_staging_left()
        # No process of the step survives (zombies reparented to init do not count).
        for f in (pidfile, childfile):
            pid = int(read(f))
            self.assertTrue(wait_for(lambda: not process_running(pid), timeout=5),
                            "step process %d (%s) still running" % (pid, f))


if __name__ == "__main__":
    unittest.main()
