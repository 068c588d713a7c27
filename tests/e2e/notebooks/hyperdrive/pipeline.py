# Modeled on the Azure ML sample notebook "Azure Machine Learning Pipeline with
# HyperDriveStep" (intro-to-pipelines), as a script: data uploaded and made a FileDataset,
# a ScriptRunConfig trial with a curated environment, random sampling with a Bandit policy,
# a HyperDriveStep whose outputs are TrainingOutput("Metrics") and TrainingOutput("Model"),
# a registration step run after it, and the metrics read back through
# get_pipeline_output(). The MNIST download is replaced by small local files.
import azureml.core
from azureml.core import Workspace, Environment, Experiment, Datastore, Dataset, ScriptRunConfig
from azureml.core.compute import ComputeTarget, AmlCompute
from azureml.core.conda_dependencies import CondaDependencies
from azureml.core.runconfig import RunConfiguration
from azureml.exceptions import ComputeTargetException
from azureml.pipeline.steps import HyperDriveStep, HyperDriveStepRun, PythonScriptStep
from azureml.pipeline.core import Pipeline, PipelineData, TrainingOutput
from azureml.train.hyperdrive import RandomParameterSampling, BanditPolicy, HyperDriveConfig, PrimaryMetricGoal
from azureml.train.hyperdrive import choice, loguniform

import os
import shutil

print("SDK version:", azureml.core.VERSION)
ws = Workspace.from_config()
print(ws.name, ws.resource_group, ws.location, ws.subscription_id, sep='\n')

script_folder = './tf-mnist'
os.makedirs(script_folder, exist_ok=True)
exp = Experiment(workspace=ws, name='Hyperdrive_sample')

datastore = ws.get_default_datastore()
datastore.upload(src_dir='./data', target_path='mnist', overwrite=True, show_progress=True)
dataset = Dataset.File.from_files(datastore.path('mnist'))

cluster_name = "amlcomp"
try:
    compute_target = ComputeTarget(workspace=ws, name=cluster_name)
    print('Found existing compute target {}.'.format(cluster_name))
except ComputeTargetException:
    print('Creating a new compute target...')
    compute_config = AmlCompute.provisioning_configuration(vm_size="Standard_NC6s_v3", max_nodes=4)
    compute_target = ComputeTarget.create(ws, cluster_name, compute_config)
compute_target.wait_for_completion(show_output=True, timeout_in_minutes=20)
print("Azure Machine Learning Compute attached")

cpu_cluster_name = "cpu-cluster"
try:
    cpu_cluster = ComputeTarget(workspace=ws, name=cpu_cluster_name)
    print("Found existing cpu-cluster")
except ComputeTargetException:
    print("Creating new cpu-cluster")
    compute_config = AmlCompute.provisioning_configuration(vm_size="STANDARD_D2_V2", min_nodes=0, max_nodes=4)
    cpu_cluster = ComputeTarget.create(ws, cpu_cluster_name, compute_config)
cpu_cluster.wait_for_completion(show_output=True)

shutil.copy('./train_mnist.py', script_folder)

tf_env = Environment.get(ws, name='AzureML-tensorflow-2.16-cuda12')
data_folder = dataset.as_mount()
src = ScriptRunConfig(source_directory=script_folder, script='train_mnist.py',
                      arguments=['--data-folder', data_folder], compute_target=compute_target,
                      environment=tf_env)

ps = RandomParameterSampling({
    '--batch-size': choice(25, 50, 100),
    '--first-layer-neurons': choice(10, 50, 200, 300, 500),
    '--second-layer-neurons': choice(10, 50, 200, 500),
    '--learning-rate': loguniform(-6, -1),
})
early_termination_policy = BanditPolicy(evaluation_interval=2, slack_factor=0.1)
hd_config = HyperDriveConfig(run_config=src, hyperparameter_sampling=ps, policy=early_termination_policy,
                             primary_metric_name='validation_acc',
                             primary_metric_goal=PrimaryMetricGoal.MAXIMIZE,
                             max_total_runs=4, max_concurrent_runs=4)

metrics_output_name = 'metrics_output'
metrics_data = PipelineData(name='metrics_data', datastore=datastore,
                            pipeline_output_name=metrics_output_name,
                            training_output=TrainingOutput("Metrics"))
model_output_name = 'model_output'
saved_model = PipelineData(name='saved_model', datastore=datastore, pipeline_output_name=model_output_name,
                           training_output=TrainingOutput("Model", model_file="outputs/model/saved_model.pb"))

hd_step_name = 'hd_step01'
hd_step = HyperDriveStep(name=hd_step_name, hyperdrive_config=hd_config, inputs=[data_folder],
                         outputs=[metrics_data, saved_model])

conda_dep = CondaDependencies()
conda_dep.add_pip_package("azureml-sdk")
rcfg = RunConfiguration(conda_dependencies=conda_dep)
register_model_step = PythonScriptStep(script_name='register_model.py', name="register_model_step01",
                                       inputs=[saved_model], compute_target=cpu_cluster,
                                       arguments=["--saved-model", saved_model], allow_reuse=True,
                                       runconfig=rcfg)
register_model_step.run_after(hd_step)

pipeline = Pipeline(workspace=ws, steps=[hd_step, register_model_step])
pipeline_run = exp.submit(pipeline)

from azureml.widgets import RunDetails
RunDetails(pipeline_run).show()
pipeline_run.wait_for_completion()

metrics_output = pipeline_run.get_pipeline_output(metrics_output_name)
num_file_downloaded = metrics_output.download('.', show_progress=True)

import pandas as pd
import json
with open(metrics_output._path_on_datastore) as f:
    metrics_output_result = f.read()
deserialized_metrics_output = json.loads(metrics_output_result)
df = pd.DataFrame(deserialized_metrics_output)
print(df)
print("trials in metrics:", len(deserialized_metrics_output))

# Beyond the notebook (its next steps in the HyperDrive how-tos): the best trial and the
# registered model.
hd_step_run = HyperDriveStepRun(step_run=pipeline_run.find_step_run(hd_step_name)[0])
best_run = hd_step_run.get_best_run_by_primary_metric()
print("best run:", best_run.id, best_run.get_metrics()['validation_acc'][-1])
from azureml.core import Model
model = Model(ws, name='tf-dnn-mnist')
print("model:", model.name, model.version, sorted(os.listdir(model.path)))
