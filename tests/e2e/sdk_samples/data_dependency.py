# In the style of the Azure ML sample notebook "Azure Machine Learning Pipelines with Data
# Dependency" (how-to-use-azureml/machine-learning-pipelines/intro-to-pipelines), as a
# script: a DataReference input, PipelineData between three PythonScriptSteps, an
# AmlCompute cluster, RunDetails and the step runs' statuses. No runnel-specific line.
import azureml.core
from azureml.core import Workspace, Datastore, Experiment
from azureml.core.compute import AmlCompute
from azureml.core.compute import ComputeTarget
from azureml.data.data_reference import DataReference
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.steps import PythonScriptStep
from azureml.widgets import RunDetails

print("SDK version:", azureml.core.VERSION)

ws = Workspace.from_config()
print(ws.name, ws.resource_group, ws.location, ws.subscription_id, sep='\n')

# Default datastore (Azure blob storage)
def_blob_store = ws.get_default_datastore()
print("Blobstore's name: {}".format(def_blob_store.name))

def_blob_store.upload_files(["./20news.pkl"], target_path="20newsgroups", overwrite=True)
print("Upload call completed")

amlcompute_cluster_name = "cpu-cluster"

found = False
cts = ws.compute_targets
if amlcompute_cluster_name in cts and cts[amlcompute_cluster_name].type == 'AmlCompute':
    found = True
    print('Found existing compute target.')
    aml_compute = cts[amlcompute_cluster_name]

if not found:
    print('Creating a new compute target...')
    provisioning_config = AmlCompute.provisioning_configuration(vm_size="STANDARD_D2_V2",
                                                                max_nodes=4)
    aml_compute = ComputeTarget.create(ws, amlcompute_cluster_name, provisioning_config)
    aml_compute.wait_for_completion(show_output=True, min_node_count=None, timeout_in_minutes=20)

print("Azure Machine Learning Compute attached")

# Reference the data uploaded to blob storage using DataReference
blob_input_data = DataReference(
    datastore=def_blob_store,
    data_reference_name="test_data",
    path_on_datastore="20newsgroups/20news.pkl")
print("DataReference object created")

processed_data1 = PipelineData("processed_data1", datastore=def_blob_store)
print("PipelineData object created")

source_directory = "data_dependency_run_train"
trainStep = PythonScriptStep(
    script_name="train.py",
    arguments=["--input_data", blob_input_data, "--output_train", processed_data1],
    inputs=[blob_input_data],
    outputs=[processed_data1],
    compute_target=aml_compute,
    source_directory=source_directory
)
print("trainStep created")

processed_data2 = PipelineData("processed_data2", datastore=def_blob_store)
source_directory = "data_dependency_run_extract"

extractStep = PythonScriptStep(
    script_name="extract.py",
    arguments=["--input_extract", processed_data1, "--output_extract", processed_data2],
    inputs=[processed_data1],
    outputs=[processed_data2],
    compute_target=aml_compute,
    source_directory=source_directory)
print("extractStep created")

processed_data3 = PipelineData("processed_data3", datastore=def_blob_store)
source_directory = "data_dependency_run_train"

compareStep = PythonScriptStep(
    script_name="compare.py",
    arguments=["--compare_data1", processed_data1, "--compare_data2", processed_data2,
               "--output_compare", processed_data3],
    inputs=[processed_data1, processed_data2],
    outputs=[processed_data3],
    compute_target=aml_compute,
    source_directory=source_directory)
print("compareStep created")

pipeline1 = Pipeline(workspace=ws, steps=[compareStep])
print("Pipeline is built")

pipeline1.validate()
print("Simple validation complete")

pipeline_run1 = Experiment(ws, 'Data_dependency').submit(pipeline1)
print("Pipeline is submitted for execution")

RunDetails(pipeline_run1).show()

pipeline_run1.wait_for_completion()

step_runs = pipeline_run1.get_children()
for step_run in step_runs:
    status = step_run.get_status()
    print('Script:', step_run.name, 'status:', status)

    # Change this if you want to see details even if the Step has succeeded.
    if status == "Failed":
        joblog = step_run.get_job_log()
        print('job log:', joblog)
