"""The `runnel` command line end to end: finding the workspace, runs/logs/metrics, env and
compute registration, plan, parallel slots, what a step sees, and output commits."""

import json
import os
import unittest

from e2e_util import PYTHON, WorkspaceTest, clean_env, read

HELLO = """
type: pipeline
experiment_name: hello
jobs:
  a:
    type: command
    command: echo hello-from-a; echo warn-from-a >&2
"""

TWO_SLEEPS = """
type: pipeline
jobs:
  s1:
    type: command
    command: echo s1; date +%s.%N > ${{outputs.o}}/start; sleep 1; date +%s.%N > ${{outputs.o}}/end
    outputs:
      o: {type: uri_folder}
  s2:
    type: command
    command: date +%s.%N > ${{outputs.o}}/start; sleep 1; date +%s.%N > ${{outputs.o}}/end
    outputs:
      o: {type: uri_folder}
"""


class WorkspaceDiscoveryTest(WorkspaceTest):

    def test_init_twice_is_harmless(self):
        p = self.runnel("init", self.ws, workspace=None)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("already exists", p.stdout)
        self.assertTrue(os.path.isfile(os.path.join(self.ws, ".runnel", "config.json")))

    def test_from_config_walks_up(self):
        sub = os.path.join(self.ws, "sub", "deeper")
        os.makedirs(sub)
        path = self.write("p.yml", HELLO)
        p = self.runnel("run", path, workspace=None, cwd=sub)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(sub, ".runnel")))
        p = self.runnel("runs", "list", workspace=None, cwd=sub)
        self.assertIn("hello", p.stdout)
        # ... and the run is in the workspace above.
        self.assertEqual(self.show()["status"], "Finished")

    def test_runnel_workspace_env_and_flag(self):
        other = os.path.join(self.dir, "other")
        self.assertEqual(self.runnel("init", other, workspace=None).returncode, 0)
        path = self.write("p.yml", HELLO)
        env = clean_env(RUNNEL_WORKSPACE=self.ws)
        p = self.runnel("run", path, workspace=None, cwd="/", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("hello", self.runnel("runs", "list", workspace=None, env=env).stdout)
        # --workspace wins over RUNNEL_WORKSPACE.
        p = self.runnel("runs", "list", workspace=other, env=env)
        self.assertIn("no runs yet", p.stdout)


class RunsLogsTest(WorkspaceTest):

    def test_runs_list_show_logs(self):
        path = self.write("p.yml", HELLO)
        self.run_pipeline(path, "--tag", "who=e2e")
        run = self.show()
        rid = run["run_id"]
        self.assertEqual(run["tags"], {"who": "e2e"})
        p = self.runnel("runs", "list")
        self.assertRegex(p.stdout, r"%s\s+hello\s+Finished" % rid)
        j = json.loads(self.runnel("runs", "list", "--output", "json").stdout)
        self.assertEqual([r["run_id"] for r in j], [rid])
        p = self.runnel("runs", "show", rid)
        self.assertIn("Finished", p.stdout)
        p = self.runnel("logs", rid, "a")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("hello-from-a", p.stdout)
        self.assertIn("warn-from-a", p.stdout)
        p = self.runnel("logs", rid, "a", "--stderr")
        self.assertNotIn("hello-from-a", p.stdout)
        self.assertIn("warn-from-a", p.stdout)
        # --follow on a finished run prints everything and returns.
        p = self.runnel("logs", rid, "--follow", timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("hello-from-a", p.stdout)
        p = self.runnel("logs", "latest", "nope")
        self.assert_one_error(p, "nope")

    def test_experiment_flag(self):
        path = self.write("p.yml", HELLO)
        self.run_pipeline(path, "--experiment", "exp2")
        self.assertEqual(self.show()["experiment"], "exp2")
        p = self.runnel("runs", "list", "--experiment", "hello")
        self.assertIn("no runs yet", p.stdout)
    def test_default_experiment_is_file_stem(self):
        path = self.write("my_pipe.yml", "type: pipeline\njobs:\n  a:\n    command: echo hi\n")
        self.run_pipeline(path)
        self.assertEqual(self.show()["experiment"], "my_pipe")
    def test_az_ml_file_flag_and_inputs_sets(self):
        # `az ml job create -f FILE --set inputs.n=7 --set inputs.f.path=./b.txt` spelled for runnel.
        self.write("a.txt", "A\n")
        self.write("b.txt", "B\n")
        path = self.write("p.yml", """
            type: pipeline
            inputs:
              n: 3
              f: {type: uri_file, path: ./a.txt}
            jobs:
              a:
                command: echo n=${{inputs.n}} f=$(cat ${{inputs.f}}) > ${{outputs.o}}/got.txt
                inputs: {n: '${{parent.inputs.n}}', f: '${{parent.inputs.f}}'}
                outputs: {o: {type: uri_folder}}
            """)
        p = self.runnel("run", "-f", path, "--set", "inputs.n=7", "--set", "inputs.f.path=./b.txt")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        got = read(os.path.join(self.steps()["a"]["outputs"]["o"], "got.txt"))
        self.assertEqual(got, "n=7 f=B\n")

    def test_unchanged_rerun_is_reused(self):
        path = self.write("p.yml", HELLO)
        self.run_pipeline(path)
        self.run_pipeline(path)
        step = self.steps()["a"]
        self.assertEqual(step["status"], "Reused")
        self.assertIsNotNone(step["reused_run_id"])


class EnvComputeTest(WorkspaceTest):

    def test_env_create_list_and_use(self):
        p = self.runnel("env", "create", "myenv", "--python", PYTHON, "--var", "GREETING=hej")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("version 1", p.stdout)
        p = self.runnel("env", "list")
        self.assertRegex(p.stdout, r"myenv\s+1\s+%s\s+GREETING=hej" % PYTHON)
        # Versions are immutable: the same definition again is version 1 (issue 16).
        self.assertIn("version 1 already has this definition", self.runnel(
            "env", "create", "myenv", "--python", PYTHON, "--var", "GREETING=hej").stdout)
        self.assertIn("version 2", self.runnel(
            "env", "create", "myenv", "--python", PYTHON, "--var", "GREETING=hej",
            "--description", "v2").stdout)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                type: command
                environment: azureml:myenv@latest
                command: echo "greeting=$GREETING" > ${{outputs.o}}/g; python -c "import sys; print(sys.version_info[:2])" >> ${{outputs.o}}/g
                outputs:
                  o: {type: uri_folder}
            """)
        self.run_pipeline(path)
        out = read(os.path.join(self.steps()["a"]["outputs"]["o"], "g"))
        self.assertIn("greeting=hej", out)
        self.assertIn("(3, 11)", out)

    def test_compute_lifecycle_and_use(self):
        p = self.runnel("compute", "create", "mylocal", "--type", "local", "--max-nodes", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("mylocal", self.runnel("compute", "list").stdout)
        j = json.loads(self.runnel("compute", "show", "mylocal").stdout)
        self.assertEqual((j["name"], j["type"], j["config"]["max_nodes"]), ("mylocal", "local", 2))
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                type: command
                compute: mylocal
                command: echo on-mylocal
            """)
        self.run_pipeline(path)
        step = self.steps()["a"]
        self.assertEqual((step["status"], step["compute"]), ("Finished", "mylocal"))
        self.assertEqual(self.runnel("compute", "delete", "mylocal").returncode, 0)
        self.assertNotIn("mylocal", self.runnel("compute", "list").stdout)
        self.assert_one_error(self.runnel("compute", "show", "mylocal"), "mylocal")
        # Deleted, the name runs on local with a warning at its line (a pipeline written for
        # Azure ML names its cluster); the workspace can make it an error instead.
        p = self.run_pipeline(path)
        self.assertRegex(p.stderr, r"warning: .*p\.yml:5:\d+: jobs\.a\.compute: compute target 'mylocal' "
                                   r"is not registered here")
        self.assertEqual(self.steps()["a"]["compute"], "local")
        self.set_config("compute", {"unknown": "error"})
        self.assert_bad_input(self.runnel("run", path), "p.yml", 5, "jobs.a.compute")
        self.assert_one_error(self.runnel("compute", "create", "local"), "local")


    def test_az_ml_create_flags(self):
        # As Azure ML READMEs write them, with `runnel` for `az ml`: --name for the NAME,
        # `--type amlcompute` a local pool of --max-instances slots, the other amlcompute
        # flags accepted.
        p = self.runnel("compute", "create", "-n", "cpu-cluster", "--type", "AmlCompute",
                        "--size", "STANDARD_DS3_v2", "--min-instances", "0", "--max-instances", "3",
                        "--idle-time-before-scale-down", "120", "--tier", "dedicated")
        self.assertEqual(p.returncode, 0, p.stderr)
        show = json.loads(self.runnel("compute", "show", "cpu-cluster").stdout)
        self.assertEqual((show["type"], show["config"]["max_nodes"]), ("local", 3))
        self.assert_one_error(self.runnel("compute", "create", "a", "--name", "b"), "differ")
        self.assert_one_error(self.runnel("compute", "create", "k", "--type", "kubernetes"),
                              "kubernetes not in")
        p = self.runnel("environment", "create", "--name", "named-env", "--python", "/usr/bin/python3")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Registered environment named-env version 1", p.stdout)


class PlanParallelTest(WorkspaceTest):

    def test_plan_runs_nothing(self):
        marker = os.path.join(self.dir, "ran")
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                type: command
                command: touch %s
              b:
                type: command
                command: touch %s
            """ % (marker, marker))
        p = self.runnel("plan", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("step a: will run", p.stdout)
        self.assertIn("plan: 2 steps, 2 would run, 0 would be reused", p.stdout)
        self.assertFalse(os.path.exists(marker))
        self.assertIn("no runs yet", self.runnel("runs", "list").stdout)
        self.assert_bad_input(self.runnel("plan", self.write("bad.yml", "type: pipeline\njbos: {}\n")),
                              "bad.yml", 2, "jbos")

    def intervals(self):
        out = []
        for s in self.show()["steps"]:
            o = s["outputs"]["o"]
            out.append(tuple(float(read(os.path.join(o, k))) for k in ("start", "end")))
        return out

    def test_one_slot_serializes(self):
        path = self.write("p.yml", TWO_SLEEPS)
        self.run_pipeline(path, "-j", "1")
        (a0, a1), (b0, b1) = sorted(self.intervals())
        self.assertLessEqual(a1, b0, "with -j 1 the steps overlapped")

    def test_two_slots_overlap(self):
        path = self.write("p.yml", TWO_SLEEPS)
        self.run_pipeline(path, "-j", "2")
        (a0, a1), (b0, b1) = sorted(self.intervals())
        self.assertLess(b0, a1, "with -j 2 the steps did not overlap")

    def test_bad_jobs_value(self):
        path = self.write("p.yml", TWO_SLEEPS)
        self.assert_one_error(self.runnel("run", path, "-j", "0"))


class StepSideTest(WorkspaceTest):

    def test_inputs_rendered_into_command(self):
        data = self.write("data/in.txt", "file-content\n")
        path = self.write("p.yml", """
            type: pipeline
            inputs:
              f: {type: uri_file, path: ./data/in.txt}
              n: 7
            jobs:
              a:
                type: command
                command: echo "n=${{inputs.n}} word=${{inputs.w}} f=${{inputs.f}}" > ${{outputs.o}}/args; cat ${{inputs.f}} >> ${{outputs.o}}/args
                inputs:
                  n: ${{parent.inputs.n}}
                  w: hello
                  f: ${{parent.inputs.f}}
                outputs:
                  o: {type: uri_folder}
            """)
        self.run_pipeline(path)
        text = read(os.path.join(self.steps()["a"]["outputs"]["o"], "args"))
        first, second = text.splitlines()
        self.assertRegex(first, r"^n=7 word=hello f=/\S+$")
        self.assertTrue(os.path.isabs(first.split("f=")[1]))
        self.assertEqual(second, "file-content")
        self.assertTrue(os.path.exists(data))

    def test_run_context_and_python_runtimes(self):
        self.write("code/step.py", """
            import json, os
            from runnel import Run
            run = Run.get_context()
            run.log("answer", 42)
            from azureml.core import Run as AzRun
            AzRun.get_context().log("az_metric", 1.5)
            with open(os.environ["RUNNEL_RUN_CONTEXT"]) as f:
                ctx = json.load(f)
            print("context-keys", sorted(ctx))
            """)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              py:
                type: command
                code: ./code
                command: test -f "$RUNNEL_RUN_CONTEXT" && python step.py
            """)
        self.run_pipeline(path)
        rid = self.show()["run_id"]
        p = self.runnel("metrics", rid)
        self.assertRegex(p.stdout, r"py\s+answer\s+scalar\s+42")
        self.assertRegex(p.stdout, r"py\s+az_metric\s+scalar\s+1\.5")
        self.assertEqual(self.steps()["py"]["metrics"], {"answer": 42, "az_metric": 1.5})
        self.assertIn("context-keys", self.runnel("logs", rid, "py").stdout)

    def test_outputs_committed_only_on_success(self):
        path = self.write("p.yml", """
            type: pipeline
            settings:
              continue_on_step_failure: true
            jobs:
              good:
                type: command
                command: echo good > ${{outputs.o}}/f
                outputs:
                  o: {type: uri_folder}
              bad:
                type: command
                command: echo half > ${{outputs.o}}/f; exit 1
                outputs:
                  o: {type: uri_folder}
            """)
        self.run_pipeline(path, expect=1)
        steps = self.steps()
        good, bad = steps["good"], steps["bad"]
        committed = os.path.join(self.datastore(), "runs", good["run_id"], "o")
        self.assertEqual(good["outputs"]["o"], committed)
        self.assertEqual(read(os.path.join(committed, "f")), "good\n")
        self.assertEqual(bad["outputs"], {})
        self.assertFalse(os.path.exists(os.path.join(self.datastore(), "runs", bad["run_id"])))


if __name__ == "__main__":
    unittest.main()
