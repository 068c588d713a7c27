"""Shared helpers for runnel's end-to-end tests: a fresh workspace per test, running the
built `runnel` binary, and checks on its one-line error messages.

The binary is $RUNNEL_BIN (set by ctest), else <source>/build/runnel. Every helper runs
runnel as a subprocess with a timeout, so a hang fails the test instead of the suite.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import textwrap
import unittest
import urllib.error
import urllib.request
import warnings

SOURCE_DIR = os.environ.get(
    "RUNNEL_SOURCE_DIR",
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
RUNNEL = os.environ.get("RUNNEL_BIN", os.path.join(SOURCE_DIR, "build", "runnel"))
PYTHON = "/usr/bin/python3"
FINAL = ("Finished", "Failed", "Canceled", "Reused")
SERVER_FINAL = ("Finished", "Failed", "Canceled")  # a pipeline run's final statuses


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

    def set_config(self, key, value):
        """Sets top-level `key` of the workspace's .runnel/config.json to `value`."""
        path = os.path.join(self.ws, ".runnel", "config.json")
        with open(path) as f:
            cfg = json.load(f)
        cfg[key] = value
        with open(path, "w") as f:
            json.dump(cfg, f)

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


class ServerTestBase(WorkspaceTest):
    """A WorkspaceTest with a `runnel serve` of its workspace: start_server(), stop_server(),
    request()/get()/get_json() with the admin token, wait_run()."""


    def setUp(self):
        warnings.simplefilter("ignore", ResourceWarning)
        super().setUp()
        self.server = None
        self.addCleanup(self.stop_server)

    # -- the server ------------------------------------------------------------------------
    def start_server(self, *extra):
        cfg = os.path.join(self.ws, ".runnel", "config.json")
        self.log = open(os.path.join(self.dir, "server.log"), "a")
        self.server = subprocess.Popen([RUNNEL, "--workspace", self.ws, "serve", "--port", "0", *extra],
                                       stdout=self.log, stderr=self.log, env=clean_env())
        pid = self.server.pid

        def ready():
            try:
                c = json.load(open(cfg))
                return c.get("server", {}).get("pid") == pid and self.get("/healthz", token=None)[0] == 200
            except (OSError, ValueError, urllib.error.URLError):
                return False
        self.server_url = None
        self.assertTrue(wait_for(lambda: self._url(cfg) and ready(), timeout=30), self.server_log())
        self.token = open(os.path.join(self.ws, ".runnel", "server", "admin.token")).read().strip()
        return self.server

    def _url(self, cfg):
        try:
            self.server_url = json.load(open(cfg))["server"]["url"]
            return True
        except (OSError, ValueError, KeyError):
            return False

    def server_log(self):
        try:
            return open(os.path.join(self.dir, "server.log")).read()[-4000:]
        except OSError:
            return ""

    def stop_server(self, sig=signal.SIGTERM):
        if self.server and self.server.poll() is None:
            self.server.send_signal(sig)
            try:
                self.server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()

    def request(self, method, path, body=None, token="", headers=None):
        url = self.server_url + path
        h = dict(headers or {})
        tok = self.token if token == "" else token
        if tok:
            h["Authorization"] = "Bearer " + tok
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def get(self, path, token=""):
        s, b, _ = self.request("GET", path, token=token)
        return s, b

    def get_json(self, path, token=""):
        s, b = self.get(path, token)
        return s, json.loads(b) if b else None

    def submit(self, rel, text=None, token="", **opts):
        if text is not None:
            self.write(os.path.join("ws", rel), text)
        body = {"path": rel}
        body.update(opts)
        s, b, _ = self.request("POST", "/api/v1/runs", body, token=token)
        return s, json.loads(b)

    def wait_run(self, run_id, timeout=60):
        last = {}

        def done():
            s, j = self.get_json("/api/v1/runs/" + run_id)
            last["j"] = j
            return s == 200 and j["status"] in SERVER_FINAL
        self.assertTrue(wait_for(done, timeout=timeout, interval=0.2), json.dumps(last.get("j"))[:2000])
        return last["j"]

