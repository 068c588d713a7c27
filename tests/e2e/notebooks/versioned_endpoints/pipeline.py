# Modeled on the Azure ML sample notebook "How to setup a versioned Pipeline Endpoint"
# (intro-to-pipelines), as a script, closer to the notebook than
# tests/e2e/publish_samples/versioned_endpoint.py: PipelineEndpoint.publish from a Pipeline,
# get by name and id, get_all, default versions, get_pipeline, add, set_default,
# get_all_versions, get_all_pipelines, set_name, REST triggers on the endpoint URL edited
# as the notebook does (by id with a version, by name), submit, Experiment.submit(endpoint).
from azureml.core import Workspace
from azureml.core import Experiment
from azureml.pipeline.core import Pipeline
from azureml.pipeline.steps import PythonScriptStep
from azureml.core.compute import AmlCompute, ComputeTarget
from azureml.core.compute_target import ComputeTargetException

ws = Workspace.from_config()
cluster = "cpu-cluster"
try:
    aml_compute = AmlCompute(ws, cluster)
    print("Found existing compute target: {}".format(cluster))
except ComputeTargetException:
    print("Creating new compute target: {}".format(cluster))
    config = AmlCompute.provisioning_configuration(vm_size="STANDARD_D2_V2", min_nodes=1, max_nodes=4)
    aml_compute = ComputeTarget.create(ws, cluster, config)
    aml_compute.wait_for_completion(show_output=True, min_node_count=None, timeout_in_minutes=20)

source_directory = 'publish_run_train'
trainStep = PythonScriptStep(name="Training_Step", script_name="train.py", compute_target=cluster,
                             source_directory=source_directory)
print("TrainStep created")
pipeline = Pipeline(workspace=ws, steps=[trainStep])
print("Pipeline is built")

from datetime import datetime
pipeline_name = datetime.now().strftime('%m-%d-%Y-%H-%M') + "-Pipeline"
published_pipeline = pipeline.publish(name=pipeline_name, description=pipeline_name)
print("Newly published pipeline id: {}".format(published_pipeline.id))

from azureml.pipeline.core import PipelineEndpoint
pipeline_endpoint = PipelineEndpoint.publish(workspace=ws, name="PipelineEndpointTest", pipeline=pipeline,
                                             description="Test description Notebook")
print(pipeline_endpoint)

pipeline_endpoint_by_name = PipelineEndpoint.get(workspace=ws, name="PipelineEndpointTest")
endpoint_id = pipeline_endpoint_by_name.id
pipeline_endpoint_by_id = PipelineEndpoint.get(workspace=ws, id=endpoint_id)
print(pipeline_endpoint_by_id)
endpoint_list = PipelineEndpoint.get_all(workspace=ws, active_only=True)
print("endpoints:", len(endpoint_list))

default_version = pipeline_endpoint_by_name.get_default_version()
print("default version:", default_version)
pipeline_endpoint_by_name.set_default_version("0")
print(pipeline_endpoint_by_name.get_pipeline("0"))
print(pipeline_endpoint_by_name.get_pipeline())

pipeline_endpoint_by_name.add(published_pipeline)
pipeline_endpoint_by_name.set_default(published_pipeline)
versions = pipeline_endpoint_by_name.get_all_versions()
for ve in versions:
    print(ve.version)
    print(ve.pipeline.id)
print("default after set_default:", pipeline_endpoint_by_name.get_default_version())
pipelines = pipeline_endpoint_by_name.get_all_pipelines(active_only=True)
print("pipelines:", len(pipelines))

pipeline_endpoint_by_name.set_name(name="NewName")

pipeline_endpoint_by_name = PipelineEndpoint.get(workspace=ws, name="NewName")
rest_endpoint_id = pipeline_endpoint_by_name.endpoint
rest_endpoint_id_without_version_with_id = rest_endpoint_id
version = "0"
rest_endpoint_id_with_version = rest_endpoint_id_without_version_with_id + "/" + version
print(rest_endpoint_id_with_version)

rest_endpoint_name = rest_endpoint_id.split("Id", 1)[0] + "Name?name=" + pipeline_endpoint_by_name.name
rest_endpoint_name_without_version = rest_endpoint_name
rest_endpoint_name_with_version = rest_endpoint_name_without_version + "&pipelineVersion=" + version
print(rest_endpoint_name_with_version)

from azureml.core.authentication import InteractiveLoginAuthentication
import requests
auth = InteractiveLoginAuthentication()
aad_token = auth.get_authentication_header()
print("You can perform HTTP POST on URL {} to trigger this pipeline".format(rest_endpoint_name_with_version))
response = requests.post(rest_endpoint_name_with_version, headers=aad_token,
                         json={"ExperimentName": "default_pipeline", "RunSource": "SDK",
                               "ParameterAssignments": {"1": "united", "2": "city"}})
run_id = response.json()["Id"]
print(run_id)
# Beyond the notebook: the id URL with a version works too.
response = requests.post(rest_endpoint_id_with_version, headers=aad_token, json={"ExperimentName": "default_pipeline"})
print("by id:", response.status_code, response.json()["Id"])

run_id = pipeline_endpoint_by_name.submit("NewName", pipeline_version="0")
print(run_id)
run_id = pipeline_endpoint_by_name.submit("NewName")
print(run_id)

pipeline_run = Experiment(ws, name="submit_from_endpoint").submit(pipeline_endpoint_by_name, tags={'endpoint_tag': "1"},
                                                                  pipeline_version="0")
pipeline_run.wait_for_completion(show_output=False)
print("experiment submit:", pipeline_run.get_status(), pipeline_run.get_tags().get("endpoint_tag"))
