# Modeled on the Azure ML tutorial notebook "Use Azure Machine Learning Pipelines for batch
# scoring" (machine-learning-pipelines-advanced/tutorial-pipeline-batch-scoring-
# classification), as a script: image and label FileDatasets registered, a model registered,
# a GPU AmlCompute, the azureml.contrib ParallelRunConfig/ParallelRunStep with models=,
# the scores downloaded, the run published and triggered over REST with requests, the new
# run followed with PipelineRun(experiment, id). The public blob container (cloud-only
# register_azure_blob_container) and the model download are replaced by local files; the
# REST part needs the workspace's server (`runnel serve`), as it needs Azure ML's service.
from azureml.core import Workspace
ws = Workspace.from_config()

from azureml.core.datastore import Datastore
batchscore_blob = ws.get_default_datastore()                 # instead of the public container
batchscore_blob.upload(src_dir="./data", target_path="batchscoring", overwrite=True, show_progress=False)
def_data_store = ws.get_default_datastore()

from azureml.core.dataset import Dataset
from azureml.pipeline.core import PipelineData
input_images = Dataset.File.from_files((batchscore_blob, "batchscoring/images/"))
label_ds = Dataset.File.from_files((batchscore_blob, "batchscoring/labels/*.txt"))
output_dir = PipelineData(name="scores", datastore=def_data_store, output_path_on_compute="batchscoring/results")
input_images = input_images.register(workspace=ws, name="input_images")
label_ds = label_ds.register(workspace=ws, name="label_ds")

import os
import shutil
from azureml.core.model import Model
model = Model.register(model_path="models/inception_v3.ckpt", model_name="inception",
                       tags={"pretrained": "inception"}, description="Imagenet trained tensorflow inception",
                       workspace=ws)
shutil.rmtree("models")

from azureml.core.compute import AmlCompute, ComputeTarget
from azureml.exceptions import ComputeTargetException
compute_name = "gpu-cluster"
try:
    compute_target = ComputeTarget(workspace=ws, name=compute_name)
except ComputeTargetException:
    config = AmlCompute.provisioning_configuration(vm_size="STANDARD_NC6", vm_priority="lowpriority",
                                                   min_nodes=0, max_nodes=1)
    compute_target = ComputeTarget.create(workspace=ws, name=compute_name, provisioning_configuration=config)
    compute_target.wait_for_completion(show_output=True, min_node_count=None, timeout_in_minutes=20)

from azureml.core import Environment
from azureml.core.conda_dependencies import CondaDependencies
from azureml.core.runconfig import DEFAULT_GPU_IMAGE
cd = CondaDependencies.create(pip_packages=["tensorflow-gpu==1.13.1", "azureml-defaults"])
env = Environment(name="parallelenv")
env.python.conda_dependencies = cd
env.docker.base_image = DEFAULT_GPU_IMAGE

from azureml.contrib.pipeline.steps import ParallelRunConfig
parallel_run_config = ParallelRunConfig(environment=env, entry_script="batch_scoring.py", source_directory="scripts",
                                        output_action="append_row", mini_batch_size="20", error_threshold=1,
                                        compute_target=compute_target, process_count_per_node=2, node_count=1)

from azureml.contrib.pipeline.steps import ParallelRunStep
from datetime import datetime
parallel_step_name = "batchscoring-" + datetime.now().strftime("%Y%m%d%H%M")
batch_score_step = ParallelRunStep(name=parallel_step_name, inputs=[input_images.as_named_input("input_images")],
                                   output=output_dir, models=[model],
                                   arguments=["--model_name", "inception", "--labels_name", "label_ds"],
                                   parallel_run_config=parallel_run_config, allow_reuse=False)

from azureml.core import Experiment
from azureml.pipeline.core import Pipeline
pipeline = Pipeline(workspace=ws, steps=[batch_score_step])
pipeline_run = Experiment(ws, "batch_scoring").submit(pipeline)
pipeline_run.wait_for_completion(show_output=True)

batch_run = next(pipeline_run.get_children())
batch_output = batch_run.get_output_data("scores")
batch_output.download(local_path="inception_results")
import pandas as pd
for root, dirs, files in os.walk("inception_results"):
    for file in files:
        if file.endswith("parallel_run_step.txt"):
            result_file = os.path.join(root, file)
df = pd.read_csv(result_file, delimiter=":", header=None)
df.columns = ["Filename", "Prediction"]
print("Prediction has ", df.shape[0], " rows")
print(df.head(10))
print("labels:", sorted(set(p.strip() for p in df.Prediction)))

published_pipeline = pipeline_run.publish_pipeline(name="Inception_v3_scoring",
                                                   description="Batch scoring using Inception v3 model",
                                                   version="1.0")
print(published_pipeline)

from azureml.core.authentication import InteractiveLoginAuthentication
interactive_auth = InteractiveLoginAuthentication()
auth_header = interactive_auth.get_authentication_header()

import requests
rest_endpoint = published_pipeline.endpoint
response = requests.post(rest_endpoint, headers=auth_header,
                         json={"ExperimentName": "batch_scoring", "ParameterAssignments": {"process_count_per_node": 6}})
try:
    response.raise_for_status()
except Exception:
    raise Exception("Received bad response from the endpoint: {}\nResponse Code: {}\nHeaders: {}\nContent: {}"
                    .format(rest_endpoint, response.status_code, response.headers, response.content))
run_id = response.json().get('Id')
print('Submitted pipeline run: ', run_id)

from azureml.pipeline.core.run import PipelineRun
from azureml.widgets import RunDetails
published_pipeline_run = PipelineRun(ws.experiments["batch_scoring"], run_id)
RunDetails(published_pipeline_run).show()
print("REST run:", published_pipeline_run.get_status())
