# Modeled on the Azure ML sample notebook "Showcasing Dataset and PipelineParameter"
# (intro-to-pipelines), as a script: a FileDataset and a TabularDataset as PipelineParameter
# defaults consumed through DatasetConsumptionConfig, the pipeline submitted with the
# defaults and then with other datasets as pipeline_parameters. Local CSV files stand in
# for the notebook's URLs; the REST part is left to the publishing tests.
import azureml.core
from azureml.core import Workspace, Experiment, Dataset
from azureml.core.compute import ComputeTarget, AmlCompute
from azureml.data.dataset_consumption_config import DatasetConsumptionConfig
from azureml.widgets import RunDetails
from azureml.pipeline.core import PipelineParameter
from azureml.pipeline.core import Pipeline, PipelineRun
from azureml.pipeline.steps import PythonScriptStep

print("SDK version:", azureml.core.VERSION)
ws = Workspace.from_config()
experiment_name = 'showcasing-dataset'
source_directory = '.'
experiment = Experiment(ws, experiment_name)
print(experiment)

cluster = "cpu-cluster"
found = False
cts = ws.compute_targets
if cluster in cts and cts[cluster].type == 'AmlCompute':
    found = True
    print('Found existing compute target.')
    compute_target = cts[cluster]
if not found:
    print('Creating a new compute target...')
    config = AmlCompute.provisioning_configuration(vm_size="STANDARD_D2_V2", max_nodes=4)
    compute_target = ComputeTarget.create(ws, cluster, config)
    compute_target.wait_for_completion(show_output=True, timeout_in_minutes=10)

file_dataset = Dataset.File.from_files('./titanic.csv')
file_pipeline_param = PipelineParameter(name="file_ds_param", default_value=file_dataset)
file_ds_consumption = DatasetConsumptionConfig("file_dataset", file_pipeline_param).as_mount()

tabular_dataset = Dataset.Tabular.from_delimited_files('./titanic.csv')
tabular_pipeline_param = PipelineParameter(name="tabular_ds_param", default_value=tabular_dataset)
tabular_ds_consumption = DatasetConsumptionConfig("tabular_dataset", tabular_pipeline_param)

train_step = PythonScriptStep(name="train_step", script_name="train_with_dataset.py",
                              arguments=["--param1", file_ds_consumption, "--param2", tabular_ds_consumption],
                              inputs=[file_ds_consumption, tabular_ds_consumption],
                              compute_target=compute_target, source_directory=source_directory)
print("train_step created")
pipeline = Pipeline(workspace=ws, steps=[train_step])
print("pipeline with the train_step created")

pipeline_run = experiment.submit(pipeline)
print("Pipeline is submitted for execution")
RunDetails(pipeline_run).show()
pipeline_run.wait_for_completion()
print("defaults:", pipeline_run.find_step_run("train_step")[0].get_metrics())

iris_file_ds = Dataset.File.from_files('./iris.csv')
iris_tabular_ds = Dataset.Tabular.from_delimited_files('./iris.csv')
pipeline_run_with_params = experiment.submit(pipeline, pipeline_parameters={'file_ds_param': iris_file_ds,
                                                                            'tabular_ds_param': iris_tabular_ds})
RunDetails(pipeline_run_with_params).show()
pipeline_run_with_params.wait_for_completion()
print("iris:", pipeline_run_with_params.find_step_run("train_step")[0].get_metrics())
