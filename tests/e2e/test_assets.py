"""Registered assets the `az ml` way (issue 15 parts 3, 4, 7): `runnel component create -f`
then pipelines using azureml:NAME:VERSION and @latest; `runnel data create -f` (uri_folder
and mltable) used as job inputs; a step reading a CSV-backed MLTable with
`mltable.load(...).to_pandas_dataframe()`; environment/compute create -f with --set; the
SDK's Module / ModuleStep, reused on the second run."""

import json
import os
import subprocess
import unittest

from e2e_util import PYTHON, SOURCE_DIR, WorkspaceTest, clean_env, read

PYTHON_PKG = os.path.join(SOURCE_DIR, "python")

COMPONENT = """
$schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
name: greet
version: 1
type: command
inputs:
  who: {type: string, default: world}
outputs:
  out: {type: uri_folder}
code: ./src
command: python greet.py --who ${{inputs.who}} --out ${{outputs.out}}
"""

GREET = """
import argparse, os
p = argparse.ArgumentParser(); p.add_argument("--who"); p.add_argument("--out")
a = p.parse_args()
with open(os.path.join(a.out, "greeting.txt"), "w") as f:
    f.write("%s %s\\n" % (os.environ.get("GREETING", "hello"), a.who))
"""

PIPELINE = """
type: pipeline
jobs:
  pinned:
    type: command
    component: azureml:greet:1
    inputs: {who: pinned}
  latest:
    type: command
    component: azureml:greet@latest
    inputs: {who: latest}
"""


class AssetsTest(WorkspaceTest):
    def out_file(self, step, output, name):
        return read(os.path.join(self.steps()[step]["outputs"][output], name))

    def test_components_versions_latest_and_archive(self):
        self.write("proj/src/greet.py", GREET)
        comp = self.write("proj/greet.yml", COMPONENT)
        p = self.runnel("component", "create", "-f", comp)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("greet:1", p.stdout)
        # The same file again is a no-op; other content under version 1 is refused.
        p = self.runnel("component", "create", "--file", comp)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("nothing changed", p.stdout)
        self.write("proj/src/greet.py", GREET.replace('"hello"', '"hi"'))
        self.assert_one_error(self.runnel("component", "create", "-f", comp), "immutable")
        # Version 2 by --set; the pipeline's @latest picks it, the pinned job keeps version 1's code.
        p = self.runnel("component", "create", "-f", comp, "--set", "version=2")
        self.assertEqual(p.returncode, 0, p.stderr)
        pipe = self.write("proj/pipeline.yml", PIPELINE)
        self.run_pipeline(pipe)
        self.assertEqual(self.out_file("pinned", "out", "greeting.txt"), "hello pinned\n")
        self.assertEqual(self.out_file("latest", "out", "greeting.txt"), "hi latest\n")
        # Changing the working copy changes nothing registered: the run is reused.
        self.write("proj/src/greet.py", GREET.replace('"hello"', '"hey"'))
        self.run_pipeline(pipe)
        self.assertEqual({s["status"] for s in self.steps().values()}, {"Reused"})
        # list / show / archive: @latest falls back to version 1; version 2 still resolves.
        p = self.runnel("component", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"greet\s+2\s")
        shown = json.loads(self.runnel("component", "show", "-n", "greet", "--label", "latest").stdout)
        self.assertEqual(shown["version"], "2")
        self.assertEqual(shown["definition"]["code"], "./code")
        p = self.runnel("component", "archive", "--name", "greet", "--version", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotRegex(self.runnel("component", "list", "-n", "greet").stdout, r"greet\s+2")
        self.run_pipeline(pipe)
        self.assertEqual(self.out_file("latest", "out", "greeting.txt"), "hello latest\n")
        self.write("proj/pinned2.yml", PIPELINE.replace("greet:1", "greet:2"))
        self.run_pipeline(os.path.join(self.dir, "proj/pinned2.yml"))
        self.assertEqual(self.out_file("pinned", "out", "greeting.txt"), "hi pinned\n")
        # A version that does not exist: file:line of the reference and what exists.
        bad = self.write("proj/bad.yml", PIPELINE.replace("greet:1", "greet:9"))
        self.assert_bad_input(self.runnel("run", bad), "bad.yml", 5, "jobs.pinned.component",
                              what="versions: 1, 2")

    def test_data_assets_and_mltable_inputs(self):
        self.write("proj/raw/a.txt", "alpha\n")
        self.write("proj/raw/sub/b.txt", "beta\n")
        self.write("proj/raw.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/data.schema.json
            name: raw
            version: 1
            type: uri_folder
            path: ./raw
            description: two text files
            tags: {team: data}
            """)
        self.write("proj/iris/iris.csv", "sepal_length,species\n5.1,setosa\n4.9,setosa\n6.3,virginica\n")
        self.write("proj/iris/MLTable", """
            paths:
              - file: ./iris.csv
            transformations:
              - read_delimited:
                  delimiter: ','
                  header: all_files_same_headers
                  encoding: utf8
              - keep_columns: [sepal_length, species]
            """)
        self.write("proj/iris.yml", "name: iris\ntype: mltable\npath: ./iris\n")
        for f in ("proj/raw.yml", "proj/iris.yml"):
            p = self.runnel("data", "create", "-f", os.path.join(self.dir, f))
            self.assertEqual(p.returncode, 0, p.stderr)
        p = self.runnel("data", "list")
        self.assertRegex(p.stdout, r"iris\s+1\s+mltable")
        self.assertRegex(p.stdout, r"raw\s+1\s+uri_folder")
        shown = json.loads(self.runnel("data", "show", "--name", "raw", "--version", "1").stdout)
        self.assertEqual(shown["tags"], {"team": "data"})
        # A non-numeric version is refused with what to write.
        self.write("proj/bad.yml", "name: raw\nversion: v2\npath: ./raw\n")
        self.assert_one_error(self.runnel("data", "create", "-f", os.path.join(self.dir, "proj/bad.yml")),
                              "not a whole number")
        self.write("proj/read.py", """
            import argparse, os
            import mltable
            p = argparse.ArgumentParser()
            p.add_argument("--raw"); p.add_argument("--table"); p.add_argument("--out")
            a = p.parse_args()
            df = mltable.load(a.table).to_pandas_dataframe()
            names = sorted(os.path.relpath(os.path.join(r, f), a.raw) for r, _, fs in os.walk(a.raw) for f in fs)
            with open(os.path.join(a.out, "report.txt"), "w") as f:
                f.write("rows=%d mean=%.2f species=%s files=%s\\n" % (
                    len(df), df["sepal_length"].mean(), ",".join(sorted(set(df["species"]))), ",".join(names)))
            """)
        pipe = self.write("proj/pipeline.yml", """
            type: pipeline
            inputs:
              table: {type: mltable, path: azureml:iris@latest}
            jobs:
              read:
                type: command
                code: .
                command: python read.py --raw ${{inputs.raw}} --table ${{inputs.table}} --out ${{outputs.out}}
                inputs:
                  raw: {type: uri_folder, path: azureml:raw:1}
                  table: ${{parent.inputs.table}}
                outputs: {out: {type: uri_folder}}
            """)
        self.run_pipeline(pipe)
        self.assertEqual(self.out_file("read", "out", "report.txt"),
                         "rows=3 mean=5.43 species=setosa,virginica files=a.txt,sub/b.txt\n")
        # The same MLTable read from a local mltable input works the same way.
        local = self.write("proj/local.yml", read(pipe).replace("azureml:iris@latest", "./iris"))
        self.run_pipeline(local)
        self.assertIn("rows=3", self.out_file("read", "out", "report.txt"))
        # Archive: @latest has nothing left, and says so.
        self.assertEqual(self.runnel("data", "archive", "-n", "iris").returncode, 0)
        p = self.runnel("run", pipe)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("archived", p.stderr)

    def test_data_create_from_az_flags_and_list_as_json(self):
        # `az ml data create --name --version --path --type` (no file), relative to the
        # current folder, then used by a job; list -o json.
        self.write("ws/here/rows.csv", "a\n1\n")
        p = self.runnel("data", "create", "--name", "rows", "--version", "3", "--path", "here/rows.csv",
                        "--type", "uri_file", "--description", "from flags", cwd=self.ws)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Registered data asset rows:3 (uri_file, 1 files)", p.stdout)
        p = self.runnel("data", "create", "-n", "rows", "-v", "3", "-p", "here/rows.csv", "-t", "uri_file",
                        "-d", "from flags", cwd=self.ws)
        self.assertIn("already has this content", p.stdout)
        self.assertFalse(os.listdir(os.path.join(self.ws, ".runnel", "tmp")))  # nothing left behind
        listed = json.loads(self.runnel("data", "list", "-o", "json").stdout)
        self.assertEqual([(d["name"], d["version"], d["type"], d["description"]) for d in listed],
                         [("rows", "3", "uri_file", "from flags")])
        self.assertEqual(json.loads(self.runnel("component", "list", "-o", "json").stdout), [])
        self.assert_one_error(self.runnel("data", "create", "--name", "x"), "give -f FILE, or --name")
        path = self.write("p.yml", """
            type: pipeline
            jobs:
              a:
                command: cat ${{inputs.r}} > ${{outputs.o}}/copy.csv
                inputs: {r: {type: uri_file, path: azureml:rows:3}}
                outputs: {o: {type: uri_folder}}
            """)
        self.run_pipeline(path)
        self.assertEqual(read(os.path.join(self.steps()["a"]["outputs"]["o"], "copy.csv")), "a\n1\n")

    def test_environment_and_compute_files(self):
        env = self.write("proj/env.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json
            name: base
            version: 1
            python: /usr/bin/python3
            environment_variables: {GREETING: hello}
            """)
        p = self.runnel("environment", "create", "-f", env, "--set", "environment_variables.GREETING=hola")
        self.assertEqual(p.returncode, 0, p.stderr)
        shown = json.loads(self.runnel("environment", "show", "base").stdout)
        self.assertEqual(shown["definition"]["variables"]["GREETING"], "hola")
        compute = self.write("proj/compute.yml", """
            $schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
            name: cpu-cluster
            type: amlcompute
            size: STANDARD_DS3_v2
            min_instances: 0
            max_instances: 2
            idle_time_before_scale_down: 120
            """)
        p = self.runnel("compute", "create", "-f", compute)
        self.assertEqual(p.returncode, 0, p.stderr)
        shown = json.loads(self.runnel("compute", "show", "cpu-cluster").stdout)
        self.assertEqual(shown["config"]["max_nodes"], 2)
        self.write("proj/src/greet.py", GREET)
        comp = self.write("proj/greet.yml", COMPONENT + "environment: azureml:base@latest\n")
        self.assertEqual(self.runnel("component", "create", "-f", comp).returncode, 0)
        pipe = self.write("proj/p.yml", "type: pipeline\nsettings: {default_compute: azureml:cpu-cluster}\n"
                                        "jobs:\n  g:\n    component: azureml:greet:1\n")
        self.run_pipeline(pipe)
        self.assertEqual(self.out_file("g", "out", "greeting.txt"), "hola world\n")
        self.assertEqual(self.steps()["g"]["compute"], "cpu-cluster")
        # An archived environment is no longer @latest.
        self.assertEqual(self.runnel("environment", "archive", "--name", "base").returncode, 0)
        self.assertNotIn("base", self.runnel("environment", "list").stdout)

    def test_module_step_runs_and_is_reused(self):
        if not any(n.startswith("_runnel") and n.endswith(".so") for n in os.listdir(os.path.join(PYTHON_PKG, "runnel"))):
            self.skipTest("runnel's native Python module is not built (CMake target runnel_python)")
        self.write("ws/mod_src/scale.py", """
            import argparse, os
            p = argparse.ArgumentParser(); p.add_argument("--out"); a = p.parse_args()
            factor = int(os.environ["AML_PARAMETER_factor"])
            with open(os.path.join(a.out, "scaled.txt"), "w") as f:
                f.write(str(21 * factor) + "\\n")
            """)
        script = self.write("ws/module_pipeline.py", """
            import sys
            from azureml.core import Workspace, Experiment
            from azureml.pipeline.core import Pipeline, PipelineData
            from azureml.pipeline.core.module import Module, InputPortDef, OutputPortDef
            from azureml.pipeline.steps import ModuleStep
            ws = Workspace.from_config()
            try:
                module = Module.get(ws, name="scaler")
            except Exception:
                module = Module.create(ws, "scaler", "multiplies 21")
                module.publish_python_script("scale.py", "v1", inputs=[],
                                             outputs=[OutputPortDef("scaled", is_directory=True)],
                                             params={"factor": "1"}, version="1", is_default=True,
                                             source_directory="mod_src")
            out = PipelineData("scaled", datastore=ws.get_default_datastore())
            step = ModuleStep(module=module, version="1", outputs_map={"scaled": out},
                              arguments=["--out", out], params={"factor": "2"}, name="scale")
            run = Experiment(ws, "modules").submit(Pipeline(ws, [step]))
            run.wait_for_completion(show_output=False)
            print(run.get_status())
            """)
        env = clean_env(PYTHONPATH=PYTHON_PKG)
        for _ in range(2):
            p = subprocess.run([PYTHON, script], cwd=self.ws, env=env, capture_output=True, text=True,
                               timeout=180)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("Finished", p.stdout)
        steps = self.steps()
        self.assertEqual(steps["scale"]["status"], "Reused")
        self.assertEqual(read(os.path.join(steps["scale"]["outputs"]["scaled"], "scaled.txt")), "42\n")
        p = self.runnel("component", "show", "-n", "scaler", "-v", "1")
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
