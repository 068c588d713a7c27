"""runnel's small `mlflow` (python/mlflow): what a step script gets where no MLflow is
installed; a real MLflow elsewhere on sys.path is loaded in its place."""

import os
import subprocess
import sys
import tempfile
import unittest

import helpers  # noqa: F401  (puts python/ on sys.path)

PYTHON_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python")


def run_python(code, extra_path=None, env=None):
    e = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.abspath(PYTHON_DIR)] + ([extra_path] if extra_path else [])))
    e.pop("RUNNEL_RUN_CONTEXT", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e, timeout=60)


class MlflowShimTest(unittest.TestCase):
    def test_offline_logging_never_fails(self):
        p = run_python("import mlflow\n"
                       "with mlflow.start_run() as r:\n"
                       "    mlflow.log_metric('f1', 0.9); mlflow.log_param('lr', 0.1); mlflow.set_tag('k', 'v')\n"
                       "print('version', mlflow.__version__)")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("version 2.0.0+runnel", p.stdout)

    def test_a_real_mlflow_on_the_path_is_loaded_instead(self):
        with tempfile.TemporaryDirectory() as site:
            os.makedirs(os.path.join(site, "mlflow"))
            with open(os.path.join(site, "mlflow", "__init__.py"), "w") as f:
                f.write("__version__ = '9.9.9-real'\n")
            with open(os.path.join(site, "mlflow", "sklearn.py"), "w") as f:
                f.write("REAL = True\n")
            code = "import mlflow, mlflow.sklearn; print(mlflow.__version__, mlflow.sklearn.REAL)"
            p = run_python(code, extra_path=site)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout.strip(), "9.9.9-real True")
            p = run_python("import mlflow; print(mlflow.__version__)", extra_path=site,
                           env={"RUNNEL_MLFLOW": "runnel"})
            self.assertEqual(p.stdout.strip(), "2.0.0+runnel")


if __name__ == "__main__":
    unittest.main()
