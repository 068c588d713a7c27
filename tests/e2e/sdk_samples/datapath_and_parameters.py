# In the style of the Azure ML sample notebook "Showcasing DataPath and PipelineParameter"
# (how-to-use-azureml/machine-learning-pipelines/intro-to-pipelines), as a script: a
# DataPath as a PipelineParameter bound with DataPathComputeBinding, a string parameter,
# one submit with defaults and one with new values. No runnel-specific line.
from azureml.core import Workspace, Experiment
from azureml.core.compute import ComputeTarget, AmlCompute
from azureml.core.compute_target import ComputeTargetException
from azureml.data.datapath import DataPath, DataPathComputeBinding
from azureml.pipeline.core import Pipeline, PipelineParameter
from azureml.pipeline.steps import PythonScriptStep

ws = Workspace.from_config()
print('Workspace Name: ' + ws.name, 'Subscription Id: ' + ws.subscription_id, sep='\n')

cluster_name = "cpu-cluster"
try:
    compute_target = ComputeTarget(workspace=ws, name=cluster_name)
    print('Found existing compute target')
except ComputeTargetException:
    print('Creating a new compute target...')
    compute_config = AmlCompute.provisioning_configuration(vm_size='STANDARD_D2_V2', max_nodes=2)
    compute_target = ComputeTarget.create(ws, cluster_name, compute_config)
    compute_target.wait_for_completion(show_output=True, min_node_count=None, timeout_in_minutes=20)

datastore = ws.get_default_datastore()
datastore.upload(src_dir='./sample_data', target_path='titanic', overwrite=True, show_progress=True)

data_path = DataPath(datastore=datastore, path_on_datastore='titanic/titanic.csv')
datapath1_pipeline_param = PipelineParameter(name="input_datapath", default_value=data_path)
datapath_input = (datapath1_pipeline_param, DataPathComputeBinding(mode='mount'))

string_pipeline_param = PipelineParameter(name="input_string", default_value='sample_string1')

source_directory = "datapath_src"
train_step = PythonScriptStep(
    name='train_step',
    script_name="train_with_datapath.py",
    arguments=["--arg1", string_pipeline_param, "--arg2", datapath_input],
    inputs=[datapath_input],
    compute_target=compute_target,
    source_directory=source_directory)
print("train_step created")

pipeline = Pipeline(workspace=ws, steps=[train_step])
print("pipeline with the train_step created")

pipeline_run = Experiment(ws, 'showcasing_datapath').submit(pipeline)
print("Pipeline is submitted for execution")
pipeline_run.wait_for_completion()

data_path2 = DataPath(datastore=datastore, path_on_datastore='titanic/titanic2.csv')
pipeline_run_with_params = Experiment(ws, 'showcasing_datapath').submit(
    pipeline,
    pipeline_parameters={'input_string': 'sample_string3', 'input_datapath': data_path2})
pipeline_run_with_params.wait_for_completion()

for run in (pipeline_run, pipeline_run_with_params):
    for step_run in run.get_children():
        print(step_run.name, step_run.get_status(), step_run.get_metrics())
