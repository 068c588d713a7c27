"""Parameters, published pipelines, pipeline endpoints and drafts on a live `runnel serve`:
a YAML pipeline published with the CLI and triggered with curl and the Azure ML SDK's REST
body (ParameterAssignments, DataPathAssignments), a bad token refused, parameter values in
the fingerprint, the publishing and versioned-endpoint sample scripts run unchanged, and
drafts round-tripped."""

import json
import os
import shutil
import signal
import subprocess
import unittest

from e2e_util import RUNNEL, SOURCE_DIR, clean_env, wait_for
from sdk_util import SdkScriptTest

SAMPLES = os.path.join(SOURCE_DIR, "tests", "e2e", "publish_samples")

YAML = """
type: pipeline
experiment_name: yaml-published
inputs:
  msg: hello
  count: 2
  data: {type: uri_folder, path: azureml://datastores/workspaceblobstore/paths/in1}
jobs:
  say:
    type: command
    code: ./say_src
    command: python say.py ${{inputs.m}} ${{inputs.n}} ${{inputs.d}} ${{outputs.o}}
    inputs:
      m: ${{parent.inputs.msg}}
      n: ${{parent.inputs.count}}
      d: ${{parent.inputs.data}}
    outputs:
      o: {type: uri_folder}
"""

SAY = """
import os, sys
msg, n, data, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
text = open(os.path.join(data, "f.txt")).read().strip()
open(os.path.join(out, "said.txt"), "w").write("%s x%s %s\\n" % (msg, n, text))
"""


class PublishTest(SdkScriptTest):

    def setUp(self):
        super().setUp()
        self.server = None
        self.addCleanup(self.stop_server)
        for name in ("in1", "in2"):
            os.makedirs(os.path.join(self.datastore(), name))
            with open(os.path.join(self.datastore(), name, "f.txt"), "w") as f:
                f.write("data-%s\n" % name)

    # -- the server ------------------------------------------------------------------------
    def start_server(self):
        cfg = os.path.join(self.ws, ".runnel", "config.json")
        self.log = open(os.path.join(self.dir, "server.log"), "a")
        self.server = subprocess.Popen([RUNNEL, "--workspace", self.ws, "serve", "--port", "0"],
                                       stdout=self.log, stderr=self.log, env=clean_env())

        def ready():
            try:
                c = json.load(open(cfg)).get("server", {})
                return c.get("pid") == self.server.pid and c.get("url")
            except (OSError, ValueError):
                return False
        self.assertTrue(wait_for(ready, timeout=30), self.server_log())
        self.url = json.load(open(cfg))["server"]["url"]
        self.token = open(os.path.join(self.ws, ".runnel", "server", "admin.token")).read().strip()

    def stop_server(self):
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()

    def server_log(self):
        try:
            return open(os.path.join(self.dir, "server.log")).read()[-4000:]
        except OSError:
            return ""

    def curl(self, url, body, token=None):
        """POSTs `body` with curl; returns (HTTP status, parsed answer)."""
        p = subprocess.run(["curl", "-sS", "-X", "POST", url, "-H", "Content-Type: application/json",
                            "-H", "Authorization: Bearer %s" % (token or self.token), "-d", json.dumps(body),
                            "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        text, status = p.stdout.rsplit("\n", 1)
        return int(status), json.loads(text or "null")

    def wait_run(self, run_id, timeout=120):
        def done():
            s = self.show(run_id)
            return s if s["status"] in ("Finished", "Failed", "Canceled") else None
        s = wait_for(done, timeout=timeout, interval=0.3)
        self.assertTrue(s, "run %s did not end\n%s" % (run_id, self.server_log()))
        return s

    def output_text(self, run_id, output, file):
        s = self.wait_run(run_id)
        self.assertEqual(s["status"], "Finished", json.dumps(s, indent=1) + self.server_log())
        path = s["steps"][0]["outputs"][output]
        with open(os.path.join(path, file)) as f:
            return f.read().strip()

    # -- tests -----------------------------------------------------------------------------
    def write_yaml(self):
        with open(os.path.join(self.ws, "p.yml"), "w") as f:
            f.write(YAML)
        os.makedirs(os.path.join(self.ws, "say_src"))
        with open(os.path.join(self.ws, "say_src", "say.py"), "w") as f:
            f.write(SAY)

    def test_yaml_parameters_with_set(self):
        self.write_yaml()
        p = self.runnel("run", os.path.join(self.ws, "p.yml"), "--set", "msg=cli", "--set", "count=3")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.output_text("latest", "o", "said.txt"), "cli x3 data-in1")
        # The value, not the name, is fingerprinted: the same value is reused, another reruns.
        p = self.runnel("run", os.path.join(self.ws, "p.yml"), "--set", "msg=cli", "--set", "count=3")
        self.assertEqual(self.steps()["say"]["status"], "Reused")
        p = self.runnel("run", os.path.join(self.ws, "p.yml"), "--set", "count=4",
                        "--set", "data=azureml://datastores/workspaceblobstore/paths/in2")
        self.assertEqual(self.steps()["say"]["status"], "Finished")
        self.assertEqual(self.output_text("latest", "o", "said.txt"), "hello x4 data-in2")
        self.assert_one_error(self.runnel("run", os.path.join(self.ws, "p.yml"), "--set", "nope=1"),
                              r"'nope' is not a parameter.*msg, count, data")
        self.assert_one_error(self.runnel("run", os.path.join(self.ws, "p.yml"), "--set", "count=many"),
                              r"count.*'many' is not a whole number")

    def test_yaml_published_and_triggered_with_curl(self):
        self.write_yaml()
        p = self.runnel("pipeline", "publish", os.path.join(self.ws, "p.yml"), "--name", "yp",
                        "--description", "from yaml", "-o", "json")
        self.assertEqual(p.returncode, 0, p.stderr)
        pub = json.loads(p.stdout)
        self.assertEqual([x["name"] for x in pub["parameters"]], ["msg", "count", "data"])
        # The published copy keeps the code as it was.
        with open(os.path.join(self.ws, "say_src", "say.py"), "w") as f:
            f.write("raise SystemExit(9)\n")
        self.start_server()
        endpoint = self.url + "/api/v1/pipelines/%s/runs" % pub["id"]
        listed = self.runnel("pipeline", "list", "-o", "json")
        self.assertEqual(json.loads(listed.stdout)[0]["endpoint"], endpoint)
        status, answer = self.curl(endpoint, {
            "ExperimentName": "curl-exp", "RunSource": "SDK",
            "ParameterAssignments": {"msg": "world", "count": 5},
            "DataPathAssignments": {"data": {"DataStoreName": "workspaceblobstore", "RelativePath": "in2"}}})
        self.assertEqual(status, 201, answer)
        self.assertEqual(self.output_text(answer["Id"], "o", "said.txt"), "world x5 data-in2")
        self.assertEqual(self.show(answer["Id"])["experiment"], "curl-exp")
        # A bad token is refused; bad parameters are 400s naming them.
        status, answer = self.curl(endpoint, {"ExperimentName": "x"}, token="not-a-token")
        self.assertEqual(status, 401, answer)
        # A name the pipeline does not have is ignored (as Azure ML's service does) and
        # listed in the run's tags.
        status, answer = self.curl(endpoint, {"ExperimentName": "x", "ParameterAssignments": {"msgs": "a"}})
        self.assertEqual(status, 201, answer)
        self.wait_run(answer["Id"])
        self.assertEqual(self.show(answer["Id"])["tags"].get("runnel.ignored_parameters"), "msgs")
        status, answer = self.curl(endpoint, {"ExperimentName": "x", "ParameterAssignments": {"count": "z"}})
        self.assertEqual(status, 400, answer)
        status, answer = self.curl(endpoint, {"ParameterAssignments": {}})
        self.assertEqual(status, 400, answer)
        # Disabled: refused until enabled again.
        self.assertEqual(self.runnel("pipeline", "disable", pub["id"]).returncode, 0)
        status, answer = self.curl(endpoint, {"ExperimentName": "x"})
        self.assertEqual(status, 409, answer)
        self.assertEqual(self.runnel("pipeline", "enable", pub["id"][:8]).returncode, 0)
        p = self.runnel("pipeline", "submit", pub["id"], "-e", "cli-exp", "--set", "msg=again")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(self.output_text("latest", "o", "said.txt"), "again x2 data-in1")
        # The endpoint by name, with a version in the query.
        p = self.runnel("pipeline", "endpoint", "create", "yep", "--pipeline", pub["id"])
        self.assertEqual(p.returncode, 0, p.stderr)
        status, answer = self.curl(self.url + "/api/v1/pipeline-endpoints/yep/runs?pipelineVersion=0",
                                   {"ExperimentName": "ep", "ParameterAssignments": {"msg": "ep"}})
        self.assertEqual(status, 201, answer)
        self.assertEqual(self.output_text(answer["Id"], "o", "said.txt"), "ep x2 data-in1")
        status, answer = self.curl(self.url + "/api/v1/pipeline-endpoints/yep/runs?pipelineVersion=3",
                                   {"ExperimentName": "ep"})
        self.assertEqual(status, 404, answer)

    def test_sdk_samples_run_unchanged(self):
        shutil.copytree(SAMPLES, self.ws, dirs_exist_ok=True)
        self.start_server()
        p = self.run_script("publish_rest.py")
        self.assertIn("disabled pipeline refused", p.stdout)
        rest_id, sdk_id = p.stdout.split("RUN_IDS ")[1].splitlines()[0].split()
        self.assertEqual(self.output_text(rest_id, "echo_output", "result.txt"), "v1 arg=20")
        self.assertEqual(self.output_text(sdk_id, "echo_output", "result.txt"), "v1 arg=30")
        p = self.run_script("versioned_endpoint.py")
        ids = p.stdout.split("RUN_IDS ")[1].splitlines()[0].split()
        self.assertEqual([self.output_text(i, "echo_output", "result.txt") for i in ids],
                         ["v0 arg=5", "v1 arg=6", "v1 arg=7", "v0 arg=8"])
        self.assertIn("renamed: PipelineEndpointRenamed", p.stdout)

    def test_drafts_round_trip(self):
        shutil.copytree(SAMPLES, self.ws, dirs_exist_ok=True)
        self.start_server()
        script = self.write("draft.py", """
            from azureml.core import Workspace
            from azureml.pipeline.core import Pipeline, PipelineData, PipelineDraft, PipelineParameter
            from azureml.pipeline.steps import PythonScriptStep

            ws = Workspace.from_config()
            param = PipelineParameter(name="pipeline_arg", default_value=1)
            out = PipelineData("echo_output", datastore=ws.get_default_datastore())
            step = PythonScriptStep(name="echo_step", script_name="echo.py",
                                    arguments=["--arg", param, "--output", out], outputs=[out],
                                    source_directory="publish_src")
            pipeline = Pipeline(workspace=ws, steps=[step])
            draft = PipelineDraft.create(ws, name="TestDraft", description="draft", experiment_name="DraftExp",
                                         pipeline=pipeline, pipeline_parameters={"pipeline_arg": 3},
                                         tags={"k": "v"})
            assert [d.id for d in PipelineDraft.list(ws)] == [draft.id]
            got = PipelineDraft.get(ws, draft.id)
            assert got.name == "TestDraft" and got.tags == {"k": "v"}, got
            got.update(pipeline_parameters={"pipeline_arg": 4}, description="changed")
            assert PipelineDraft.get(ws, draft.id).description == "changed"
            run = got.submit_run()
            run.wait_for_completion(show_output=False)
            assert PipelineDraft.get(ws, draft.id).last_submitted_pipeline_run_id == run.id
            published = got.publish()
            assert published.name == "TestDraft"
            got.delete()
            assert PipelineDraft.list(ws) == []
            print("DRAFT_RUN", run.id, published.id)
        """)
        p = self.run_script(script)
        run_id = p.stdout.split("DRAFT_RUN ")[1].split()[0]
        self.assertEqual(self.output_text(run_id, "echo_output", "result.txt"), "v1 arg=4")

    def test_submit_without_server_says_so(self):
        shutil.copytree(SAMPLES, self.ws, dirs_exist_ok=True)
        script = self.write("noserver.py", """
            from azureml.core import Workspace
            from azureml.pipeline.core import Pipeline, PipelineData, PipelineParameter, PublishedPipeline
            from azureml.pipeline.steps import PythonScriptStep
            ws = Workspace.from_config()
            out = PipelineData("echo_output", datastore=ws.get_default_datastore())
            step = PythonScriptStep(name="echo_step", script_name="echo.py", source_directory="publish_src",
                                    arguments=["--arg", PipelineParameter("a", "x"), "--output", out], outputs=[out])
            pub = Pipeline(ws, [step]).publish(name="offline")
            assert PublishedPipeline.get(ws, pub.id).parameters == {"a": "x"}
            pub.submit(ws, "e")
        """)
        p = self.run_script(script, expect=1, env={"RUNNEL_SERVER": "http://127.0.0.1:9"})
        self.assertIn("start it with `runnel serve`", p.stderr)


if __name__ == "__main__":
    unittest.main()
