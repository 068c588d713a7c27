# A pipeline defined in the SDK v1 pipeline YAML (what `az ml pipeline create --pipeline-yaml`
# and Pipeline.load_yaml read): parameters (an int and a datapath), a data reference, two
# PythonScriptSteps joined by an output destination, a step run configuration saved with
# RunConfiguration.save. Loaded, validated, submitted with a parameter value, resubmitted.
from azureml.core import Experiment, RunConfiguration, Workspace
from azureml.core.conda_dependencies import CondaDependencies
from azureml.pipeline.core import Pipeline

ws = Workspace.from_config()
store = ws.get_default_datastore()
store.upload_files(["taxi_data/green.csv"], target_path="yamlraw", overwrite=True, show_progress=False)

rc = RunConfiguration()
rc.environment.python.conda_dependencies = CondaDependencies.create(pip_packages=["pandas"])
rc.environment.environment_variables = {"FARE_UNIT": "USD"}
rc.save(path="yaml_pipeline/train.runconfig")

pipeline = Pipeline.load_yaml(ws, filename="yaml_pipeline/pipeline.yml")
print("steps:", sorted(s.name for s in pipeline._steps))
pipeline.validate()
print("Pipeline validated")
run = Experiment(ws, "v1-yaml").submit(pipeline, pipeline_parameters={"MinDistance": 2})
run.wait_for_completion(show_output=False)
print("status:", run.get_status())
print("summary:", run.find_step_run("summarize")[0].get_metrics())
