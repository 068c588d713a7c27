"""Environments that build (issue 16), offline: tiny local packages are made into wheels in
a folder (`pip wheel` of a project the test writes) and installed with --no-index
--find-links. Two steps needing conflicting versions of one package each import their
own; a changed version reruns the step and `runnel why` names the package; two runs
needing one unbuilt environment build it once; a broken package list fails with pip's
error, and after the fix the next run builds and runs."""

import json
import os
import subprocess
import unittest

from e2e_util import PYTHON, WorkspaceTest

WHEELS = None  # built once per process


def build_wheels(base):
    out = os.path.join(base, "wheels")
    os.makedirs(out, exist_ok=True)
    for version in ("1.0", "2.0"):
        src = os.path.join(base, "tinypkg-" + version)
        os.makedirs(os.path.join(src, "tinypkg"), exist_ok=True)
        with open(os.path.join(src, "tinypkg", "__init__.py"), "w") as f:
            f.write("VERSION = %r\n" % version)
        with open(os.path.join(src, "setup.py"), "w") as f:
            f.write("from setuptools import setup\nsetup(name='tinypkg', version=%r, packages=['tinypkg'])\n"
                    % version)
        p = subprocess.run([PYTHON, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-w", out, src], capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise RuntimeError("pip wheel failed:\n" + p.stdout + p.stderr)
    return out


PIPELINE = """
type: pipeline
jobs:
  a:
    environment: azureml:e1@latest
    command: python -c "import tinypkg; print(tinypkg.VERSION)" > ${{outputs.o}}/v.txt
    environment_variables: {WHICH: a}
    outputs: {o: {type: uri_folder}}
  b:
    environment: azureml:e2@latest
    command: python -c "import tinypkg; print(tinypkg.VERSION)" > ${{outputs.o}}/v.txt
    environment_variables: {WHICH: b}
    outputs: {o: {type: uri_folder}}
"""


class EnvironmentBuildTest(WorkspaceTest):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.wheel_dir_parent = tempfile.mkdtemp(prefix="runnel-wheels-")
        cls.wheels = build_wheels(cls.wheel_dir_parent)

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.wheel_dir_parent, True)

    def create(self, name, *pip, expect=0):
        args = ["env", "create", name, "--python", PYTHON, "--no-index", "--find-links", self.wheels]
        for p in pip:
            args += ["--pip", p]
        p = self.runnel(*args)
        self.assertEqual(p.returncode, expect, p.stdout + p.stderr)
        return p

    def version_of(self, step, run="latest"):
        s = self.steps(run)[step]
        with open(os.path.join(s["outputs"]["o"], "v.txt")) as f:
            return f.read().strip()

    def test_conflicting_versions_rerun_on_change_and_why(self):
        self.create("e1", "tinypkg==1.0")
        self.create("e2", "tinypkg==2.0")
        path = self.write("p.yml", PIPELINE)
        p = self.run_pipeline(path, timeout=300)
        self.assertIn("building environment 'e1'", p.stderr)
        self.assertEqual(self.version_of("a"), "1.0")
        self.assertEqual(self.version_of("b"), "2.0")
        # Built once: a second run reuses both steps and builds nothing.
        p = self.run_pipeline(path)
        self.assertNotIn("building environment", p.stderr)
        self.assertEqual({s: v["status"] for s, v in self.steps().items()}, {"a": "Reused", "b": "Reused"})
        # Same definition again: the existing version.
        self.assertIn("already has this definition", self.create("e1", "tinypkg==1.0").stdout)
        # A new version of e1's package reruns a (only), and why names the package.
        self.create("e1", "tinypkg==2.0")
        self.run_pipeline(path, timeout=300)
        steps = self.steps()
        self.assertEqual(steps["a"]["status"], "Finished")
        self.assertEqual(steps["b"]["status"], "Reused")
        self.assertEqual(self.version_of("a"), "2.0")
        why = self.runnel("why", "latest", "a")
        self.assertEqual(why.returncode, 0, why.stderr)
        self.assertIn("tinypkg==1.0", why.stdout)
        self.assertIn("tinypkg==2.0", why.stdout)
        # list / show / prune
        listing = self.runnel("env", "list").stdout
        self.assertIn("tinypkg==2.0", listing)
        show = json.loads(self.runnel("env", "show", "e1").stdout)
        self.assertTrue(show["built"])
        self.assertIn("tinypkg==2.0", show["packages"])
        self.assertTrue(os.path.exists(os.path.join(show["prefix"], "bin", "python")))
        p = self.runnel("env", "prune", "--unused-for", "0")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Pruned 2 environment builds", p.stdout)  # e1 v2 and e2 share one
        self.assertFalse(os.path.exists(show["prefix"]))
        self.assert_one_error(self.runnel("env", "prune", "--unused-for", "soon"), "--unused-for 'soon'")

    def test_two_runs_build_once(self):
        self.create("e1", "tinypkg==1.0")
        self.create("e2", "tinypkg==1.0")  # the same build
        path = self.write("p.yml", PIPELINE)
        from e2e_util import RUNNEL, clean_env
        procs = [subprocess.Popen([RUNNEL, "--workspace", self.ws, "run", path], cwd=self.dir, env=clean_env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=300) for p in procs]
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, out + err)
        err = outs[0][1] + outs[1][1]
        self.assertEqual(err.count("built environment"), 1, err)
        self.assertIn("waiting: environment", err)

    def test_broken_package_list_then_fixed(self):
        self.create("e1", "tinypkg==9.9")  # no such version in the wheel folder
        self.create("e2", "tinypkg==1.0")
        path = self.write("p.yml", PIPELINE)
        p = self.runnel("run", path, timeout=300)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("build failed", p.stderr)
        self.assertIn("tinypkg==9.9", p.stderr)   # pip's own error, in the tail
        self.assertIn("command: ", p.stderr)
        self.assertIn("full log: ", p.stderr)
        self.create("e1", "tinypkg==1.0")
        self.run_pipeline(path, timeout=300)
        self.assertEqual(self.version_of("a"), "1.0")

    def test_environment_yaml_and_conda_without_conda(self):
        self.write("conda.yml", """
            name: x
            dependencies:
              - python=3.11
              - pip:
                - tinypkg==1.0
            """)
        envfile = self.write("env.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
            name: from-yaml
            version: 1
            image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04
            conda_file: conda.yml
            description: made from a v2 file
            """)
        p = self.runnel("env", "create", "-f", envfile)
        self.assertEqual(p.returncode, 0, p.stderr)
        show = json.loads(self.runnel("env", "show", "from-yaml").stdout)
        self.assertEqual(show["definition"]["image"], "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04")
        self.assertIn("tinypkg==1.0", show["definition"]["conda_file"])
        env = dict(os.environ, PATH="/usr/bin:/bin", NO_COLOR="1")
        env.pop("RUNNEL_WORKSPACE", None)
        if any(os.access(os.path.join(d, t), os.X_OK) for d in ("/usr/bin", "/bin")
               for t in ("conda", "mamba", "micromamba")):
            self.skipTest("a conda tool is installed; the missing-tool error cannot be shown")
        p = self.runnel("env", "build", "from-yaml", env=env)
        err = self.assert_one_error(p, "conda, mamba or micromamba")
        self.assertIn("--pip 'tinypkg==1.0'", err)

    def test_a_files_version_is_the_registered_version(self):
        # As `az ml environment create -f env.yml`: the file's `version: 7` is version 7, so
        # a component's `environment: azureml:NAME:7` finds it.
        envfile = self.write("env.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
            name: pinned
            version: 7
            environment_variables: {GREETING: seven}
            """)
        p = self.runnel("env", "create", "-f", envfile)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("version 7", p.stdout)
        p = self.runnel("env", "create", "-f", envfile)  # the same again: that version
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("version 7 already has this definition", p.stdout)
        p = self.runnel("env", "create", "-f", envfile, "--set", "environment_variables.GREETING=x")
        err = self.assert_one_error(p, "environment pinned version 7 exists with another definition")
        self.assertIn("give a new `version:`", err)
        p = self.runnel("env", "create", "-f", envfile, "--set", "version=1.0.2")
        self.assert_one_error(p, "version: '1.0.2' is not a version runnel keeps")
        p = self.runnel("env", "create", "-f", envfile, "--set", "environment_variables.GREETING=eight",
                        "--set", "version=8")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("version 8", p.stdout)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                environment: azureml:pinned:7
                command: echo $GREETING > ${{outputs.o}}/g.txt
                outputs: {o: {type: uri_folder}}
            """)
        self.run_pipeline(path, timeout=60)
        with open(os.path.join(self.steps()["a"]["outputs"]["o"], "g.txt")) as f:
            self.assertEqual(f.read().strip(), "seven")

    def test_python_and_path_are_the_environments(self):
        self.create("e1", "tinypkg==1.0")
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                environment: azureml:e1@latest
                command: >-
                  python -c "import sys; print(sys.prefix)" > ${{outputs.o}}/prefix.txt &&
                  echo $PATH > ${{outputs.o}}/path.txt
                outputs: {o: {type: uri_folder}}
            """)
        self.run_pipeline(path, timeout=300)
        out = self.steps()["a"]["outputs"]["o"]
        with open(os.path.join(out, "prefix.txt")) as f:
            prefix = f.read().strip()
        self.assertIn(os.path.join(".runnel", "envs"), prefix)
        with open(os.path.join(out, "path.txt")) as f:
            self.assertTrue(f.read().startswith(prefix + "/bin:"))


if __name__ == "__main__":
    unittest.main()
