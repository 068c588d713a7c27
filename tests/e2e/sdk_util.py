"""Helpers for the Python SDK e2e tests: run an unchanged SDK script with /usr/bin/python3
in a folder holding a fresh runnel workspace, with runnel's python/ package importable."""

import os
import shutil
import subprocess

from e2e_util import PYTHON, SOURCE_DIR, WorkspaceTest, clean_env

PYTHON_PKG = os.path.join(SOURCE_DIR, "python")


def native_built():
    return any(n.startswith("_runnel") and n.endswith(".so")
               for n in os.listdir(os.path.join(PYTHON_PKG, "runnel")))


class SdkScriptTest(WorkspaceTest):
    """self.ws is a workspace folder; scripts run with it as the current folder."""

    init_workspace = True

    def setUp(self):
        super().setUp()
        self.assertTrue(native_built(), "runnel's native module is not built in %s/runnel "
                        "(CMake target runnel_python)" % PYTHON_PKG)

    def copy_tree(self, src):
        shutil.copytree(src, self.ws, dirs_exist_ok=True)

    def run_script(self, script, *args, expect=0, timeout=300, cwd=None, python=PYTHON, env=None):
        e = clean_env(PYTHONPATH=PYTHON_PKG, PYTHONDONTWRITEBYTECODE="1")
        e.update(env or {})
        p = subprocess.run([python, script] + list(args), cwd=cwd or self.ws, env=e,
                           capture_output=True, text=True, timeout=timeout)
        self.assertEqual(p.returncode, expect, "%s: exit %d\nstdout:\n%s\nstderr:\n%s"
                         % (script, p.returncode, p.stdout, p.stderr))
        return p

    def latest_steps(self):
        return self.steps("latest")
