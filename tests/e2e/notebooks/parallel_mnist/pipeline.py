# Modeled on the Azure ML sample notebook "Using Azure Machine Learning Pipelines for Batch
# Inference" (parallel-run/file-dataset-image-inference-mnist), as a script: a FileDataset
# of images as a PipelineParameter consumed as_mount, a model folder registered with
# Model.register, a ParallelRunConfig whose mini_batch_size and process_count_per_node are
# PipelineParameters, the results read from the step output, and a second submit with one
# image and other parameter values. The public blob container (cloud-only
# register_azure_blob_container) and the model download are replaced by local files.
from azureml.core import Workspace

ws = Workspace.from_config()
print('Workspace name: ' + ws.name, 'Azure region: ' + ws.location, 'Subscription id: ' + ws.subscription_id,
      'Resource group: ' + ws.resource_group, sep='\n')

import os
from azureml.core.compute import AmlCompute, ComputeTarget

compute_name = os.environ.get("AML_COMPUTE_CLUSTER_NAME", "cpu-cluster")
compute_min_nodes = os.environ.get("AML_COMPUTE_CLUSTER_MIN_NODES", 0)
compute_max_nodes = os.environ.get("AML_COMPUTE_CLUSTER_MAX_NODES", 4)
vm_size = os.environ.get("AML_COMPUTE_CLUSTER_SKU", "STANDARD_D2_V2")
if compute_name in ws.compute_targets:
    compute_target = ws.compute_targets[compute_name]
    if compute_target and type(compute_target) is AmlCompute:
        print('found compute target. just use it. ' + compute_name)
else:
    print('creating a new compute target...')
    provisioning_config = AmlCompute.provisioning_configuration(vm_size=vm_size, min_nodes=compute_min_nodes,
                                                                max_nodes=compute_max_nodes)
    compute_target = ComputeTarget.create(ws, compute_name, provisioning_config)
    compute_target.wait_for_completion(show_output=True, min_node_count=None, timeout_in_minutes=20)
    print(compute_target.get_status().serialize())

from azureml.core.datastore import Datastore
mnist_data = ws.get_default_datastore()                      # instead of the public container
mnist_data.upload(src_dir="./mnist", target_path="mnist", overwrite=True, show_progress=False)
def_data_store = ws.get_default_datastore()

from azureml.core.dataset import Dataset
mnist_ds_name = 'mnist_sample_data'
path_on_datastore = mnist_data.path('mnist')
input_mnist_ds = Dataset.File.from_files(path=path_on_datastore, validate=False)

from azureml.data.dataset_consumption_config import DatasetConsumptionConfig
from azureml.pipeline.core import PipelineParameter
pipeline_param = PipelineParameter(name="mnist_param", default_value=input_mnist_ds)
input_mnist_ds_consumption = DatasetConsumptionConfig("minist_param_config", pipeline_param).as_mount()

from azureml.pipeline.core import Pipeline, PipelineData
output_dir = PipelineData(name="inferences", datastore=def_data_store)

model_dir = 'models'                                         # instead of the model download
print(os.listdir(model_dir))

from azureml.core.model import Model
model = Model.register(model_path="models/", model_name="mnist-prs", tags={'pretrained': "mnist"},
                       description="Mnist trained tensorflow model", workspace=ws)

scripts_folder = "Code"
script_file = "digit_identification.py"
with open(os.path.join(scripts_folder, script_file)) as inference_file:
    print(inference_file.read())

from azureml.core import Environment
from azureml.core.runconfig import CondaDependencies, DEFAULT_CPU_IMAGE
batch_conda_deps = CondaDependencies.create(python_version="3.7", conda_packages=['pip==20.2.4'],
                                            pip_packages=["tensorflow==1.15.2", "pillow", "azureml-core",
                                                          "azureml-dataset-runtime[fuse]"])
batch_env = Environment(name="batch_environment")
batch_env.python.conda_dependencies = batch_conda_deps
batch_env.docker.base_image = DEFAULT_CPU_IMAGE

from azureml.pipeline.steps import ParallelRunStep, ParallelRunConfig
parallel_run_config = ParallelRunConfig(
    source_directory=scripts_folder, entry_script=script_file,
    mini_batch_size=PipelineParameter(name="batch_size_param", default_value="5"),
    error_threshold=10, output_action="append_row", append_row_file_name="mnist_outputs.txt",
    environment=batch_env, compute_target=compute_target,
    process_count_per_node=PipelineParameter(name="process_count_param", default_value=2), node_count=2)
parallelrun_step = ParallelRunStep(name="predict-digits-mnist", parallel_run_config=parallel_run_config,
                                   inputs=[input_mnist_ds_consumption], output=output_dir, allow_reuse=False)

from azureml.core import Experiment
pipeline = Pipeline(workspace=ws, steps=[parallelrun_step])
experiment = Experiment(ws, 'digit_identification')
pipeline_run = experiment.submit(pipeline)
print(pipeline_run)
pipeline_run.wait_for_completion(show_output=True)

import pandas as pd
import tempfile


def results(run):
    batch_run = run.find_step_run(parallelrun_step.name)[0]
    batch_output = batch_run.get_output_data(output_dir.name)
    target_dir = tempfile.mkdtemp()
    batch_output.download(local_path=target_dir)
    result_file = os.path.join(target_dir, batch_output.path_on_datastore, parallel_run_config.append_row_file_name)
    df = pd.read_csv(result_file, delimiter=":", header=None)
    df.columns = ["Filename", "Prediction"]
    print("Prediction has ", df.shape[0], " rows")
    print(df.head(10))
    print("mini-batches:", len(list(batch_run.get_children())))
    return df


df = results(pipeline_run)
print("predictions:", sorted(zip(df.Filename, df.Prediction))[:3])

path_on_datastore = mnist_data.path('mnist/0.png')
single_image_ds = Dataset.File.from_files(path=path_on_datastore, validate=False)
pipeline_run_2 = experiment.submit(pipeline, pipeline_parameters={"mnist_param": single_image_ds,
                                                                  "batch_size_param": "1",
                                                                  "process_count_param": 1})
print(pipeline_run_2)
pipeline_run_2.wait_for_completion(show_output=True)
df2 = results(pipeline_run_2)
