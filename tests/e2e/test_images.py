"""Environments that name a container image (issue 16 #5, #6).

Without podman (or without the image), a step runs on the host with one warning; with
`environments.images: require` that is an error; the image name is in the fingerprint
either way. Where podman can start a container here, a command step runs inside a local
image that the test imports from a root filesystem made of Debian's static busybox
(`localhost/runnel-test-busybox:1`): snapshot and inputs read-only, outputs and the run
folder writable, the same paths and context file as on the host, exit codes kept, a
canceled or killed step leaves no container and no output. Where podman cannot start a
container, those tests are skipped and say why (ctest shows the test as Skipped).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from e2e_util import PYTHON, RUNNEL, SOURCE_DIR, WorkspaceTest, clean_env, read, wait_for

IMAGE = "localhost/runnel-test-busybox:1"
_PODMAN = None  # (args, why-not) once probed


def podman_args():
    """The `podman run` arguments that work here (scripts/podman-args.sh), importing the
    busybox image first; raises unittest.SkipTest saying why when podman cannot run it."""
    global _PODMAN
    if _PODMAN is None:
        _PODMAN = _probe()
    args, why = _PODMAN
    if args is None:
        raise unittest.SkipTest(why)
    return args


def _probe():
    if not shutil.which("podman"):
        return None, "podman is not installed (scripts/install-deps.sh installs podman)"
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        return None, "no /bin/busybox (Debian package busybox-static) to build the test image"
    ldd = subprocess.run(["ldd", busybox], capture_output=True, text=True)
    if "not a dynamic executable" not in ldd.stdout + ldd.stderr:
        return None, "/bin/busybox is not static (install busybox-static)"
    if subprocess.run(["podman", "image", "exists", IMAGE]).returncode != 0:
        root = tempfile.mkdtemp(prefix="runnel-busybox-")
        try:
            for d in ("bin", "tmp", "etc", "proc", "sys", "dev"):
                os.makedirs(os.path.join(root, d))
            shutil.copy(busybox, os.path.join(root, "bin", "busybox"))
            applets = subprocess.run([busybox, "--list"], capture_output=True, text=True).stdout
            for a in applets.split():
                link = os.path.join(root, "bin", a)
                if not os.path.lexists(link):
                    os.symlink("busybox", link)
            # For the Python trick below: the host's /usr bound in makes these resolve.
            os.symlink("usr/lib", os.path.join(root, "lib"))
            os.symlink("usr/lib64", os.path.join(root, "lib64"))
            tar = subprocess.run(["tar", "-C", root, "-c", "."], capture_output=True)
            p = subprocess.run(["podman", "import", "-", IMAGE], input=tar.stdout,
                               capture_output=True)
            if p.returncode != 0:
                return None, "podman import failed: " + p.stderr.decode(errors="replace")[-300:]
        finally:
            shutil.rmtree(root, True)
    p = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "podman-args.sh"), IMAGE],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        return None, "podman cannot start a container on this machine:\n" + p.stderr.strip()
    return json.loads(p.stdout), ""


def containers():
    """Names of podman containers runnel started (running or not)."""
    p = subprocess.run(["podman", "ps", "-a", "--filter", "label=runnel.job",
                        "--format", "{{.Names}}"], capture_output=True, text=True)
    return [n for n in p.stdout.split() if n]


class ImageTestBase(WorkspaceTest):
    def configure(self, environments):
        cfg_path = os.path.join(self.ws, ".runnel", "config.json")
        with open(cfg_path) as f:
            cfg = json.load(f)
        cfg["environments"] = environments
        with open(cfg_path, "w") as f:
            json.dump(cfg, f, indent=2)

    def env_create(self, name, image):
        p = self.runnel("env", "create", name, "--python", "/usr/bin/python3", "--image", image)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def built_images(self, p, repo):
        """The tags of `repo` that run `p` said it built, removed again after the test."""
        built = re.findall(r"building image (%s:[0-9a-f]+)" % re.escape(repo), p.stderr)
        for tag in built:
            self.addCleanup(subprocess.run, ["podman", "rmi", "-f", tag], capture_output=True)
        return built

    def warnings(self, p):
        return [l for l in p.stderr.splitlines() if l.startswith("warning:")]


class ImagePolicyTest(ImageTestBase):
    """Needs no podman: the image named here exists nowhere."""

    PIPELINE = """
        type: pipeline
        jobs:
          a:
            environment: azureml:img@latest
            command: echo on-host > ${{outputs.o}}/where.txt
            outputs: {o: {type: uri_folder}}
          b:
            environment: azureml:img@latest
            command: echo also > ${{outputs.o}}/where.txt
            outputs: {o: {type: uri_folder}}
        """

    def test_missing_image_runs_on_host_with_one_warning(self):
        self.env_create("img", "mcr.microsoft.com/azureml/runnel-no-such-image:0")
        path = self.write("p.yml", self.PIPELINE)
        p = self.run_pipeline(path)
        w = self.warnings(p)
        self.assertEqual(len(w), 1, p.stderr)  # one per environment, not one per step
        self.assertIn("'mcr.microsoft.com/azureml/runnel-no-such-image:0'", w[0])
        self.assertIn("environments.images: require", w[0])
        self.assertIn("environments.image_map", w[0])
        s = self.steps()
        self.assertEqual(read(os.path.join(s["a"]["outputs"]["o"], "where.txt")).strip(), "on-host")
        self.assertIn("runnel: warning:", read(s["a"]["stderr"]))  # the step's log says so too

    def test_require_makes_it_an_error_and_host_silences_it(self):
        self.env_create("img", "mcr.microsoft.com/azureml/runnel-no-such-image:0")
        path = self.write("p.yml", self.PIPELINE)
        self.configure({"images": "require"})
        p = self.runnel("run", path)
        err = self.assert_one_error(p, "names image 'mcr.microsoft.com/azureml/runnel-no-such-image:0'")
        self.assertIn("cannot run here", err)
        self.configure({"images": "host"})
        p = self.run_pipeline(path)
        self.assertEqual(self.warnings(p), [], p.stderr)
        self.configure({"images": "sometimes"})
        p = self.runnel("run", path)
        self.assert_one_error(p, r"environments\.images: expected auto, require or host")

    def test_a_dockerfile_that_cannot_build_runs_on_host_or_is_an_error(self):
        # Its FROM image is nowhere local (runnel never pulls): under `auto` one warning with
        # podman's words and the step runs on this machine; under `require` an error.
        self.write("env/docker/Dockerfile", "FROM example.org/runnel-no-such-base:1\nRUN true\n")
        self.write("env/env.yml", "name: nobase\nbuild:\n  path: docker\n")
        p = self.runnel("env", "create", "-f", os.path.join(self.dir, "env", "env.yml"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        path = self.write("p.yml", self.PIPELINE.replace("azureml:img@latest", "azureml:nobase@latest"))
        p = self.run_pipeline(path)
        w = self.warnings(p)
        self.assertEqual(len(w), 1, p.stderr)
        self.assertIn("environment 'nobase' version 1: building image localhost/runnel-build:", w[0])
        self.assertIn("from its Dockerfile failed", w[0])
        self.assertIn("its steps run on this machine", p.stderr)
        self.assertEqual(read(os.path.join(self.steps()["a"]["outputs"]["o"], "where.txt")).strip(),
                         "on-host")
        self.configure({"images": "require"})
        p = self.runnel("run", path)
        self.assert_one_error(p, "from its Dockerfile failed")

    def test_image_name_is_in_the_fingerprint(self):
        self.env_create("img", "example.org/a:1")
        path = self.write("p.yml", self.PIPELINE)
        self.run_pipeline(path)
        self.run_pipeline(path)
        self.assertEqual(self.steps()["a"]["status"], "Reused")
        self.env_create("img", "example.org/b:1")  # a new version naming another image
        self.run_pipeline(path)
        self.assertEqual(self.steps()["a"]["status"], "Finished")
        p = self.runnel("why", "latest", "a")
        self.assertIn("container image changed: example.org/a:1 -> example.org/b:1", p.stdout)


class PodmanTest(ImageTestBase):
    """Steps in a real container; skipped, saying why, where podman cannot start one."""

    def setUp(self):
        self.args = podman_args()
        super().setUp()
        self.configure({"podman": {"args": self.args}})
        self.env_create("bb", IMAGE)
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.data)
        with open(os.path.join(self.data, "x.txt"), "w") as f:
            f.write("input-bytes\n")

    def test_command_step_runs_in_the_image(self):
        self.write("code/hello.sh", "echo from-snapshot\n")
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                environment: azureml:bb@latest
                code: ./code
                command: >-
                  set -e;
                  test ! -e /usr/bin/python3; test ! -e /etc/debian_version;
                  echo in-container > ${{outputs.o}}/where.txt;
                  cat ${{inputs.data}}/x.txt >> ${{outputs.o}}/where.txt;
                  sh hello.sh >> ${{outputs.o}}/where.txt;
                  grep -q "$RUNNEL_RUN_ID" "$RUNNEL_RUN_CONTEXT";
                  if touch ${{inputs.data}}/new 2>/dev/null; then exit 11; fi;
                  if touch ./new-in-snapshot 2>/dev/null; then exit 12; fi;
                  echo "ENV_OK=$MY_VAR";
                  echo to-stderr >&2
                inputs:
                  data: {type: uri_folder, path: %s}
                environment_variables: {MY_VAR: passed}
                outputs: {o: {type: uri_folder}}
              b:
                environment: azureml:bb@latest
                command: >-
                  cat ${{inputs.i}}/where.txt > ${{outputs.o}}/copy.txt;
                  if touch ${{inputs.i}}/new 2>/dev/null; then exit 13; fi
                inputs:
                  i: ${{parent.jobs.a.outputs.o}}
                outputs: {o: {type: uri_folder}}
            """ % self.data)
        p = self.run_pipeline(path, timeout=300)
        self.assertEqual(self.warnings(p), [], p.stderr)
        s = self.steps()
        self.assertEqual(s["a"]["status"], "Finished")
        self.assertEqual(read(os.path.join(s["b"]["outputs"]["o"], "copy.txt")),
                         "in-container\ninput-bytes\nfrom-snapshot\n")
        self.assertIn("ENV_OK=passed", read(s["a"]["stdout"]))
        self.assertIn("to-stderr", read(s["a"]["stderr"]))
        self.assertFalse(os.path.exists(os.path.join(self.data, "new")))
        self.assertEqual(containers(), [])
        # The same fingerprint as on the host: a second run reuses.
        self.run_pipeline(path, timeout=300)
        self.assertEqual(self.steps()["a"]["status"], "Reused")

    def test_mapped_image_and_exit_code_and_no_half_output(self):
        self.env_create("py", "python:3.11-runnel-test")  # not local: mapped to the busybox image
        self.configure({"podman": {"args": self.args},
                        "image_map": {"python:3.11-runnel-test": IMAGE}, "images": "require"})
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                environment: azureml:py@latest
                command: echo partial > ${{outputs.o}}/part.txt; test ! -e /usr/bin/python3 && exit 3
                outputs: {o: {type: uri_folder}}
            """)
        self.run_pipeline(path, expect=1, timeout=300)
        s = self.steps()["a"]
        self.assertEqual(s["status"], "Failed")
        self.assertEqual(s["exit_code"], 3)
        self.assertEqual(s["outputs"], {})
        self.assertFalse(os.path.exists(os.path.join(self.datastore(), "runs", s["run_id"])))
        self.assertFalse(os.path.exists(os.path.join(self.datastore(), ".staging", s["run_id"])))
        self.assertEqual(containers(), [])

    def slow_pipeline(self):
        return self.write("p.yml", """
            type: pipeline
            jobs:
              slow:
                environment: azureml:bb@latest
                command: echo started; echo partial > ${{outputs.o}}/part; sleep 300
                outputs: {o: {type: uri_folder}}
            """)

    def start(self, path):
        proc = subprocess.Popen([RUNNEL, "--workspace", self.ws, "run", path], cwd=self.dir,
                                env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        logs = os.path.join(self.ws, ".runnel", "runs")

        def started():
            for d in os.listdir(logs) if os.path.isdir(logs) else []:
                if "started" in (read(os.path.join(logs, d, "logs", "stdout.txt")) or ""):
                    return True
            return False
        self.assertTrue(wait_for(started, timeout=60), "the step did not start")
        self.assertEqual(len(containers()), 1)
        return proc

    def test_cancel_stops_the_container(self):
        proc = self.start(self.slow_pipeline())
        t0 = time.time()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 1, out + err)
        self.assertLess(time.time() - t0, 30)
        s = self.steps()["slow"]
        self.assertEqual(s["status"], "Canceled")
        self.assertEqual(s["outputs"], {})
        self.assertFalse(os.path.exists(os.path.join(self.datastore(), ".staging", s["run_id"])))
        self.assertEqual(containers(), [])

    def test_a_killed_engine_leaves_no_container_after_the_next_command(self):
        proc = self.start(self.slow_pipeline())
        proc.kill()  # SIGKILL: the podman client dies with it, the container would not
        proc.communicate(timeout=30)
        p = self.runnel("runs", "list")  # closes the dead run (engine/reconcile.h)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(wait_for(lambda: containers() == [], timeout=30), containers())
        self.assertEqual(self.steps()["slow"]["status"], "Failed")

    def test_python_step_with_the_hosts_usr_bound_in(self):
        # A test trick, not a way to use images: the host's /usr (python3, its libraries)
        # bound read-only into the busybox image, so that a Python step runs in a container
        # without a Python image. runnel's own Python package is mounted by runnel.
        self.configure({"podman": {"args": self.args + ["-v", "/usr:/usr:ro"]}})
        self.write("code/train.py", """
            import os
            from runnel import Run
            run = Run.get_context()
            run.log("accuracy", 0.5)
            with open(os.path.join(os.environ["AZUREML_DATAREFERENCE_o"], "ok.txt"), "w") as f:
                f.write("debian_version=%s\\n" % os.path.exists("/etc/debian_version"))
            """)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              t:
                environment: azureml:bb@latest
                code: ./code
                command: python3 train.py
                outputs: {o: {type: uri_folder}}
            """)
        self.run_pipeline(path, timeout=300)
        s = self.steps()["t"]
        self.assertEqual(s["metrics"].get("accuracy"), 0.5)
        # The image's /etc, not the host's.
        self.assertEqual(read(os.path.join(s["outputs"]["o"], "ok.txt")), "debian_version=False\n")


    def test_a_step_in_a_container_opens_its_workspace(self):
        # The workspace's .runnel/ is mounted read-write at its own path: a step in the
        # image registers a model from its output, as it would on the host, while the
        # inputs below .runnel/ stay read-only.
        self.configure({"podman": {"args": self.args + ["-v", "/usr:/usr:ro"]}})
        self.write("code/reg.py", """
            import os, sys
            from azureml.core import Model, Run
            run = Run.get_context()
            ws = run.experiment.workspace
            out = os.environ["AZUREML_DATAREFERENCE_o"]
            with open(os.path.join(out, "model.txt"), "w") as f:
                f.write("weights")
            Model.register(ws, model_path=os.path.join(out, "model.txt"), model_name="boxed")
            try:
                open(os.path.join(sys.argv[1], "data.txt"), "a").write("changed")
                print("input writable")
            except OSError as e:
                print("input read-only:", e.errno)
            """)
        self.write("data/data.txt", "original")
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              t:
                environment: azureml:bb@latest
                code: ./code
                command: python3 reg.py ${{inputs.d}}
                inputs:
                  d: {type: uri_folder, path: ./data}
                outputs: {o: {type: uri_folder}}
            """)
        self.run_pipeline(path, timeout=300)
        s = self.steps()["t"]
        self.assertIn("input read-only", read(s["stdout"]))
        check = ("from azureml.core import Model, Workspace; "
                 "m = Model(Workspace.from_config(), 'boxed'); print(m.name, m.version)")
        p = subprocess.run(["/usr/bin/python3", "-c", check], capture_output=True, text=True,
                           env=clean_env(PYTHONPATH=os.path.join(SOURCE_DIR, "python"), RUNNEL_WORKSPACE=self.ws))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.split(), ["boxed", "1"])
        self.assertEqual(read(os.path.join(self.dir, "data", "data.txt")), "original")


    def test_environment_built_from_a_dockerfile(self):
        # A v2 environment file with `build: {path: docker}` (as azureml-examples' env.yml):
        # podman builds the image once from the kept copy of the context; steps run in it.
        self.write("env/docker/Dockerfile", """
            FROM %s
            LABEL runnel.test=%s
            RUN echo built-from-dockerfile > /marker
            ENV FROM_DOCKERFILE=yes
            """ % (IMAGE, self.dir))  # the label: a new image per test, never one left before
        self.write("env/env.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
            name: fromdf
            version: 1
            build:
              path: docker
            """)
        p = self.runnel("env", "create", "-f", os.path.join(self.dir, "env", "env.yml"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                environment: azureml:fromdf:1
                command: >-
                  cat /marker > ${{outputs.o}}/m.txt; echo "$FROM_DOCKERFILE" >> ${{outputs.o}}/m.txt;
                  test ! -e /etc/debian_version && echo in-container >> ${{outputs.o}}/m.txt
                outputs: {o: {type: uri_folder}}
            """)
        p = self.run_pipeline(path, timeout=300)
        built = self.built_images(p, "localhost/runnel-build")
        self.assertEqual(len(built), 1, p.stderr)
        self.assertEqual(read(os.path.join(self.steps()["a"]["outputs"]["o"], "m.txt")).split(),
                         ["built-from-dockerfile", "yes", "in-container"])
        # The Dockerfile changed after registering: version 1 keeps its own copy.
        self.write("env/docker/Dockerfile", "FROM %s\nLABEL runnel.test=%s\nRUN echo changed > /marker\n"
                   % (IMAGE, self.dir))
        p = self.run_pipeline(path, timeout=300)
        self.assertNotIn("building image", p.stderr)
        self.assertEqual(self.steps()["a"]["status"], "Reused")
        # Registered again as version 2: a new image, and the step reruns saying why.
        p = self.runnel("env", "create", "-f", os.path.join(self.dir, "env", "env.yml"),
                        "--set", "version=2")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        path = self.write("p.yml", read(path).replace("fromdf:1", "fromdf:2"))
        p = self.run_pipeline(path, timeout=300)
        built = self.built_images(p, "localhost/runnel-build")
        self.assertEqual(len(built), 1, p.stderr)
        self.assertEqual(read(os.path.join(self.steps()["a"]["outputs"]["o"], "m.txt")).split()[0], "changed")
        why = self.runnel("why", "latest", "a").stdout
        self.assertIn("container image changed: localhost/runnel-build:", why)

    def test_sdk_environment_from_dockerfile_is_built_and_run_in(self):
        # The v1 SDK's Environment.from_dockerfile: the step runs in the image built from it,
        # and Environment.get gives the Dockerfile back.
        from sdk_util import PYTHON_PKG, native_built
        self.assertTrue(native_built(), "runnel's native module is not built (target runnel_python)")
        script = self.write("ws/sdk_df.py", """
            from azureml.core import Environment, Experiment, ScriptRunConfig, Workspace
            ws = Workspace.from_config()
            text = "FROM %s\\nLABEL runnel.test=%s\\nRUN echo from-sdk-dockerfile > /marker\\n"
            env = Environment.from_dockerfile("sdk-df", text)
            run = Experiment(ws, "sdk-df").submit(
                ScriptRunConfig(source_directory=".", command=["cat /marker"], environment=env))
            run.wait_for_completion()
            assert run.get_status() == "Completed", run.get_status()
            assert Environment.get(ws, "sdk-df").docker.base_dockerfile == text
            print("RUN", run.id)
            """ % (IMAGE, self.dir))
        p = subprocess.run([PYTHON, script], cwd=self.ws, capture_output=True, text=True, timeout=300,
                           env=clean_env(PYTHONPATH=PYTHON_PKG, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.built_images(p, "localhost/runnel-build")
        self.assertEqual(read(self.steps()[list(self.steps())[0]]["stdout"]).strip(), "from-sdk-dockerfile")

    def test_sdk_environment_build_makes_the_image_before_any_step(self):
        # Environment.build(ws).wait_for_completion() and build_local build the image now (the
        # notebooks' cell before submitting); `runnel env build` and the step find it made.
        from sdk_util import PYTHON_PKG, native_built
        self.assertTrue(native_built(), "runnel's native module is not built (target runnel_python)")
        script = self.write("ws/sdk_build.py", """
            from azureml.core import Environment, Experiment, ScriptRunConfig, Workspace
            ws = Workspace.from_config()
            env = Environment.from_dockerfile("sdk-pre", "FROM %s\\nLABEL runnel.test=%s-pre\\nRUN echo prebuilt > /marker\\n")
            details = env.build(ws).wait_for_completion(show_output=True)
            assert details["status"] == "Succeeded" and details["imageName"].startswith("localhost/runnel-build:"), details
            assert env.get_image_details(ws)["dockerImage"]["name"] == details["imageName"]
            assert env.build_local(ws, useDocker=True)["imageName"] == details["imageName"]
            print("BUILT", details["imageName"])
            """ % (IMAGE, self.dir))
        p = subprocess.run([PYTHON, script], cwd=self.ws, capture_output=True, text=True, timeout=300,
                           env=clean_env(PYTHONPATH=PYTHON_PKG, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        built = self.built_images(p, "localhost/runnel-build")
        self.assertEqual(len(built), 1, p.stderr)  # once: get_image_details and build_local found it
        self.assertIn("BUILT " + built[0], p.stdout)
        q = self.runnel("env", "build", "sdk-pre")
        self.assertEqual(q.returncode, 0, q.stdout + q.stderr)
        self.assertIn("image " + built[0] + " (podman)", q.stdout)
        self.assertNotIn("building image", q.stderr)
        path = self.write("pre.yml", """
            type: pipeline
            jobs:
              a:
                environment: azureml:sdk-pre@latest
                command: cat /marker > ${{outputs.o}}/m.txt
                outputs: {o: {type: uri_folder}}
            """)
        r = self.run_pipeline(path, timeout=300)
        self.assertNotIn("building image", r.stderr)
        self.assertEqual(read(os.path.join(self.steps()["a"]["outputs"]["o"], "m.txt")).strip(), "prebuilt")

    def test_pip_packages_go_into_a_derived_image_built_once(self):
        from test_environments import build_wheels
        wheels = build_wheels(os.path.join(self.dir, "w"))
        # The host's /usr bound in (as above) gives the busybox image python3 and pip, for the
        # build as for the steps; the wheel folder is mounted into the build by runnel.
        self.configure({"podman": {"args": self.args + ["-v", "/usr:/usr:ro"]}})
        for name, version in (("p1", "1.0"), ("p2", "2.0")):
            p = self.runnel("env", "create", name, "--python", "/usr/bin/python3", "--image", IMAGE,
                            "--pip", "tinypkg==" + version, "--no-index", "--find-links", wheels)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                environment: azureml:p1@latest
                command: python3 -c "import tinypkg, os; print(tinypkg.VERSION, tinypkg.__file__, os.path.exists('/etc/debian_version'))" > ${{outputs.o}}/v.txt
                outputs: {o: {type: uri_folder}}
              b:
                environment: azureml:p2@latest
                command: python3 -c "import tinypkg, os; print(tinypkg.VERSION, tinypkg.__file__, os.path.exists('/etc/debian_version'))" > ${{outputs.o}}/v.txt
                outputs: {o: {type: uri_folder}}
            """)
        p = self.run_pipeline(path, timeout=300)
        built = self.built_images(p, "localhost/runnel-env")
        self.assertEqual(len(built), 2, p.stderr)
        s = self.steps()
        for step, version in (("a", "1.0"), ("b", "2.0")):
            got = read(os.path.join(s[step]["outputs"]["o"], "v.txt")).split()
            self.assertEqual(got[0], version)
            self.assertTrue(got[1].startswith("/opt/runnel/site/tinypkg/"), got)  # the image's layer
            self.assertEqual(got[2], "False")  # in the container
        # Built once: a second pipeline with other work uses the same images.
        path2 = self.write("p2.yml", read(path).replace("print(", "print('again', "))
        p = self.run_pipeline(path2, timeout=300)
        self.assertNotIn("building image", p.stderr)
        self.assertEqual(read(os.path.join(self.steps()["a"]["outputs"]["o"], "v.txt")).split()[:2], ["again", "1.0"])
        # A package that cannot be installed fails with pip's words and the build command.
        p = self.runnel("env", "create", "p1", "--python", "/usr/bin/python3", "--image", IMAGE,
                        "--pip", "tinypkg==9.9", "--no-index", "--find-links", wheels)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = self.runnel("run", path, timeout=300)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("tinypkg==9.9", p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
