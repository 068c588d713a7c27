# Modeled on the Azure ML sample notebook "Using Azure Machine Learning Pipelines for Batch
# Inference for CSV Files" (parallel-run/tabular-dataset-inference-iris), as a script: an
# AmlCompute, a registered TabularDataset over a folder of CSV files, a pretrained model
# registered with Model.register, a ParallelRunConfig (append_row) and ParallelRunStep
# whose entry script loads the model with Model.get_model_path, the results downloaded
# from the step's output. The notebook's two public blob containers (cloud-only
# register_azure_blob_container lines) are replaced by uploads to the default datastore.
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
iris_data = ws.get_default_datastore()                       # instead of the public container
iris_data.upload(src_dir="./iris", target_path="iris", overwrite=True, show_progress=False)

from azureml.core.dataset import Dataset
iris_ds_name = 'iris_data'
path_on_datastore = iris_data.path('iris/')
input_iris_ds = Dataset.Tabular.from_delimited_files(path=path_on_datastore, validate=False)
registered_iris_ds = input_iris_ds.register(ws, iris_ds_name, create_new_version=True)
named_iris_ds = registered_iris_ds.as_named_input(iris_ds_name)

from azureml.pipeline.core import PipelineData
datastore = ws.get_default_datastore()
output_folder = PipelineData(name='inferences', datastore=datastore)

model_datastore = ws.get_default_datastore()                 # instead of the public container
model_datastore.upload(src_dir="./model_store", target_path="", overwrite=True, show_progress=False)

from azureml.core.model import Model
model_datastore.download("iris_model.pkl")
model = Model.register(model_path="iris_model.pkl/iris_model.pkl", model_name="iris-prs",
                       tags={'pretrained': "iris"}, workspace=ws)

scripts_folder = "Code"
script_file = "iris_score.py"
with open(os.path.join(scripts_folder, script_file)) as inference_file:
    print(inference_file.read())

from azureml.core import Environment
from azureml.core.runconfig import CondaDependencies

predict_conda_deps = CondaDependencies.create(pip_packages=["scikit-learn==0.20.3", "azureml-core",
                                                            "azureml-dataprep[pandas,fuse]"])
predict_env = Environment(name="predict_environment")
predict_env.python.conda_dependencies = predict_conda_deps
predict_env.docker.enabled = True
predict_env.spark.precache_packages = False

from azureml.pipeline.steps import ParallelRunStep, ParallelRunConfig
parallel_run_config = ParallelRunConfig(source_directory=scripts_folder, entry_script=script_file,
                                        mini_batch_size='5MB', error_threshold=5, output_action='append_row',
                                        append_row_file_name="iris_outputs.txt", environment=predict_env,
                                        compute_target=compute_target, node_count=3, run_invocation_timeout=600)
distributed_csv_iris_step = ParallelRunStep(name='example-iris', inputs=[named_iris_ds], output=output_folder,
                                            parallel_run_config=parallel_run_config,
                                            arguments=['--model_name', 'iris-prs'], allow_reuse=True)

from azureml.core import Experiment
from azureml.pipeline.core import Pipeline
pipeline = Pipeline(workspace=ws, steps=[distributed_csv_iris_step])
pipeline_run = Experiment(ws, 'iris-prs').submit(pipeline)
print(pipeline_run)

from azureml.widgets import RunDetails
RunDetails(pipeline_run).show()
pipeline_run.wait_for_completion(show_output=True)

import pandas as pd
import shutil
shutil.rmtree("iris_results", ignore_errors=True)
prediction_run = next(pipeline_run.get_children())
prediction_output = prediction_run.get_output_data("inferences")
prediction_output.download(local_path="iris_results")
for root, dirs, files in os.walk("iris_results"):
    for file in files:
        if file.endswith('iris_outputs.txt'):
            result_file = os.path.join(root, file)
df = pd.read_csv(result_file, delimiter=" ", header=None)
df.columns = ["sepal.length", "sepal.width", "petal.length", "petal.width", "variety"]
print("Prediction has ", df.shape[0], " rows")
random_subset = df.sample(n=20)
print(random_subset.head(20))
print("varieties:", sorted(df["variety"].unique()))
