# In the style of machine-learning-pipelines/nyc-taxi-data-regression-model-building: two raw
# taxi datasets cleansed in parallel into OutputFileDatasetConfig outputs, merged (each read by
# the merge step as a TabularDataset via read_delimited_files()), filtered (PipelineData
# promoted with as_dataset().parse_delimited_files()), and a regression trained on a
# keep_columns() view. The run configuration is saved and loaded back as a notebook shares it
# with the CLI; the raw green data is trimmed in the notebook with TabularDataset.filter.
# Cloud-only lines left out: the open-datasets download (small local CSVs are uploaded instead)
# and the AmlCompute provisioning (the local compute target).
import os

from azureml.core import Dataset, Experiment, RunConfiguration, Workspace
from azureml.core.conda_dependencies import CondaDependencies
from azureml.data import OutputFileDatasetConfig
from azureml.pipeline.core import Pipeline, PipelineData
from azureml.pipeline.steps import PythonScriptStep

ws = Workspace.from_config()
default_store = ws.get_default_datastore()
default_store.upload_files(["taxi_data/green.csv", "taxi_data/yellow.csv"], target_path="nyctaxi",
                           overwrite=True, show_progress=False)
green_taxi_data = Dataset.Tabular.from_delimited_files(default_store.path("nyctaxi/green.csv"))
yellow_taxi_data = Dataset.Tabular.from_delimited_files(default_store.path("nyctaxi/yellow.csv"))
# Trips with passengers only (the notebook's filter cell).
green_taxi_data = green_taxi_data.filter(green_taxi_data["passengerCount"] > 0)
print("green rows with passengers:", len(green_taxi_data.to_pandas_dataframe()))

aml_run_config = RunConfiguration()
aml_run_config.environment.python.user_managed_dependencies = False
aml_run_config.environment.python.conda_dependencies = CondaDependencies.create(
    conda_packages=["pandas", "scikit-learn"], pip_packages=["azureml-sdk", "pyarrow"], pin_sdk_version=False)
aml_run_config.save(path=".", name="taxi")
aml_run_config = RunConfiguration.load(".", "taxi")
print("pip packages:", sorted(aml_run_config.environment.python.conda_dependencies.pip_packages))

green_columns = {"vendorID": "vendor", "passengerCount": "passengers", "tripDistance": "distance",
                 "fareAmount": "cost", "pickupHour": "hour"}
yellow_columns = {"vendor_id": "vendor", "passengerCount": "passengers", "trip_distance": "distance",
                  "fare": "cost", "pickupHour": "hour"}
useful_columns = str(["vendor", "passengers", "distance", "cost", "hour"]).replace(" ", "")

cleansed_green_data = OutputFileDatasetConfig("cleansed_green_data")
cleansed_yellow_data = OutputFileDatasetConfig("cleansed_yellow_data")
cleanse_green = PythonScriptStep(
    name="Cleanse Green Taxi Data", script_name="cleanse.py", source_directory="taxi_src",
    arguments=["--useful_columns", useful_columns, "--columns", str(green_columns).replace(" ", ""),
               "--output_cleanse", cleansed_green_data],
    inputs=[green_taxi_data.as_named_input("raw_data")], runconfig=aml_run_config, allow_reuse=True)
cleanse_yellow = PythonScriptStep(
    name="Cleanse Yellow Taxi Data", script_name="cleanse.py", source_directory="taxi_src",
    arguments=["--useful_columns", useful_columns, "--columns", str(yellow_columns).replace(" ", ""),
               "--output_cleanse", cleansed_yellow_data],
    inputs=[yellow_taxi_data.as_named_input("raw_data")], runconfig=aml_run_config, allow_reuse=True)

merged_data = PipelineData("merged_data", datastore=default_store)
merge_step = PythonScriptStep(
    name="Merge Taxi Data", script_name="merge.py", source_directory="taxi_src",
    arguments=["--output_merge", merged_data],
    inputs=[cleansed_green_data.read_delimited_files(), cleansed_yellow_data.read_delimited_files()],
    outputs=[merged_data], runconfig=aml_run_config, allow_reuse=True)

filtered_data = OutputFileDatasetConfig("filtered_data")
filter_step = PythonScriptStep(
    name="Filter Taxi Data", script_name="filter.py", source_directory="taxi_src",
    arguments=["--output_filter", filtered_data],
    inputs=[merged_data.as_dataset().parse_delimited_files().as_named_input("merged_data")],
    runconfig=aml_run_config, allow_reuse=True)

train_step = PythonScriptStep(
    name="Train Model", script_name="train.py", source_directory="taxi_src",
    inputs=[filtered_data.read_delimited_files().keep_columns(["distance", "cost"]).as_input("train_data")],
    runconfig=aml_run_config, allow_reuse=True)

pipeline = Pipeline(workspace=ws, steps=[train_step])
print("Pipeline is built")
pipeline_run = Experiment(ws, "nyc-taxi").submit(pipeline, regenerate_outputs=False)
pipeline_run.wait_for_completion(show_output=False)
print("status:", pipeline_run.get_status())
train_run = pipeline_run.find_step_run("Train Model")[0]
print("metrics:", sorted(train_run.get_metrics()))
print("runconfig files:", sorted(os.listdir(".azureml")))
