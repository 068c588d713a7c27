"""Bad input to `runnel run`: exit 2 and one line `error: FILE:LINE:COL: KEY: what; hint`,
before anything runs."""

import os
import unittest

from e2e_util import WorkspaceTest, clean_env

HELLO = """
type: pipeline
jobs:
  a:
    type: command
    command: echo hi
"""

COMPONENT = """
type: command
inputs:
  n:
    type: integer
command: echo ${{inputs.n}}
"""


class BadPipelineTest(WorkspaceTest):

    def check(self, yaml, line, key, what=None, name="p.yml"):
        path = self.write(name, yaml)
        p = self.runnel("run", path)
        err = self.assert_bad_input(p, name, line, key, what=what)
        # Nothing was recorded as a run.
        self.assertIn("no runs yet", self.runnel("runs", "list").stdout)
        return err

    def test_malformed_yaml(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: [echo hi
            """, None, "YAML")

    def test_tab_indentation(self):
        self.check("type: pipeline\njobs:\n  a:\n\ttype: command\n", None, "YAML")

    def test_unknown_job_key_with_suggestion(self):
        err = self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                comand: echo hi
            """, 5, "jobs.a.comand")
        self.assertIn("did you mean 'command'", err)

    def test_settings_typo_warns_and_runs_and_strict_refuses(self):
        # Azure ML only warns about unknown settings (a typo such as default_datestore).
        path = self.write("p.yml", """
            type: pipeline
            settings:
              default_datestore: azureml:workspaceblobstore
            jobs:
              a:
                command: echo hi
                identity: {type: user_identity}
            """)
        p = self.run_pipeline(path)
        self.assertRegex(p.stderr, r"warning: \S*p.yml:3:3: settings.default_datestore: unknown key "
                                   r"'default_datestore' \(did you mean 'default_datastore'\?\)")
        self.assertRegex(p.stderr, r"note: \S*p.yml:7:5: jobs.a.identity: accepted, but")
        err = self.assert_bad_input(self.runnel("run", path, "--strict"), "p.yml", 3,
                                    "settings.default_datestore")
        self.assertIn("did you mean 'default_datastore'", err)
        p = self.runnel("plan", path, "--strict")
        self.assertEqual(p.returncode, 2, p.stderr)

    def test_unknown_top_level_key(self):
        err = self.check("""
            type: pipeline
            jbos:
              a:
                type: command
                command: echo hi
            """, 2, "jbos")
        self.assertIn("did you mean 'jobs'", err)

    def test_duplicate_key(self):
        err = self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: echo hi
                command: echo ho
            """, 6, "jobs.a.command", what="duplicate")
        self.assertIn(":5:", err)  # names the first definition too

    def test_duplicate_step_names(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: echo hi
              a:
                type: command
                command: echo ho
            """, 6, "jobs.a", what="duplicate")

    def test_unbound_parent_input(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: echo ${{inputs.x}}
                inputs:
                  x: ${{parent.inputs.nope}}
            """, 7, "jobs.a.inputs.x", what="nope")

    def test_unbound_job(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: echo ${{inputs.x}}
                inputs:
                  x: ${{parent.jobs.nope.outputs.o}}
            """, 7, "jobs.a.inputs.x", what="nope")

    def test_unbound_job_output(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: echo hi > ${{outputs.o}}/f
                outputs:
                  o: {type: uri_folder}
              b:
                type: command
                command: cat ${{inputs.x}}/f
                inputs:
                  x: ${{parent.jobs.a.outputs.nope}}
            """, 12, "jobs.b.inputs.x", what="nope")

    def test_command_uses_undeclared_input(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: echo ${{inputs.undeclared}}
            """, 5, "jobs.a.command", what="undeclared")

    def test_command_uses_undeclared_output(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: echo hi > ${{outputs.out}}/f
            """, 5, "jobs.a.command", what="out")

    def test_cycle(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: ls ${{inputs.x}} > ${{outputs.o}}/f
                inputs:
                  x: ${{parent.jobs.b.outputs.o}}
                outputs:
                  o: {type: uri_folder}
              b:
                type: command
                command: ls ${{inputs.x}} > ${{outputs.o}}/f
                inputs:
                  x: ${{parent.jobs.a.outputs.o}}
                outputs:
                  o: {type: uri_folder}
            """, None, "jobs.", what=r"cycle.*(a -> b -> a|b -> a -> b)")

    def test_pipeline_output_bound_twice(self):
        self.check("""
            type: pipeline
            outputs:
              o: {type: uri_folder}
            jobs:
              a:
                type: command
                command: echo hi > ${{outputs.r}}/f
                outputs:
                  r: ${{parent.outputs.o}}
              b:
                type: command
                command: echo hi > ${{outputs.r}}/f
                outputs:
                  r: ${{parent.outputs.o}}
            """, 14, "jobs.b.outputs.r", what="already bound")

    def test_missing_code_folder(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                code: ./nope_src
                command: echo hi
            """, 5, "jobs.a.code", what="nope_src")

    def test_missing_component_file(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                component: ./nope/component.yml
            """, 5, "jobs.a.component", what="nope/component.yml")
    def test_missing_script_in_code_folder(self):
        self.write("src/main.py", "print(1)\n")
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                code: ./src
                command: python nope.py
            """, 6, "jobs.a.command", what="nope.py")

    def test_unknown_environment(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: echo hi
                environment: azureml:nope@latest
            """, 6, "jobs.a.environment", what="nope")

    UNKNOWN_COMPUTE = """
            type: pipeline
            settings: {default_compute: azureml:cpu-cluster}
            jobs:
              a:
                type: command
                command: echo hi
                compute: azureml:nope
              b:
                type: command
                command: echo there
            """

    def test_unknown_compute_runs_on_local_with_one_warning(self):
        """Pipelines written for Azure ML name their clusters: unregistered, they run on local."""
        path = self.write("p.yml", self.UNKNOWN_COMPUTE)
        p = self.runnel("run", path)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        warnings = [l for l in p.stderr.splitlines() if l.startswith("warning:")]
        self.assertEqual(len(warnings), 2, p.stderr)  # one per target, not per step
        self.assertRegex(p.stderr, r"p\.yml:7:\d+: jobs\.a\.compute: compute target 'nope' is not "
                                   r"registered here, so its steps run on local")
        self.assertRegex(p.stderr, r"p\.yml:2:\d+: settings\.default_compute: compute target "
                                   r"'cpu-cluster'")
        self.assertEqual({s["name"]: (s["status"], s["compute"]) for s in self.steps().values()},
                         {"a": ("Finished", "local"), "b": ("Finished", "local")})

    def test_unknown_compute_is_an_error_when_the_workspace_says_so(self):
        self.set_config("compute", {"unknown": "error"})
        self.check(self.UNKNOWN_COMPUTE, 7, "jobs.a.compute", what="nope")

    def test_unsupported_job_type(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: spark
                command: echo hi
            """, 4, "jobs.a.type", what="spark")

    def test_wrong_literal_type_for_component_input(self):
        self.write("comp/c.yml", COMPONENT)
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                component: ./comp/c.yml
                inputs:
                  n: abc
            """, 7, "jobs.a.inputs.n", what="integer")

    def test_missing_required_component_input(self):
        self.write("comp/c.yml", COMPONENT)
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                component: ./comp/c.yml
            """, None, "jobs.a", what="'n'")

    def test_nonexistent_pipeline_input_path(self):
        self.check("""
            type: pipeline
            inputs:
              d: {type: uri_folder, path: ./no_such_dir}
            jobs:
              a:
                type: command
                command: ls ${{inputs.d}}
                inputs:
                  d: ${{parent.inputs.d}}
            """, 3, "inputs.d", what="no_such_dir")

    def test_nonexistent_job_input_path(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: cat ${{inputs.f}}
                inputs:
                  f:
                    type: uri_file
                    path: ./no_such_file.csv
            """, None, "jobs.a.inputs.f", what="no_such_file")

    def test_not_a_pipeline(self):
        # A single command job runs as a one-job pipeline (e2e_single_jobs); other job
        # types are refused naming what runs.
        self.check("""
            type: automl
            task: classification
            """, 1, "type", what="pipeline")

    def test_unknown_run_after(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: echo hi
                run_after: [nope]
            """, None, "jobs.a", what="nope")

    def test_unknown_data_type(self):
        self.check("""
            type: pipeline
            jobs:
              a:
                type: command
                command: echo hi > ${{outputs.o}}/f
                outputs:
                  o: {type: uri_thing}
            """, None, "jobs.a.outputs.o", what="uri_thing")

    def test_no_jobs(self):
        self.check("""
            type: pipeline
            jobs: {}
            """, None, "jobs")


class BadUsageTest(WorkspaceTest):

    def test_missing_file(self):
        p = self.runnel("run", os.path.join(self.dir, "nofile.yml"))
        err = self.assert_one_error(p, r"nofile\.yml")
        self.assertIn(";", err)

    def test_run_bad_output_flag(self):
        path = self.write("p.yml", HELLO)
        err = self.assert_one_error(self.runnel("run", path, "--output", "yaml"), "yaml")
        self.assertIn("json", err)  # says what is allowed
    def test_runs_list_bad_output_flag(self):
        self.assert_one_error(self.runnel("runs", "list", "--output", "yaml"), "yaml")

    def test_unknown_subcommand_and_flag(self):
        self.assert_one_error(self.runnel("frobnicate"))
        path = self.write("p.yml", HELLO)
        self.assert_one_error(self.runnel("run", path, "--no-such-flag"))

    def test_run_without_workspace(self):
        path = self.write("p.yml", HELLO)
        # self.dir (in /tmp) has no .runnel/ above it: `init` made only self.dir/ws.
        p = self.runnel("run", path, workspace=None, cwd=self.dir, env=clean_env())
        err = self.assert_one_error(p, "workspace")
        self.assertIn("runnel init", err)
        self.assertFalse(os.path.exists(os.path.join(self.dir, ".runnel")))

    def test_unknown_run_id(self):
        self.assert_one_error(self.runnel("runs", "show", "nope-nope"), "nope-nope")
        self.assert_one_error(self.runnel("logs", "nope-nope"), "nope-nope")

    def test_env_create_bad_python(self):
        err = self.assert_one_error(
            self.runnel("env", "create", "e", "--python", "/no/such/python"), "/no/such/python")
        self.assertIn("--python", err)


if __name__ == "__main__":
    unittest.main()
