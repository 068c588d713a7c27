"""Shared helpers for runnel's end-to-end tests: a fresh workspace per test, running the
built `runnel` binary, and checks on its one-line error messages.

The binary is $RUNNEL_BIN (set by ctest), else <source>/build/runnel. Every helper runs
runnel as a subprocess with a timeout, so a hang fails the test instead of the suite.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import unittest

SOURCE_DIR = os.environ.get(
    "RUNNEL_SOURCE_DIR",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RUNNEL = os.environ.get("RUNNEL_BIN", os.path.join(SOURCE_DIR, "build", "runnel"))
PYTHON = "/usr/bin/python3"
FINAL = ("Finished", "Failed", "Canceled", "Reused")


def clean_env(**extra):
    """The environment for runnel: no RUNNEL_WORKSPACE unless given, no colors."""
    env = {k: v for k, v in os.environ.items() if k != "RUNNEL_WORKSPACE"}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


class WorkspaceTest(unittest.TestCase):
    """A test case with a fresh temp folder `self.dir` holding an initialized workspace
    `self.ws` (= self.dir/ws). Pipelines are written next to it with `self.write()`."""

    init_workspace = True

    def setUp(self):
        if not os.access(RUNNEL, os.X_OK):
            self.skipTest("runnel binary not found at %s; build it or set RUNNEL_BIN" % RUNNEL)
        self.dir = tempfile.mkdtemp(prefix="runnel-e2e-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.ws = os.path.join(self.dir, "ws")
        if self.init_workspace:
            p = self.runnel("init", self.ws, workspace=None)
            self.assertEqual(p.returncode, 0, p.stderr)

    # -- files -----------------------------------------------------------------------------
    def write(self, rel, text):
        """Writes dedented `text` to self.dir/rel and returns its absolute path."""
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))
        return path

    # -- running runnel --------------------------------------------------------------------
    def runnel(self, *args, workspace="", cwd=None, env=None, timeout=120):
        """Runs runnel with `args`; `--workspace self.ws` first unless workspace is None."""
        ws = self.ws if workspace == "" else workspace
        cmd = [RUNNEL] + (["--workspace", ws] if ws else []) + [str(a) for a in args]
        return subprocess.run(cmd, cwd=cwd or self.dir, env=env or clean_env(),
                              capture_output=True, text=True, timeout=timeout)

    def run_pipeline(self, path, *args, expect=0, timeout=120):
        """`runnel run PATH ARGS`; asserts the exit code and returns the process."""
        p = self.runnel("run", path, *args, timeout=timeout)
        self.assertEqual(p.returncode, expect,
                         "runnel run %s: exit %d\nstdout:\n%s\nstderr:\n%s"
                         % (path, p.returncode, p.stdout, p.stderr))
        return p

    def show(self, run="latest"):
        """`runnel runs show RUN --output json`, parsed."""
        p = self.runnel("runs", "show", run, "--output", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def steps(self, run="latest"):
        """The steps of `runs show` by name."""
        return {s["name"]: s for s in self.show(run)["steps"]}

    def datastore(self):
        return os.path.join(self.ws, ".runnel", "datastores", "workspaceblobstore")

    # -- checks ----------------------------------------------------------------------------
    def assert_one_error(self, p, pattern=None):
        """Exit 2, exactly one stderr line starting with 'error:', matching `pattern`
        (a regex searched in that line); returns the line."""
        self.assertEqual(p.returncode, 2, "expected exit 2, got %d\nstdout:\n%s\nstderr:\n%s"
                         % (p.returncode, p.stdout, p.stderr))
        errors = [l for l in p.stderr.splitlines() if l.startswith("error:")]
        self.assertEqual(len(errors), 1, "expected one 'error:' line in:\n" + p.stderr)
        if pattern:
            self.assertRegex(errors[0], pattern)
        return errors[0]

    def assert_bad_input(self, p, file, line, key, *, what=None):
        """Exit 2 and one line `error: FILE:LINE:COL: KEY: <what>; <hint>`, where FILE ends
        with `file`, LINE is `line` (None: any), KEY starts with `key`, and the message has a
        hint after a '; '. `what`: a regex the message must also match."""
        err = self.assert_one_error(p)
        m = re.match(r"error: (\S*?):(\d+):(\d+): (.+?): (.*)$", err)
        self.assertIsNotNone(m, "not 'error: FILE:LINE:COL: KEY: MESSAGE': " + err)
        self.assertTrue(m.group(1).endswith(file), "file %r not named in: %s" % (file, err))
        if line is not None:
            self.assertEqual(int(m.group(2)), line, "wrong line in: " + err)
        self.assertTrue(m.group(4).startswith(key), "key %r not named in: %s" % (key, err))
        self.assertIn("; ", m.group(5), "no hint (what to do) in: " + err)
        if what:
            self.assertRegex(m.group(5), what)
        self.assertEqual(p.stdout.strip(), "", "nothing should run on bad input")
        return err


def wait_for(predicate, timeout=20.0, interval=0.05):
    """Polls `predicate` until it returns true or `timeout` seconds pass; returns its value."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def process_running(pid):
    """True when `pid` exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def has_sklearn():
    return subprocess.run([PYTHON, "-c", "import sklearn, pandas"],
                          capture_output=True).returncode == 0


def read(path, default=None):
    """The text of `path`, or `default` when it does not exist."""
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return default
