"""The documented install: `pip install --no-build-isolation ./python` into a virtual
environment (no network), after which an SDK script runs with the venv's python and no
PYTHONPATH."""

import os
import shutil
import subprocess
import sys
import unittest

from e2e_util import SOURCE_DIR, clean_env
from sdk_util import PYTHON_PKG, SdkScriptTest


class InstallTest(SdkScriptTest):
    def test_pip_install_into_venv(self):
        venv = os.path.join(self.dir, "venv")
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", venv], check=True,
                       capture_output=True, timeout=120)
        pkg = os.path.join(self.dir, "pkg")
        shutil.copytree(PYTHON_PKG, pkg, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
        env = clean_env(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        env.pop("PYTHONPATH", None)
        p = subprocess.run([os.path.join(venv, "bin", "pip"), "install", "--no-build-isolation", "--no-index", pkg],
                           env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        script = ("import runnel, azureml.core\n"
                  "from azureml.core import Workspace\n"
                  "ws = Workspace.from_config()\n"
                  "print(runnel.__file__)\n"
                  "print(ws.get_default_datastore().name)\n")
        p = subprocess.run([os.path.join(venv, "bin", "python"), "-c", script], cwd=self.ws, env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(os.path.join(venv, "lib"), p.stdout)
        self.assertIn("workspaceblobstore", p.stdout)


if __name__ == "__main__":
    unittest.main()
