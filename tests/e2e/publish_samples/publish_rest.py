# Publish a pipeline and run it through its REST endpoint, as Azure ML's
# "aml-pipelines-publish-and-run-using-rest-endpoint" notebook does (with urllib in place
# of requests). Runs unchanged against a runnel workspace with `runnel serve` up.
import json
import urllib.request

from azureml.core import Workspace, Experiment
from azureml.core.authentication import InteractiveLoginAuthentication
from azureml.pipeline.core import Pipeline, PipelineData, PipelineParameter, PublishedPipeline
from azureml.pipeline.core.run import PipelineRun
from azureml.pipeline.steps import PythonScriptStep

ws = Workspace.from_config()
print(ws.name, "loaded")
def_blob_store = ws.get_default_datastore()

pipeline_param = PipelineParameter(name="pipeline_arg", default_value=10)
output = PipelineData("echo_output", datastore=def_blob_store)
step = PythonScriptStep(name="echo_step", script_name="echo.py",
                        arguments=["--arg", pipeline_param, "--output", output],
                        outputs=[output], source_directory="publish_src", allow_reuse=True)
pipeline1 = Pipeline(workspace=ws, steps=[step])
print("Pipeline is built")

published_pipeline1 = pipeline1.publish(name="My_New_Pipeline", description="My Published Pipeline Description",
                                        continue_on_step_failure=True)
print(published_pipeline1)
print("Published pipeline id:", published_pipeline1.id)

# Get the published pipeline by id and list them.
fetched = PublishedPipeline.get(ws, id=published_pipeline1.id)
assert fetched.name == "My_New_Pipeline", fetched.name
assert any(p.id == published_pipeline1.id for p in PublishedPipeline.list(ws))

auth = InteractiveLoginAuthentication()
aad_token = auth.get_authentication_header()

rest_endpoint1 = published_pipeline1.endpoint
print("You can perform HTTP POST on URL {} to trigger this pipeline".format(rest_endpoint1))

body = json.dumps({"ExperimentName": "My_Pipeline", "RunSource": "SDK",
                   "ParameterAssignments": {"pipeline_arg": 20}}).encode()
request = urllib.request.Request(rest_endpoint1, data=body, method="POST",
                                 headers=dict(aad_token, **{"Content-Type": "application/json"}))
response = json.loads(urllib.request.urlopen(request).read())
run_id = response["Id"]
print("Submitted pipeline run:", run_id)

published_pipeline_run = PipelineRun(ws.experiments["My_Pipeline"], run_id)
published_pipeline_run.wait_for_completion(show_output=False)
print("REST run", published_pipeline_run.get_status())

# The same through the SDK, with another value.
pipeline_run = published_pipeline1.submit(ws, experiment_name="My_Pipeline",
                                          pipeline_parameters={"pipeline_arg": 30})
pipeline_run.wait_for_completion(show_output=False)
print("SDK run", pipeline_run.get_status())

# Disabled pipelines cannot be submitted.
published_pipeline1.disable()
try:
    published_pipeline1.submit(ws, experiment_name="My_Pipeline")
    print("disabled pipeline submitted (unexpected)")
except Exception:  # the server answers 409
    print("disabled pipeline refused")
published_pipeline1.enable()
print("RUN_IDS", run_id, pipeline_run.id)
