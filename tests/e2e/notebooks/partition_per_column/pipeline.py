# Modeled on the Azure ML sample notebook "Batch inferencing OJ Sales Data partitioned by
# column using ParallelRunStep" (parallel-run/tabular-dataset-partition-per-column), as a
# script: CSV data uploaded, a TabularDataset partitioned with partition_by(['Store',
# 'Brand']), a ParallelRunConfig with partition_keys (one mini-batch per Store/Brand pair),
# the appended rows read back. A small local CSV stands in for the download.
from azureml.core import Workspace
ws = Workspace.from_config()
print('Workspace name: ' + ws.name, 'Azure region: ' + ws.location, 'Subscription id: ' + ws.subscription_id,
      'Resource group: ' + ws.resource_group, sep='\n')
datastore = ws.get_default_datastore()

import azureml.core
print(azureml.core.VERSION)

oj_sales_path = "./oj.csv"                                   # instead of the download
datastore.upload_files([oj_sales_path], ".", "oj_sales_data", overwrite=True, show_progress=False)

from azureml.core import Dataset
dataset = Dataset.Tabular.from_delimited_files(path=(datastore, 'oj_sales_data/*.csv'))
print(dataset.to_pandas_dataframe())

partitioned_dataset = dataset.partition_by(partition_keys=['Store', 'Brand'], target=(datastore, "partition_by_key_res"),
                                           name="partitioned_oj_data")
print(partitioned_dataset.partition_keys)

import os
from azureml.core.compute import AmlCompute, ComputeTarget
compute_name = os.environ.get("AML_COMPUTE_CLUSTER_NAME", "cpu-cluster")
compute_min_nodes = os.environ.get("AML_COMPUTE_CLUSTER_MIN_NODES", 0)
compute_max_nodes = os.environ.get("AML_COMPUTE_CLUSTER_MAX_NODES", 2)
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

from azureml.pipeline.core import Pipeline, PipelineData
output_dir = PipelineData(name="inferences", datastore=datastore)

scripts_folder = "Code"
script_file = "total_income.py"
with open(os.path.join(scripts_folder, script_file)) as inference_file:
    print(inference_file.read())

from azureml.core import Environment
from azureml.core.runconfig import CondaDependencies, DEFAULT_CPU_IMAGE
batch_conda_deps = CondaDependencies.create(pip_packages=["azureml-core", "azureml-dataset-runtime[fuse,pandas]"])
batch_env = Environment(name="batch_environment")
batch_env.python.conda_dependencies = batch_conda_deps
batch_env.docker.base_image = DEFAULT_CPU_IMAGE

from azureml.pipeline.steps import ParallelRunStep, ParallelRunConfig
parallel_run_config = ParallelRunConfig(source_directory=scripts_folder, entry_script=script_file,
                                        partition_keys=['Store', 'Brand'], error_threshold=5,
                                        output_action='append_row', append_row_file_name="revenue_outputs.txt",
                                        environment=batch_env, compute_target=compute_target, node_count=2,
                                        run_invocation_timeout=600)
parallel_run_step = ParallelRunStep(name='summarize-revenue',
                                    inputs=[partitioned_dataset.as_named_input("partitioned_tabular_input")],
                                    output=output_dir, parallel_run_config=parallel_run_config, allow_reuse=False)

from azureml.core import Experiment
pipeline = Pipeline(workspace=ws, steps=[parallel_run_step])
pipeline_run = Experiment(ws, 'tabular-dataset-partition').submit(pipeline)
pipeline_run.wait_for_completion(show_output=True)

import pandas as pd
import tempfile
batch_run = pipeline_run.find_step_run(parallel_run_step.name)[0]
batch_output = batch_run.get_output_data(output_dir.name)
target_dir = tempfile.mkdtemp()
batch_output.download(local_path=target_dir)
result_file = os.path.join(target_dir, batch_output.path_on_datastore, parallel_run_config.append_row_file_name)
df = pd.read_csv(result_file, delimiter=" ", header=None)
df.columns = ["WeekStarting", "Quantity", "Advert", "Price", "Store", "Brand", "total_income"]
print("Prediction has ", df.shape[0], " rows")
print(df.head(10))
print("partitions:", df.groupby(["Store", "Brand"]).total_income.nunique().to_dict())
print("mini-batches:", len(list(batch_run.get_children())))
