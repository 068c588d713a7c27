# A versioned PipelineEndpoint, as Azure ML's "aml-pipelines-setup-versioned-pipeline-
# endpoints" notebook does (urllib in place of requests).
import json
import urllib.request

from azureml.core import Workspace
from azureml.core.authentication import InteractiveLoginAuthentication
from azureml.pipeline.core import Pipeline, PipelineData, PipelineEndpoint, PipelineParameter, PublishedPipeline
from azureml.pipeline.steps import PythonScriptStep

ws = Workspace.from_config()


def build(label):
    param = PipelineParameter(name="pipeline_arg", default_value=1)
    out = PipelineData("echo_output", datastore=ws.get_default_datastore())
    step = PythonScriptStep(name="echo_step", script_name="echo.py",
                            arguments=["--arg", param, "--label", label, "--output", out],
                            outputs=[out], source_directory="publish_src")
    return Pipeline(workspace=ws, steps=[step])


published_pipeline = build("v0").publish(name="Pipeline_v0", description="first version")
pipeline_endpoint = PipelineEndpoint.publish(workspace=ws, name="PipelineEndpointTest",
                                             pipeline=published_pipeline, description="Test description Notebook")
print(pipeline_endpoint)

pipeline_endpoint_by_name = PipelineEndpoint.get(workspace=ws, name="PipelineEndpointTest")
pipeline_endpoint_by_id = PipelineEndpoint.get(workspace=ws, id=pipeline_endpoint.id)
assert pipeline_endpoint_by_id.name == "PipelineEndpointTest"

published_pipeline_v1 = build("v1").publish(name="Pipeline_v1", description="second version")
pipeline_endpoint_by_name.add(published_pipeline_v1)
print("versions:", [(v.version, v.pipeline_id == published_pipeline_v1.id) for v in pipeline_endpoint_by_name.list_versions()])
print("default version:", pipeline_endpoint_by_name.get_default_version())
assert pipeline_endpoint_by_name.get_pipeline(version="1").id == published_pipeline_v1.id
assert len(pipeline_endpoint_by_name.list_pipelines()) == 2

run_default = pipeline_endpoint_by_name.submit("PipelineEndpointExperiment", pipeline_parameters={"pipeline_arg": 5})
run_default.wait_for_completion(show_output=False)
run_v1 = pipeline_endpoint_by_name.submit("PipelineEndpointExperiment", pipeline_parameters={"pipeline_arg": 6},
                                          pipeline_version="1")
run_v1.wait_for_completion(show_output=False)

pipeline_endpoint_by_name.set_default_version("1")
run_switched = pipeline_endpoint_by_name.submit("PipelineEndpointExperiment", pipeline_parameters={"pipeline_arg": 7})
run_switched.wait_for_completion(show_output=False)

# REST by endpoint, with a version in the body.
auth = InteractiveLoginAuthentication()
aad_token = auth.get_authentication_header()
rest_endpoint = pipeline_endpoint_by_name.endpoint
body = json.dumps({"ExperimentName": "PipelineEndpointExperiment", "ParameterAssignments": {"pipeline_arg": 8},
                   "PipelineVersion": "0"}).encode()
request = urllib.request.Request(rest_endpoint, data=body, method="POST",
                                 headers=dict(aad_token, **{"Content-Type": "application/json"}))
rest_run_id = json.loads(urllib.request.urlopen(request).read())["Id"]
print("RUN_IDS", run_default.id, run_v1.id, run_switched.id, rest_run_id)

pipeline_endpoint_by_name.archive()
assert PipelineEndpoint.get(workspace=ws, name="PipelineEndpointTest").status == "Disabled"
pipeline_endpoint_by_name.reactivate(name="PipelineEndpointRenamed")
print("renamed:", PipelineEndpoint.get(workspace=ws, id=pipeline_endpoint.id).name)
