# Modeled on the Azure ML sample notebook "How to Publish a Pipeline and Invoke the REST
# endpoint" (intro-to-pipelines), as a script: a FileDataset from upload_files' result,
# OutputFileDatasetConfig between three steps (one registered on completion), a
# PipelineParameter, publish, publish_pipeline from a run, PublishedPipeline.get and a
# REST trigger with requests. Needs the workspace's server (`runnel serve`) for the REST part.
import azureml.core
from azureml.core import Workspace, Experiment, Datastore, Dataset
from azureml.core.compute import AmlCompute, ComputeTarget
from azureml.core.compute_target import ComputeTargetException
from azureml.data import OutputFileDatasetConfig
from azureml.pipeline.core import Pipeline, PipelineParameter
from azureml.pipeline.steps import PythonScriptStep

print("SDK version:", azureml.core.VERSION)
ws = Workspace.from_config()
def_blob_store = Datastore(ws, "workspaceblobstore")

cluster = "cpu-cluster"
try:
    aml_compute = AmlCompute(ws, cluster)
    print("found existing compute target.")
except ComputeTargetException:
    print("creating new compute target")
    config = AmlCompute.provisioning_configuration(vm_size="STANDARD_D2_V2", min_nodes=1, max_nodes=4)
    aml_compute = ComputeTarget.create(ws, cluster, config)
    aml_compute.wait_for_completion(show_output=True, min_node_count=None, timeout_in_minutes=20)

data_path = def_blob_store.upload_files(["./20news.pkl"], target_path="20newsgroups", overwrite=True)
blob_input_data = Dataset.File.from_files(data_path).as_named_input("test_data")
print("Dataset created")
processed_data1 = OutputFileDatasetConfig(name="processed_data1")

trainStep = PythonScriptStep(script_name="train.py",
                             arguments=["--input_data", blob_input_data.as_mount(), "--output_train", processed_data1],
                             compute_target=aml_compute, source_directory="publish_run_train")
processed_data2 = OutputFileDatasetConfig(name="processed_data2")
extractStep = PythonScriptStep(script_name="extract.py",
                               arguments=["--input_extract", processed_data1.as_input(), "--output_extract",
                                          processed_data2],
                               compute_target=aml_compute, source_directory="publish_run_extract")
pipeline_param = PipelineParameter(name="pipeline_arg", default_value=10)
processed_data3 = OutputFileDatasetConfig(name="processed_data3")
processed_data3 = processed_data3.register_on_complete("compare_result")
compareStep = PythonScriptStep(script_name="compare.py",
                               arguments=["--compare_data1", processed_data1.as_input(), "--compare_data2",
                                          processed_data2.as_input(), "--output_compare", processed_data3,
                                          "--pipeline_param", pipeline_param],
                               compute_target=aml_compute, source_directory="publish_run_compare")
pipeline1 = Pipeline(workspace=ws, steps=[compareStep])
print("Pipeline is built")

published_pipeline1 = pipeline1.publish(name="My_New_Pipeline", description="My Published Pipeline Description",
                                        continue_on_step_failure=True)
print(published_pipeline1)

pipeline_run1 = Experiment(ws, 'Pipeline_experiment').submit(pipeline1)
published_pipeline2 = pipeline_run1.publish_pipeline(name="My_New_Pipeline2",
                                                     description="My Published Pipeline Description",
                                                     version="0.1", continue_on_step_failure=True)
print(published_pipeline2)

from azureml.pipeline.core import PublishedPipeline
pipeline_id = published_pipeline1.id
published_pipeline = PublishedPipeline.get(ws, pipeline_id)
print(published_pipeline)

from azureml.core.authentication import InteractiveLoginAuthentication
import requests
auth = InteractiveLoginAuthentication()
aad_token = auth.get_authentication_header()
rest_endpoint1 = published_pipeline.endpoint
print("You can perform HTTP POST on URL {} to trigger this pipeline".format(rest_endpoint1))
response = requests.post(rest_endpoint1, headers=aad_token,
                         json={"ExperimentName": "My_Pipeline1", "RunSource": "SDK",
                               "ParameterAssignments": {"pipeline_arg": 45}})
try:
    response.raise_for_status()
except Exception:
    raise Exception('Received bad response from the endpoint: {}\nResponse Code: {}\nHeaders: {}\nContent: {}'
                    .format(rest_endpoint1, response.status_code, response.headers, response.content))
run_id = response.json().get('Id')
print('Submitted pipeline run: ', run_id)

# Beyond the notebook: both runs' outcomes.
pipeline_run1.wait_for_completion(show_output=False)
from azureml.pipeline.core.run import PipelineRun
rest_run = PipelineRun(ws.experiments["My_Pipeline1"], run_id)
rest_run.wait_for_completion(show_output=False)
for run in (pipeline_run1, rest_run):
    step = run.find_step_run("compare.py")[0]
    print(run.experiment.name, run.get_status(), step.get_metrics())
print("registered:", Dataset.get_by_name(ws, "compare_result").name)
