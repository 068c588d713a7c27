# Modeled on the Azure ML sample notebook "How to use CommandStep in Azure ML Pipelines"
# (intro-to-pipelines), as a script: a GPU AmlCompute found or created, a curated
# environment, a ScriptRunConfig with command= and an MpiConfiguration, a CommandStep built
# from it, the pipeline submitted and followed with RunDetails.
import azureml.core
print("Azure ML SDK Version: ", azureml.core.VERSION)

from azureml.core import Workspace
ws = Workspace.from_config()
print('Workspace name: ' + ws.name, 'Azure region: ' + ws.location, 'Subscription id: ' + ws.subscription_id,
      'Resource group: ' + ws.resource_group, sep='\n')

from azureml.core.compute import ComputeTarget, AmlCompute
from azureml.core.compute_target import ComputeTargetException

cluster_name = "gpu-cluster"
try:
    gpu_cluster = ComputeTarget(workspace=ws, name=cluster_name)
    print('Found existing compute target')
except ComputeTargetException:
    print('Creating a new compute target...')
    compute_config = AmlCompute.provisioning_configuration(vm_size='STANDARD_NC6', max_nodes=4)
    gpu_cluster = ComputeTarget.create(ws, cluster_name, compute_config)
    gpu_cluster.wait_for_completion(show_output=True, min_node_count=None, timeout_in_minutes=20)
print(gpu_cluster.get_status().serialize())

from azureml.core import Environment
tf_env = Environment.get(ws, name='AzureML-TensorFlow-2.3-GPU')

from azureml.core import ScriptRunConfig
from azureml.core.runconfig import MpiConfiguration

src_dir = 'commandstep_train'
distr_config = MpiConfiguration(node_count=2)
src = ScriptRunConfig(source_directory=src_dir, command=['python train.py --epochs 30'],
                      compute_target=gpu_cluster, environment=tf_env, distributed_job_config=distr_config)

from azureml.pipeline.steps import CommandStep
train = CommandStep(name='train-mnist', runconfig=src)

from azureml.pipeline.core import Pipeline
from azureml.core import Experiment
pipeline = Pipeline(workspace=ws, steps=[train])
pipeline_run = Experiment(ws, 'train-commandstep-pipeline').submit(pipeline)

from azureml.widgets import RunDetails
RunDetails(pipeline_run).show()

# Beyond the notebook: what the run left.
step = pipeline_run.find_step_run('train-mnist')[0]
print("status:", step.get_status(), "loss values:", len(step.get_metrics()["loss"]))
print("files:", [f for f in step.get_file_names() if f.startswith("outputs/")])
